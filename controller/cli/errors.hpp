#pragma once

// What a user reads when an API call fails, in kubectl's words: "Error from server (NotFound):
// rolloutpolicies.rolloutd.io "hello" not found", a Forbidden answer with the RBAC verb the server
// named, an API server that cannot be reached, a cluster without the rolloutd CRD. Pure.

#include <string>
#include <string_view>

#include "kube/result.hpp"

namespace rolloutd::cli {

// "rolloutpolicies.rolloutd.io": how kubectl names the resource in messages.
inline constexpr std::string_view policy_resource_name = "rolloutpolicies.rolloutd.io";

// `resource` as kubectl names it ("rolloutpolicies.rolloutd.io", "replicasets.apps"), `name` empty
// for a list, `server` the API server's address.
[[nodiscard]] std::string describe_failure(const kube::api_error& error, std::string_view resource,
                                           std::string_view name, std::string_view server);

}  // namespace rolloutd::cli
