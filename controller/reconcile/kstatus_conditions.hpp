#pragma once

// kstatus (sigs.k8s.io/cli-utils, used by Flux, kpt and Config Sync) judges a custom resource by
// two conditions of the kpt CRD status convention: Reconciling=True while the cluster does not yet
// match the spec, Stalled=True when the controller cannot get there without help. Without them a
// policy mid-rollout would read as Current. Both are derived from the status a strategy decided,
// so every strategy and the InvalidSpec answer state them the same way; each is removed (kstatus
// reads absence as False) when it does not hold.

#include <cstdint>

#include "api/status.hpp"

namespace rolloutd::reconcile {

namespace kstatus_conditions {
inline constexpr std::string_view reconciling = "Reconciling";
inline constexpr std::string_view stalled = "Stalled";
}  // namespace kstatus_conditions

// Stalled=True for InvalidSpec, Progressing=False (a passed progress deadline, a ReplicaSet that
// cannot be created) or an abort, with that cause's reason and message. Otherwise Reconciling=True
// until the current revision is the stable one and holds exactly `desired_replicas`, all available
// and no other pod left (a paused rollout is still reconciling; a paused, finished one is not).
void set_kstatus_conditions(api::rollout_status& s, std::int32_t desired_replicas, std::int64_t generation,
                            api::timestamp now);

}  // namespace rolloutd::reconcile
