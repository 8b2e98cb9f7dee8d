#include "api/duration.hpp"

#include <array>
#include <cstdint>

namespace rolloutd::api {
namespace {

constexpr std::uint64_t max_magnitude = std::uint64_t{1} << 63;  // |INT64_MIN|

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::optional<std::uint64_t> unit_nanoseconds(std::string_view unit) {
  struct entry {
    std::string_view name;
    std::uint64_t ns;
  };
  // Both spellings of micro that Go accepts: U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU.
  static constexpr std::array<entry, 8> units{{{"ns", 1},
                                               {"us", 1'000},
                                               {"\xC2\xB5s", 1'000},
                                               {"\xCE\xBCs", 1'000},
                                               {"ms", 1'000'000},
                                               {"s", 1'000'000'000},
                                               {"m", 60'000'000'000},
                                               {"h", 3'600'000'000'000}}};
  for (const auto& u : units) {
    if (u.name == unit) return u.ns;
  }
  return std::nullopt;
}

std::optional<std::chrono::nanoseconds> fail(std::string* why, std::string message) {
  if (why) *why = std::move(message);
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text, std::string* why) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds::zero();
  if (s.empty()) return fail(why, "empty duration");

  std::uint64_t total = 0;
  while (!s.empty()) {
    if (s.front() != '.' && !is_digit(s.front())) return fail(why, "expected a number");

    // Integer part; Go reports overflow rather than wrapping.
    std::uint64_t whole = 0;
    bool has_whole = false;
    while (!s.empty() && is_digit(s.front())) {
      const auto digit = static_cast<std::uint64_t>(s.front() - '0');
      if (whole > (max_magnitude - digit) / 10) return fail(why, "out of range");
      whole = whole * 10 + digit;
      has_whole = true;
      s.remove_prefix(1);
    }
    // Fraction: digits past what fits in 63 bits are dropped, as Go does.
    std::uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      bool overflowed = false;
      while (!s.empty() && is_digit(s.front())) {
        has_fraction = true;
        const auto digit = static_cast<std::uint64_t>(s.front() - '0');
        if (!overflowed && fraction <= (max_magnitude - 1) / 10 && fraction * 10 + digit <= max_magnitude) {
          fraction = fraction * 10 + digit;
          scale *= 10;
        } else {
          overflowed = true;
        }
        s.remove_prefix(1);
      }
    }
    if (!has_whole && !has_fraction) return fail(why, "expected a number");

    std::size_t unit_length = 0;
    while (unit_length < s.size() && s[unit_length] != '.' && !is_digit(s[unit_length])) ++unit_length;
    if (unit_length == 0) return fail(why, "missing unit (one of ns, us, ms, s, m, h)");
    const std::string_view unit_text = s.substr(0, unit_length);
    s.remove_prefix(unit_length);
    const auto unit = unit_nanoseconds(unit_text);
    if (!unit)
      return fail(why, "unknown unit \"" + std::string(unit_text) + "\" (one of ns, us, ms, s, m, h)");

    if (whole > max_magnitude / *unit) return fail(why, "out of range");
    std::uint64_t value = whole * *unit;
    if (fraction > 0) {
      value +=
          static_cast<std::uint64_t>(static_cast<double>(fraction) * (static_cast<double>(*unit) / scale));
      if (value > max_magnitude) return fail(why, "out of range");
    }
    total += value;
    if (total > max_magnitude) return fail(why, "out of range");
  }
  if (negative) {
    // -2^63 is representable; negate in unsigned arithmetic to avoid signed overflow.
    return std::chrono::nanoseconds(static_cast<std::int64_t>(~total + 1));
  }
  if (total > max_magnitude - 1) return fail(why, "out of range");
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

namespace {

// Writes v / 10^precision's fractional digits without trailing zeros (and no '.' when they are all
// zero) in front of `out`, returning v / 10^precision.
std::uint64_t prepend_fraction(std::string& out, std::uint64_t v, int precision) {
  std::string digits;
  bool printing = false;
  for (int i = 0; i < precision; ++i) {
    const auto digit = static_cast<char>('0' + v % 10);
    printing = printing || digit != '0';
    if (printing) digits.insert(digits.begin(), digit);
    v /= 10;
  }
  if (printing) out.insert(0, "." + digits);
  return v;
}

void prepend_integer(std::string& out, std::uint64_t v) {
  out.insert(0, std::to_string(v));
}

}  // namespace

std::string format_duration(std::chrono::nanoseconds d) {
  const bool negative = d.count() < 0;
  auto u = static_cast<std::uint64_t>(d.count());
  if (negative) u = ~u + 1;

  std::string out;
  if (u < 1'000'000'000) {
    if (u == 0) return "0s";
    int precision = 0;
    if (u < 1'000) {
      out = "ns";
    } else if (u < 1'000'000) {
      precision = 3;
      out = "\xC2\xB5s";
    } else {
      precision = 6;
      out = "ms";
    }
    u = prepend_fraction(out, u, precision);
    prepend_integer(out, u);
  } else {
    out = "s";
    u = prepend_fraction(out, u, 9);
    prepend_integer(out, u % 60);
    u /= 60;
    if (u > 0) {
      out.insert(0, "m");
      prepend_integer(out, u % 60);
      u /= 60;
      if (u > 0) {
        out.insert(0, "h");
        prepend_integer(out, u);
      }
    }
  }
  if (negative) out.insert(0, "-");
  return out;
}

}  // namespace rolloutd::api
