#pragma once

// spec.restartAt for every strategy: lists the policy's pods (only while a restart is due and not
// yet recorded), asks strategy::plan_restart which to replace, and evicts them through the Eviction
// API, so PodDisruptionBudgets have their say. Each strategy's sync says when its rollout is settled
// (the restart waits otherwise) and how many pods may be missing: rolling and canary their
// maxUnavailable, blue/green none (one pod at a time, since the active Service serves them all).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "api/timestamp.hpp"
#include "reconcile/strategy_sync.hpp"

namespace rolloutd::reconcile {

struct restart_outcome {
  std::optional<api::timestamp> restarted_at{};  // the restart completed: record it
  std::vector<event_note> events{};
  std::optional<std::chrono::system_clock::duration> recheck_after{};
  std::string error{};  // listing the pods failed; the restart is tried again on the next look
};

// `max_unavailable` is resolved against spec.replicas; `rollout_complete` says no rollout is
// replacing pods right now.
boost::asio::awaitable<restart_outcome> sync_restart(sync_context& c, const policy_snapshot& s,
                                                     std::int32_t max_unavailable, bool rollout_complete);

// Records the outcome in the status about to be written: status.restartedAt once done, the events,
// an earlier recheck while pods are being replaced (and soon again after a failed pod list).
void record_restart(status_decision& d, const restart_outcome& r);

}  // namespace rolloutd::reconcile
