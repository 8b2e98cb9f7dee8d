#pragma once

// spec.restartAt for the rolling strategy: lists the policy's pods (only while a restart is due and
// not yet recorded), asks strategy::plan_restart which to replace, and evicts them through the
// Eviction API, so PodDisruptionBudgets have their say.

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

}  // namespace rolloutd::reconcile
