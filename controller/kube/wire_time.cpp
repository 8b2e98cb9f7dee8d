#include "kube/wire_time.hpp"

#include <cstdio>

namespace rolloutd::kube {
namespace {

// Floors (not truncates toward zero) so instants before 1970 print the right date and time.
std::string format(std::chrono::system_clock::time_point t, bool micro) {
  using namespace std::chrono;
  auto us = floor<microseconds>(t);
  auto day = floor<days>(us);
  year_month_day date{day};
  hh_mm_ss<microseconds> time{us - day};
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(date.year()),
                        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                        static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                        static_cast<int>(time.seconds().count()));
  std::string out(buf, static_cast<std::size_t>(n));
  if (micro) {
    std::snprintf(buf, sizeof buf, ".%06d", static_cast<int>(time.subseconds().count()));
    out += buf;
  }
  out += 'Z';
  return out;
}

}  // namespace

std::string format_time(std::chrono::system_clock::time_point t) {
  return format(t, false);
}

std::string format_micro_time(std::chrono::system_clock::time_point t) {
  return format(t, true);
}

}  // namespace rolloutd::kube
