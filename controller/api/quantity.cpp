#include "api/quantity.hpp"

#include <array>
#include <cstdint>

namespace rolloutd::api {
namespace {

using int128 = __int128;
constexpr int128 int128_max = static_cast<int128>((~static_cast<unsigned __int128>(0)) >> 1);

bool multiply(int128& value, int128 by) {
  if (by != 0 && value > int128_max / by) return false;
  value *= by;
  return true;
}

struct suffix {
  int decimal_exponent = 0;
  int binary_power = 0;  // the value is multiplied by 1024^binary_power
};

std::optional<suffix> read_suffix(std::string_view s) {
  struct entry {
    std::string_view text;
    suffix value;
  };
  static constexpr std::array<entry, 16> table{{{"", {0, 0}},
                                                {"n", {-9, 0}},
                                                {"u", {-6, 0}},
                                                {"m", {-3, 0}},
                                                {"k", {3, 0}},
                                                {"M", {6, 0}},
                                                {"G", {9, 0}},
                                                {"T", {12, 0}},
                                                {"P", {15, 0}},
                                                {"E", {18, 0}},
                                                {"Ki", {0, 1}},
                                                {"Mi", {0, 2}},
                                                {"Gi", {0, 3}},
                                                {"Ti", {0, 4}},
                                                {"Pi", {0, 5}},
                                                {"Ei", {0, 6}}}};
  for (const auto& e : table) {
    if (e.text == s) return e.value;
  }
  // Decimal exponent: e or E, an optional sign, digits.
  if (s.size() < 2 || (s[0] != 'e' && s[0] != 'E')) return std::nullopt;
  s.remove_prefix(1);
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 3) return std::nullopt;
  int exponent = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    exponent = exponent * 10 + (c - '0');
  }
  return suffix{negative ? -exponent : exponent, 0};
}

std::string digits_of(int128 v) {
  if (v == 0) return "0";
  std::string out;
  while (v > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return out;
}

}  // namespace

std::optional<std::string> quantity_nanos(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  int128 mantissa = 0;
  int fraction_digits = 0;
  int digit_count = 0;
  bool seen_point = false;
  while (!s.empty() && ((s.front() >= '0' && s.front() <= '9') || (s.front() == '.' && !seen_point))) {
    if (s.front() == '.') {
      seen_point = true;
    } else {
      // 36 significant digits keep the arithmetic below far from 128-bit overflow checks' limits.
      if (++digit_count > 36) return std::nullopt;
      mantissa = mantissa * 10 + (s.front() - '0');
      if (seen_point) ++fraction_digits;
    }
    s.remove_prefix(1);
  }
  if (digit_count == 0) return std::nullopt;
  const auto unit = read_suffix(s);
  if (!unit) return std::nullopt;

  for (int i = 0; i < unit->binary_power; ++i) {
    if (!multiply(mantissa, 1024)) return std::nullopt;
  }
  const int exponent = unit->decimal_exponent + 9 - fraction_digits;
  if (exponent >= 0) {
    for (int i = 0; i < exponent; ++i) {
      if (!multiply(mantissa, 10)) return std::nullopt;
    }
  } else if (exponent < -38) {
    mantissa = mantissa == 0 ? 0 : 1;
  } else {
    int128 divisor = 1;
    for (int i = 0; i < -exponent; ++i) divisor *= 10;
    const bool inexact = mantissa % divisor != 0;
    mantissa = mantissa / divisor + (inexact ? 1 : 0);
  }
  if (mantissa == 0) return "0";
  return (negative ? "-" : "") + digits_of(mantissa);
}

}  // namespace rolloutd::api
