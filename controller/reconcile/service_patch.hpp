#pragma once

// What rolloutd changes on a user's Service, as pure functions from the Service as observed to a
// JSON merge patch (empty when it is already as wanted):
//  - pinning: the selector gets rolloutd.io/pod-template-hash=<hash> so the Service selects one
//    revision (the canary's stable/canary Services, blue/green's active/preview);
//  - session affinity: ClientIP with a timeout, the original setting kept in an annotation so it
//    can be restored when the policy stops asking for it;
//  - ownership: rolloutd.io/managed-by: <policy> while anything of the above is in force, so a
//    deleted policy's Services can be found and released, and two policies never fight over one
//    Service.
// Every patch carries the observed resourceVersion: a concurrent edit is a conflict, not an
// overwrite.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/rollout_policy.hpp"

namespace rolloutd::reconcile {

inline constexpr std::string_view managed_by_annotation = "rolloutd.io/managed-by";
// The Service's sessionAffinity before rolloutd changed it: "None", or "ClientIP" or
// "ClientIP/<timeoutSeconds>".
inline constexpr std::string_view original_affinity_annotation = "rolloutd.io/original-session-affinity";

// What a strategy wants of one Service it names.
struct service_target {
  std::string name{};
  // Pin the selector to this pod-template hash; nullopt: no pin (one this policy made is removed).
  std::optional<std::string> pinned_hash{};
  // Manage session affinity; nullopt: leave it as the user set it (restoring it if rolloutd changed it).
  std::optional<api::session_affinity_config> affinity{};
};

// The policy that manages the Service, "" when none.
[[nodiscard]] std::string service_manager(const nlohmann::json& service);
// The pod-template hash the Service's selector pins, "" when none.
[[nodiscard]] std::string pinned_hash(const nlohmann::json& service);

// Whether a RolloutPolicy object (raw JSON, any shape) names the Service in its strategy
// (canary service/stableService/canaryService, blueGreen activeService/previewService).
[[nodiscard]] bool policy_names_service(const nlohmann::json& policy, std::string_view service_name);

// The patch that makes `service` what `target` asks, for the policy `policy_name`; empty when
// nothing needs to change. The caller checks the Service is not managed by another policy.
[[nodiscard]] nlohmann::json service_patch(const nlohmann::json& service, std::string_view policy_name,
                                           const service_target& target);

// The patch that undoes everything rolloutd did to the Service: the pin removed, the affinity
// restored, the annotations dropped; empty when there is nothing to undo.
[[nodiscard]] nlohmann::json release_patch(const nlohmann::json& service);

}  // namespace rolloutd::reconcile
