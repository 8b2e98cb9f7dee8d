#pragma once

// What a policy's series show, derived from the policy as stored (spec and status) and the
// ReplicaSets it owns. Pure: the informer caches are read by policy_feed, which hands the values
// here, so the mapping is table-tested.
//
// Everything comes from the status the strategies' reconcilers write, not from their internals, so
// a metric always agrees with `kubectl get rp -o yaml`:
//   - phase, replica counts, revision, abort, pauses and the step index are status fields;
//   - the actual canary weight is status.canaryWeight (the weight served);
//   - the set weight is what the current step asks for, computed from spec.steps and
//     status.currentStepIndex as Argo Rollouts computes it (the last setWeight at or before the
//     current step; 100 once every step is done; 0 while aborted);
//   - each ReplicaSet's role comes from its pod-template-hash and the hashes the status names
//     (currentPodHash, stablePodHash, activeSelector, previewSelector).

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/rollout_policy.hpp"
#include "metrics/policy_series.hpp"

namespace rolloutd {

// A ReplicaSet owned by the policy, as far as the metrics care.
struct replica_set_counts {
  std::string pod_hash;        // its rolloutd.io/pod-template-hash label
  std::int64_t desired = 0;    // spec.replicas
  std::int64_t available = 0;  // status.availableReplicas
};

// Reads the fields above from a ReplicaSet object; missing or mistyped fields read as 0 or "".
[[nodiscard]] replica_set_counts read_replica_set(const nlohmann::json& replica_set);

// The weight the current canary step asks for, in percent.
[[nodiscard]] std::int32_t canary_set_weight(const api::canary_strategy& canary,
                                             const api::rollout_status& status);

[[nodiscard]] policy_snapshot snapshot_of(const api::rollout_policy& policy,
                                          const std::vector<replica_set_counts>& replica_sets);

// A policy whose spec cannot be parsed (it is reported InvalidSpec) still has series: its status
// read leniently, the strategy named by the key under spec.strategy, and spec.replicas if readable.
[[nodiscard]] api::rollout_policy lenient_policy(const nlohmann::json& object);

}  // namespace rolloutd
