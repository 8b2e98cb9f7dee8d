#pragma once

// Time arithmetic that cannot overflow. std::chrono::system_clock counts int64 nanoseconds, so its
// time points end in 2262 and begin in 1677; a time read from the API (spec.restartAt, a pause's
// start in status, a condition's lastUpdateTime: whole seconds up to year 9999) or a time plus a
// user's duration (a pause of "2500000h") can fall outside. An unchecked conversion or sum is
// undefined behaviour, and in practice wraps to the past, so a far-future pause would count as
// over at once. Every such conversion and sum goes through these, which saturate instead: a time
// beyond the range reads as the range's end, which is "never" for anything the controller waits
// for and "long ago" for anything it compares with a creation time.
//
// The range is half the clock's (1824 to 2116): the difference of any two times in it, and any
// such time minus now, still fits, so code subtracting them (how long until a pause ends) needs no
// care of its own.

#include <chrono>
#include <cstdint>
#include <limits>

namespace rolloutd {

using wall_time = std::chrono::system_clock::time_point;
using wall_duration = std::chrono::system_clock::duration;

inline constexpr wall_time latest_wall_time{
    wall_duration{std::numeric_limits<wall_duration::rep>::max() / 2}};
inline constexpr wall_time earliest_wall_time{-latest_wall_time.time_since_epoch()};

[[nodiscard]] constexpr wall_time clamp_wall_time(wall_time t) {
  return t > latest_wall_time ? latest_wall_time : t < earliest_wall_time ? earliest_wall_time : t;
}

// A whole-second time (api::timestamp, years 0 to 9999) as a clock time point, saturated.
[[nodiscard]] constexpr wall_time to_wall_time(std::chrono::sys_seconds t) {
  constexpr auto last = std::chrono::floor<std::chrono::seconds>(latest_wall_time.time_since_epoch());
  const auto s = t.time_since_epoch();
  if (s > last) return latest_wall_time;
  if (s < -last) return earliest_wall_time;
  return wall_time(std::chrono::duration_cast<wall_duration>(s));
}

// A count of seconds (any 64-bit value) as a clock duration, saturated at the range's width.
[[nodiscard]] constexpr wall_duration seconds_duration(std::int64_t seconds) {
  constexpr std::int64_t limit =
      std::chrono::floor<std::chrono::seconds>(latest_wall_time.time_since_epoch()).count();
  if (seconds > limit) return latest_wall_time.time_since_epoch();
  if (seconds < -limit) return -latest_wall_time.time_since_epoch();
  return std::chrono::seconds(seconds);
}

// t + d, saturated to the range; t outside the range is first brought into it.
[[nodiscard]] constexpr wall_time saturating_add(wall_time t, wall_duration d) {
  const wall_duration::rep base = clamp_wall_time(t).time_since_epoch().count();
  wall_duration::rep sum = 0;
  if (__builtin_add_overflow(base, d.count(), &sum))
    return d.count() > 0 ? latest_wall_time : earliest_wall_time;
  return clamp_wall_time(wall_time(wall_duration(sum)));
}

}  // namespace rolloutd
