#pragma once

// Go's time.Duration text ("30s", "1m30s", "2h", "500ms", "1.5h", "-2m"), because that is what
// Kubernetes users already write in manifests (Argo Rollouts' pause durations, Flux intervals).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rolloutd::api {

// Parses exactly what Go's time.ParseDuration accepts, with the same rounding and overflow rules.
// On failure returns nullopt and, when `why` is given, says what is wrong.
[[nodiscard]] std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text,
                                                                     std::string* why = nullptr);

// Go's Duration.String(): "1h0m0s", "1m30s", "500ms", "1.5µs", "0s".
[[nodiscard]] std::string format_duration(std::chrono::nanoseconds d);

}  // namespace rolloutd::api
