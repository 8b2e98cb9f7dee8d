#pragma once

// The canary's half of a reconcile that needs no API server: the planner's input from the policy
// (its spec, the status a previous reconcile wrote, a pending status.operation) and the status and
// events from the planner's plan. Pure, so every branch is unit-testable.
//
// Status: currentStepIndex, canaryWeight (the share of available pods running the template),
// pauseConditions (CanaryPauseStep with its start), abort, stablePodHash / currentPodHash, and
// status.operation removed once handled (the caller sends that patch with a resourceVersion
// precondition). Conditions in the Deployment controller's vocabulary:
//  - Progressing: strategy::evaluate_progress, with a pause step or spec.paused counted as paused
//    (the deadline clock stops, and restarts on resume); False/RolloutAborted while aborted;
//    True/NewReplicaSetAvailable once the template is stable and fully available, even while the
//    previous stable waits out scaleDownDelaySeconds (a released rollout has no deadline).
//  - Available: strategy::available_condition.
//  - Paused: True/RolloutPaused while spec.paused, True/CanaryPauseStep at a pause step.
//  - Ready: True when Healthy, else False with the phase (or RolloutAborted) as reason.
//  - ServicesReady: False/ServiceNotFound while a Service the strategy names is missing (or is
//    managed by another policy); removed once they are all in place.
// Phase: Degraded (aborted, or the progress deadline passed) > Paused > Healthy > Progressing.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "api/rollout_policy.hpp"
#include "reconcile/policy_status.hpp"
#include "strategy/canary.hpp"

namespace rolloutd::reconcile {

struct canary_input_result {
  strategy::canary_input input{};
  // The progress deadline passed since the last reconcile (not counting pauses) and the pod counts
  // show no progress since then; unless the sync moves the canary on (plan.moved_on), the status
  // records ProgressDeadlineExceeded, and with progressDeadlineAbort the planner aborts.
  bool deadline_newly_passed = false;
};

struct canary_observed {
  std::string hash{};      // spec.template's hash
  std::string new_name{};  // <policy>-<hash>
  std::optional<strategy::replica_set_state> new_replica_set{};
  std::vector<strategy::replica_set_state> old_replica_sets{};
  strategy::pinned_service service{};  // the strategy's `service`, stableService, canaryService
  strategy::pinned_service stable_service{};
  strategy::pinned_service canary_service{};
};

[[nodiscard]] canary_input_result make_canary_input(const api::rollout_policy& policy,
                                                    const api::canary_strategy& canary,
                                                    canary_observed observed,
                                                    std::chrono::system_clock::time_point now);

struct canary_status_input {
  const api::rollout_policy& policy;
  const strategy::canary_plan& plan;
  bool deadline_newly_passed = false;
  std::string services_problem{};  // service_sync_outcome::problem(); empty when all is well
  std::chrono::system_clock::time_point now{};
};

[[nodiscard]] status_decision canary_status(const canary_status_input& in);

}  // namespace rolloutd::reconcile
