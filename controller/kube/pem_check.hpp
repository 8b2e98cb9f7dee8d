#pragma once

// Checks, at load time, that certificate and key material parses, so a mangled kubeconfig fails
// with a message naming its field instead of a TLS handshake error later. Messages never quote
// the material.

#include <optional>
#include <string>
#include <string_view>

namespace rolloutd::kube {

// Each returns what is wrong, or nullopt when the material is usable.
[[nodiscard]] std::optional<std::string> check_ca_bundle(std::string_view pem);
[[nodiscard]] std::optional<std::string> check_certificate(std::string_view pem);
[[nodiscard]] std::optional<std::string> check_private_key(std::string_view pem);
// Both must already have passed their own checks.
[[nodiscard]] bool key_matches_certificate(std::string_view cert_pem, std::string_view key_pem);

}  // namespace rolloutd::kube
