#pragma once

// Translation between ReplicaSet objects on the wire and the planners' value types: what a
// ReplicaSet we own looks like when created, how a planner's scale or annotate action becomes a
// patch, and how an observed ReplicaSet becomes a replica_set_state. Pure; no I/O.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "strategy/rolling.hpp"

namespace rolloutd::reconcile {

using json = nlohmann::json;

inline constexpr std::string_view pod_template_hash_label = "rolloutd.io/pod-template-hash";
inline constexpr std::string_view policy_api_version = "rolloutd.io/v1alpha1";
inline constexpr std::string_view policy_kind = "RolloutPolicy";

// The policy a ReplicaSet belongs to, as its owner reference needs it.
struct owner {
  std::string namespace_name;
  std::string name;
  std::string uid;
};

struct replica_set_spec {
  const json& selector;      // the policy's LabelSelector
  const json& pod_template;  // the policy's spec.template (only labels and annotations of its
                             // metadata are carried over, as the CRD documents)
  std::string hash;          // the template hash; label value and name suffix
  std::int32_t min_ready_seconds = 0;
  std::string change_cause{};   // the policy's kubernetes.io/change-cause; empty: none
  std::string template_hash{};  // of the policy's template alone (rolloutd.io/template-hash)
};

// The ReplicaSet to POST for a planner's create action: named action.name, labelled and selected
// by the policy's selector plus the hash label, controlled by the policy.
[[nodiscard]] json build_replica_set(const owner& policy, const replica_set_spec& spec,
                                     const strategy::create_replica_set& action);

// A JSON merge patch for a scale action; carries the observed resourceVersion so a concurrent
// change makes it fail with a conflict instead of overwriting.
[[nodiscard]] json scale_patch(const strategy::scale_replica_set& action, std::string_view resource_version);
[[nodiscard]] json annotate_patch(const strategy::annotate_replica_set& action,
                                  std::string_view resource_version);
// What the ReplicaSet of the current template follows from the policy after it is created, as the
// Deployment controller keeps its new ReplicaSet in step: minReadySeconds, and the
// kubernetes.io/change-cause annotation (empty: the policy has none, and the ReplicaSet's stays).
struct new_replica_set_fields {
  std::int32_t min_ready_seconds = 0;
  std::string change_cause{};
};
// A merge patch bringing `replica_set` to `want` (carrying its resourceVersion); nullopt when it
// already matches (an absent minReadySeconds is 0).
[[nodiscard]] std::optional<json> new_replica_set_update(const json& replica_set,
                                                         const new_replica_set_fields& want);

// An observed ReplicaSet; an error message when a field has the wrong shape.
struct observed_replica_set {
  std::optional<strategy::replica_set_state> state;
  std::string hash;  // its pod-template-hash label
  std::string error;
};
[[nodiscard]] observed_replica_set observe_replica_set(const json& object);

// Whether the controller owner reference of `object` is the policy with this uid.
[[nodiscard]] bool controlled_by(const json& object, std::string_view uid);

}  // namespace rolloutd::reconcile
