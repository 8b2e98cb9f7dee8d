#pragma once

// One RolloutPolicy's reconcile: level-triggered and idempotent. It reads the policy and its
// ReplicaSets from the informer caches, does what every strategy shares (parse, validate, hash
// the template, gather the owned ReplicaSets, resolve hash collisions) and hands over to the
// strategy's sync (strategy_sync.hpp), which plans, writes and records the status (only when it
// changed). Anything that races with another writer comes back as a 409 and the key is simply
// looked at again; nothing is retried blindly. A policy that is gone has its Services released
// (its ReplicaSets are garbage-collected through their owner references).
//
// spec.workloadRef is not served by this version: the policy gets InvalidSpec=True with a message
// saying so, and nothing else is touched.

#include <boost/asio/awaitable.hpp>
#include <string>

#include "reconcile/strategy_sync.hpp"
#include "reconcile/work_loop.hpp"

namespace rolloutd::reconcile {

class policy_reconciler {
 public:
  explicit policy_reconciler(reconciler_deps deps) : d_(deps) {}

  // Runs on the client's executor. Only called once the informers have synced (an object missing
  // from an unsynced cache would read as deleted).
  boost::asio::awaitable<reconcile_outcome> reconcile(std::string key);

 private:
  reconciler_deps d_;
};

}  // namespace rolloutd::reconcile
