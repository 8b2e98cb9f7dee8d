#pragma once

// What a reconcile writes to status.* and which events it emits, decided from the policy, the
// plan just executed and the time. Pure, so every branch is unit-testable without an API server.
//
// Conditions (the Deployment controller's vocabulary so `kubectl wait` and kstatus read a
// RolloutPolicy like a Deployment):
//  - Progressing and Available: strategy::evaluate_progress / available_condition.
//  - Paused: True/RolloutPaused while spec.paused; removed otherwise.
//  - Ready: True when the phase is Healthy, else False with the phase as reason (kstatus).
//  - InvalidSpec: True/<reason> while the spec cannot be served (phase Degraded, nothing touched);
//    removed once it can. True means "the problem is present", as Deployment's ReplicaFailure.
// Phase: Degraded (invalid, or the progress deadline passed) > Paused > Healthy (complete) >
// Progressing.
//
// Abort (rolling_operations.hpp decides it; progressDeadlineAbort starts one when the deadline
// newly passes): status.abort true, Progressing False/RolloutAborted (the cause in its message),
// phase Degraded, a Warning event; the planner meanwhile returns the stable ReplicaSet to full size.
// Retry restarts the progress clock (Progressing Unknown/RolloutRetried, as a resume does).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/rollout_policy.hpp"
#include "kube/event_aggregator.hpp"
#include "strategy/rolling.hpp"

namespace rolloutd::reconcile {

struct event_note {
  kube::event_type type = kube::event_type::normal;
  std::string reason{};
  std::string message{};
};

struct status_decision {
  api::rollout_status status{};
  std::vector<event_note> events{};
  std::optional<std::chrono::system_clock::duration> recheck_after{};
};

struct rolling_status_input {
  const api::rollout_policy& policy;
  const strategy::rolling_plan& plan;
  std::string hash;
  bool aborted = false;  // status.abort holds for this template (rolling back, or holding)
  std::chrono::system_clock::time_point now;
  std::string abort_cause{};                     // an abort begun this sync, e.g. "aborted by kubectl-rp"
  std::string stable_replica_set{};              // where an abort returns to; empty: it holds
  bool retried = false;                          // a Retry: the progress deadline restarts now
  bool consume_operation = false;                // status.operation was handled: remove it
  std::optional<api::timestamp> restarted_at{};  // a restart (spec.restartAt) completed this sync
};

[[nodiscard]] status_decision rolling_status(const rolling_status_input& in);

// The status of a policy that cannot be served: InvalidSpec=True/reason with message, phase
// Degraded, and a Warning event the first time this message is recorded.
[[nodiscard]] status_decision invalid_status(const api::rollout_status& previous, std::int64_t generation,
                                             std::string_view reason, const std::string& message,
                                             std::chrono::system_clock::time_point now);

// Replaces the condition of that type in place (keeping the list order), or appends it.
void put_condition(std::vector<api::condition>& conditions, api::condition c);
// put_condition only when the condition says something new (status, reason or message): restating
// it must not rewrite the status with a fresh lastUpdateTime every reconcile. lastTransitionTime
// moves only with the status. (api::set_condition, under the name the reconcilers use.)
void put_stated(std::vector<api::condition>& conditions, api::condition c);

}  // namespace rolloutd::reconcile
