#pragma once

// metav1.Time on the wire: RFC 3339, written at one-second precision in UTC
// ("2026-01-01T00:00:00Z") as the API server itself writes it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rolloutd::api {

using timestamp = std::chrono::sys_seconds;

// Accepts any RFC 3339 date-time (fractional seconds, "Z" or a numeric offset); the fraction is
// dropped, as metav1.Time keeps whole seconds.
[[nodiscard]] std::optional<timestamp> parse_timestamp(std::string_view text);

[[nodiscard]] std::string format_timestamp(timestamp t);

// The wall time a status field records: whole seconds, so a value survives the round trip.
[[nodiscard]] inline timestamp to_timestamp(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

}  // namespace rolloutd::api
