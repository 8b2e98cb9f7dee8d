#pragma once

// What status.abort and a pending status.operation (`kubectl rp abort|retry|promote`) mean for one
// sync of a rolling-update policy. Pure; the reconciler feeds the result to the planner
// (roll_back_to) and to rolling_status, and removes a handled operation in the same status patch
// that records its effect, with a resourceVersion precondition (api::with_precondition) so a
// request written in between is neither lost nor applied twice.
//
//  - Abort: return to the stable revision (status.stablePodHash) through the rolling arithmetic;
//    spec.template is not touched. Nothing to abort when the template is the stable revision.
//  - Retry: clear the abort and try the current template again, with a fresh progress deadline.
//  - Promote / PromoteFull: canary and blue/green steps; a rolling update has none, so the request
//    is removed with a Warning event rather than left pending forever.
//  - An abort holds for the template it was made for: a new template clears it.

#include <string>
#include <string_view>
#include <vector>

#include "api/status.hpp"
#include "reconcile/policy_status.hpp"

namespace rolloutd::reconcile {

struct rolling_operation_input {
  const api::rollout_status& status;
  std::string_view hash;  // spec.template's (collisionCount mixed in)
  // The ReplicaSet an abort returns to (the one labelled status.stablePodHash), when it exists and
  // is not the template's own; empty otherwise.
  std::string_view stable_replica_set;
};

struct rolling_operation_decision {
  bool aborted = false;            // roll back (or, without a stable ReplicaSet, hold) this sync
  std::string abort_cause{};       // set when the abort begins this sync: for Progressing's message
  bool retried = false;            // restart the progress clock
  bool consume_operation = false;  // remove status.operation in this sync's status patch
  std::vector<event_note> events{};
};

[[nodiscard]] rolling_operation_decision decide_rolling_operation(const rolling_operation_input& in);

}  // namespace rolloutd::reconcile
