#include "api/timestamp.hpp"

#include <cstdio>

namespace rolloutd::api {
namespace {

// Reads exactly `width` decimal digits.
std::optional<int> digits(std::string_view& s, std::size_t width) {
  if (s.size() < width) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    value = value * 10 + (s[i] - '0');
  }
  s.remove_prefix(width);
  return value;
}

bool literal(std::string_view& s, char a, char b = '\0') {
  if (s.empty() || (s.front() != a && (b == '\0' || s.front() != b))) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<timestamp> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  const auto year = digits(s, 4);
  if (!year || !literal(s, '-')) return std::nullopt;
  const auto month = digits(s, 2);
  if (!month || !literal(s, '-')) return std::nullopt;
  const auto day = digits(s, 2);
  if (!day || !literal(s, 'T', 't')) return std::nullopt;
  const auto hour = digits(s, 2);
  if (!hour || !literal(s, ':')) return std::nullopt;
  const auto minute = digits(s, 2);
  if (!minute || !literal(s, ':')) return std::nullopt;
  const auto second = digits(s, 2);
  if (!second) return std::nullopt;
  if (literal(s, '.')) {
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0) return std::nullopt;
    s.remove_prefix(n);
  }
  int offset_minutes = 0;
  if (!literal(s, 'Z', 'z')) {
    if (s.empty() || (s.front() != '+' && s.front() != '-')) return std::nullopt;
    const int sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
    const auto off_hour = digits(s, 2);
    if (!off_hour || !literal(s, ':')) return std::nullopt;
    const auto off_minute = digits(s, 2);
    if (!off_minute || *off_hour > 23 || *off_minute > 59) return std::nullopt;
    offset_minutes = sign * (*off_hour * 60 + *off_minute);
  }
  if (!s.empty()) return std::nullopt;

  const year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  // Go rejects leap second 60 too.
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  return timestamp{sys_days{date}} + hours{*hour} + minutes{*minute} + seconds{*second} -
         minutes{offset_minutes};
}

std::string format_timestamp(timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss time{t - day};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return buffer;
}

}  // namespace rolloutd::api
