#pragma once

// Timestamps as the API server writes them. metav1.Time (Event first/lastTimestamp) has whole
// seconds; metav1.MicroTime (Lease acquireTime/renewTime) has exactly six fractional digits. Both
// are UTC with a literal Z, so values we write compare byte-for-byte with what the server echoes.

#include <chrono>
#include <string>

namespace rolloutd::kube {

// 2006-01-02T15:04:05Z
[[nodiscard]] std::string format_time(std::chrono::system_clock::time_point t);

// 2006-01-02T15:04:05.000000Z
[[nodiscard]] std::string format_micro_time(std::chrono::system_clock::time_point t);

}  // namespace rolloutd::kube
