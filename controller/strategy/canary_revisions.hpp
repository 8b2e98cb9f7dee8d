#pragma once

// The ReplicaSet bookkeeping the canary shares with the Deployment controller's rules (revision
// numbers, revision-history cleanup, status counts, event wording), for the canary planner's own
// use. The rolling planner keeps its own copy inside its sync; the rules are the same.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strategy/progress.hpp"
#include "strategy/rolling.hpp"

namespace rolloutd::strategy {

struct canary_input;

// Why the planner cannot plan from `in` (negative counts, a ReplicaSet listed twice, no hash); empty
// when it can.
[[nodiscard]] std::string validate_canary_input(const canary_input& in);

// RFC 3339 in UTC. Messages name the moment, never the time left, so restating the same state
// later writes the same status (a countdown would rewrite it, and re-trigger a reconcile, forever).
[[nodiscard]] std::string rfc3339(wall_time t);

// "Scaled up replica set hello-abc from 1 to 3", as Kubernetes words it today.
[[nodiscard]] std::string scale_event(std::string_view name, std::int32_t from, std::int32_t to);

// One above every old ReplicaSet's revision.
[[nodiscard]] std::int64_t next_revision(const std::vector<replica_set_state>& old_replica_sets);

// The annotation that lifts `current` above every old revision when it is below (a template
// reused, e.g. back to stable), remembering its previous number in revision-history; applied to
// `current` too. Nothing when it is already the newest.
[[nodiscard]] std::optional<annotate_replica_set> sync_revision(
    replica_set_state& current, const std::vector<replica_set_state>& old_replica_sets);

// Deletions of the oldest revisions beyond the limit that have no pods, nothing pending and no
// deletion under way (nullopt or INT32_MAX: keep everything).
[[nodiscard]] std::vector<replica_set_action> cleanup_history(
    const std::vector<replica_set_state>& old_replica_sets, std::optional<std::int32_t> limit);

// Status counts from the ReplicaSets as observed; a new ReplicaSet planned but not yet observed
// counts only through `new_spec` (its pods are wanted and not available).
[[nodiscard]] rollout_counts observed_counts(const std::optional<replica_set_state>& new_replica_set,
                                             const std::vector<replica_set_state>& old_replica_sets,
                                             std::int32_t new_spec);

}  // namespace rolloutd::strategy
