#pragma once

// A canary weight served without a traffic router, by replica counts: pods of both revisions sit
// behind the user's Service, so the canary's share of the pods is its share of the traffic. Two
// pure functions: which split of pods best serves a weight, and how far the ReplicaSets may move
// toward that split in one sync without breaking maxSurge / maxUnavailable. Argo Rollouts'
// approximateWeightedCanaryStableReplicaCounts and CalculateReplicaCountsForBasicCanary are the
// reference; docs/canary.md lists where these differ.

#include <cstdint>
#include <optional>
#include <vector>

#include "strategy/replica_math.hpp"

namespace rolloutd::strategy {

struct canary_split {
  std::int32_t canary = 0;
  std::int32_t stable = 0;
  friend bool operator==(const canary_split&, const canary_split&) = default;
};

// The pod counts whose canary share is closest to `weight` percent. Totals of `replicas` and, when
// max_surge allows one extra pod, replicas + 1 are considered; ties go to the smaller total, then
// to the larger canary. A weight of 1-99 never gives 0 canary pods, nor 0 stable pods when a
// second pod fits (with 1 replica and no surge the canary gets the one pod). 0 and 100 are exact.
[[nodiscard]] canary_split split_for_weight(std::int32_t replicas, std::int32_t weight,
                                            std::int32_t max_surge);

// One ReplicaSet as the sizing sees it.
struct replica_count {
  std::int32_t spec = 0;
  std::int32_t available = 0;
  friend bool operator==(const replica_count&, const replica_count&) = default;
};

struct sizing_input {
  std::int32_t replicas = 0;
  fenceposts limits{};
  canary_split target{};
  replica_count canary{};                 // the new ReplicaSet; 0/0 before it exists
  std::optional<replica_count> stable{};  // absent when there is no stable apart from the new one
  // Every other ReplicaSet, in the order they are drained (oldest first). `keep` ones hold their
  // size this sync (a scale-down deadline not yet reached) but still count against the limits.
  std::vector<replica_count> others{};
  std::vector<bool> keep{};  // parallel to others; missing entries mean false
  // Parallel to others: pods a drained ReplicaSet keeps for now (missing entries: 0), e.g. the pod
  // a canaryService still shows while the canary replacing it has none available.
  std::vector<std::int32_t> keep_at_least{};
  // The most pods all ReplicaSets together may ask for; nullopt: replicas + maxSurge.
  std::optional<std::int32_t> max_total{};
};

struct sizing {
  std::int32_t canary = 0;
  std::int32_t stable = 0;
  std::vector<std::int32_t> others{};
  friend bool operator==(const sizing&, const sizing&) = default;
};

// The sizes to write this sync. Shrinking comes first and spends only the availability above
// replicas - maxUnavailable (unavailable pods go first, as the ReplicaSet controller deletes them
// first, so they cost nothing); other ReplicaSets are drained before the stable or canary may
// shrink at all (those held by `keep` excepted: they cannot be drained yet), except a canary moving
// back toward stable, which shrinks beside them. Growing spends what is left
// below the total, the stable before the canary, so traffic never has fewer stable pods to fall back on than
// it needs.
[[nodiscard]] sizing size_replica_sets(const sizing_input& in);

}  // namespace rolloutd::strategy
