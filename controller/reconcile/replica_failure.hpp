#pragma once

// The ReplicaFailure condition, as the Deployment controller keeps it: when a ReplicaSet of the
// policy cannot create its pods (a ResourceQuota, PodSecurity admission), the ReplicaSet controller
// says so in the ReplicaSet's own ReplicaFailure condition; the policy repeats it (status True,
// the ReplicaSet's reason, usually FailedCreate, and its message) so `kubectl get rp -o yaml` and
// `kubectl rp status` show "exceeded quota" at once rather than a progress deadline ten minutes
// later. The current template's ReplicaSet speaks first, then the others; the condition goes as
// soon as none reports a failure. One place for every strategy, applied to the status each
// strategy decided.

#include <cstdint>
#include <optional>
#include <vector>

#include "api/status.hpp"
#include "strategy/rolling.hpp"

namespace rolloutd::reconcile {

inline constexpr std::string_view replica_failure_condition = "ReplicaFailure";

void set_replica_failure(api::rollout_status& s,
                         const std::optional<strategy::replica_set_state>& new_replica_set,
                         const std::vector<strategy::replica_set_state>& old_replica_sets,
                         std::int64_t generation, api::timestamp now);

}  // namespace rolloutd::reconcile
