#pragma once

// The API server's Warning response headers (RFC 7234 section 5.5, as Kubernetes sends them:
// `299 - "unknown field \"spec.foo\""`): deprecations, PodSecurity "would violate" notices, fields
// the server dropped. kubectl prints them; rolloutd turns them into Warning events on the policy.

#include <string>
#include <string_view>
#include <vector>

namespace rolloutd::kube {

// The texts of every warning in one header value (a value may carry several, comma-separated).
// Malformed pieces are skipped, never thrown about: a warning is advice, not data.
[[nodiscard]] std::vector<std::string> parse_warning_header(std::string_view value);

}  // namespace rolloutd::kube
