#pragma once

// Standard base64 (RFC 4648 with padding), as kubeconfig's *-data fields use. Decoding is strict
// so a truncated or mangled field is reported at load time rather than as a TLS failure later.

#include <optional>
#include <string>
#include <string_view>

namespace rolloutd::kube {

// nullopt when `text` is not valid base64. Line breaks and spaces are ignored, as in Go's decoder
// that kubectl uses (a PEM pasted with its line breaks still loads).
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

[[nodiscard]] std::string base64_encode(std::string_view bytes);

}  // namespace rolloutd::kube
