#pragma once

// The name grammars of k8s.io/apimachinery/pkg/util/validation, for checks the controller makes
// before the API server would refuse a ReplicaSet or Service update built from a bad spec.

#include <string_view>

namespace rolloutd::api {

// Label and annotation keys: [DNS-1123 subdomain "/"] name, name at most 63 of [A-Za-z0-9-_.]
// starting and ending alphanumeric.
[[nodiscard]] bool is_qualified_name(std::string_view key);
// Label values: empty, or at most 63 of [A-Za-z0-9-_.] starting and ending alphanumeric.
[[nodiscard]] bool is_label_value(std::string_view value);
// Container names and the like: at most 63 of [a-z0-9-], alphanumeric at both ends.
[[nodiscard]] bool is_dns1123_label(std::string_view name);
// Object names: at most 253, dot-separated DNS-1123 labels.
[[nodiscard]] bool is_dns1123_subdomain(std::string_view name);
// Service names: a DNS-1123 label that starts with a letter.
[[nodiscard]] bool is_dns1035_label(std::string_view name);

}  // namespace rolloutd::api
