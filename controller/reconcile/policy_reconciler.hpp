#pragma once

// One RolloutPolicy's reconcile: level-triggered and idempotent. It reads the policy and its
// ReplicaSets from the informer caches, plans with the rolling-update planner, performs the
// planner's writes in order, and records the outcome in the status subresource (only when it
// changed). Anything that races with another writer (a stale cache, a user edit) comes back as a
// 409 and the key is simply looked at again; nothing is retried blindly.
//
// Canary and blue/green policies, and spec.workloadRef, are not served by this version: the policy
// gets InvalidSpec=True with a message saying so, and nothing else is touched.

#include <spdlog/logger.h>

#include <boost/asio/awaitable.hpp>
#include <string>

#include "kube/client.hpp"
#include "kube/clock.hpp"
#include "kube/event_recorder.hpp"
#include "kube/informer_cache.hpp"
#include "reconcile/work_loop.hpp"

namespace rolloutd::reconcile {

[[nodiscard]] const kube::resource_type& rollout_policies_resource();
[[nodiscard]] const kube::resource_type& replica_sets_resource();

struct reconciler_deps {
  kube::client& api;
  const kube::informer_cache& policies;
  const kube::informer_cache& replica_sets;
  kube::event_recorder* events = nullptr;  // null: events are only logged
  const rolloutd::clock& clock;
  spdlog::logger& log;
};

class policy_reconciler {
 public:
  explicit policy_reconciler(reconciler_deps deps) : d_(deps) {}

  // Runs on the client's executor.
  boost::asio::awaitable<reconcile_outcome> reconcile(std::string key);

 private:
  reconciler_deps d_;
};

}  // namespace rolloutd::reconcile
