#pragma once

// What a blue/green sync records in status.* and which events it emits, decided from the policy as
// read, the plan just executed and the time. Pure, like rolling_status.
//
//  - activeSelector / previewSelector: the hashes the Services select after the sync;
//    stablePodHash, currentPodHash, promotedPodHash, abort and the BlueGreenPause pause condition
//    from the plan (an abort by progressDeadlineAbort also clears promotedPodHash);
//    status.operation is removed once the plan says the request has taken effect.
//  - Progressing: the Deployment controller's reasons while green comes up or is promoted; the
//    clock stops while waiting for promotion, while spec.paused and during the scale-down delay
//    after the switch (all deliberate waits); False/RolloutAborted while aborted and
//    False/ServiceNotFound while a named Service is missing.
//  - Available: True when the active revision has all spec.replicas pods available;
//    False/ActiveRevisionUnavailable (phase Degraded, a Warning event when it starts) while it has
//    none and only an unapproved revision could serve.
//  - Paused: True/RolloutPaused while spec.paused, True/BlueGreenPause while waiting for promotion.
//  - Ready and the phase as for rolling: Degraded (Service missing, aborted, an outage of the
//    active revision that only an unapproved one could end, deadline passed) >
//    Paused (spec.paused, waiting for promotion) > Healthy (only green runs, all available) >
//    Progressing.
//  - progressDeadlineAbort: when the deadline newly passes, status.abort is set; the next sync acts
//    on it (active stays on stable, green scaled down after abortScaleDownDelaySeconds).

#include <chrono>
#include <string>

#include "api/rollout_policy.hpp"
#include "reconcile/policy_status.hpp"
#include "strategy/blue_green.hpp"

namespace rolloutd::reconcile {

namespace blue_green_condition_reasons {
inline constexpr std::string_view service_not_found = "ServiceNotFound";
// Available=False and a Warning event: the active revision has no available pod and the revision
// that could serve is not approved (see blue_green_plan::active_outage).
inline constexpr std::string_view active_revision_unavailable = "ActiveRevisionUnavailable";
}  // namespace blue_green_condition_reasons

struct blue_green_status_input {
  const api::rollout_policy& policy;
  const api::blue_green_strategy& strategy;
  const strategy::blue_green_plan& plan;
  std::string hash;  // the current template's
  std::chrono::system_clock::time_point now;
  // Why a named Service cannot be used ("Service hello not found", "... managed by another
  // RolloutPolicy"), for the condition while the plan holds; empty: the plan's missing Service.
  std::string service_problem{};
};

[[nodiscard]] status_decision blue_green_status(const blue_green_status_input& in);

}  // namespace rolloutd::reconcile
