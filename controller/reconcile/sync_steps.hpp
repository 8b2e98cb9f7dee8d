#pragma once

// The writes every strategy makes, shared so each does them the same way: the status patch, the
// InvalidSpec answer, and a planner's ReplicaSet actions in order (each with the resourceVersion it
// was planned from, so a concurrent change is a conflict and a fresh look, never an overwrite).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reconcile/strategy_sync.hpp"

namespace rolloutd::reconcile {

[[nodiscard]] const kube::resource_type& rollout_policies_resource();
[[nodiscard]] const kube::resource_type& replica_sets_resource();
[[nodiscard]] const kube::resource_type& services_resource();

// A write lost a race (stale cache, concurrent edit): look again shortly, without a backoff storm.
[[nodiscard]] reconcile_outcome requeue_soon();
// How long to wait for something due after `d`: one second past it, since condition times have
// whole-second precision.
[[nodiscard]] std::chrono::milliseconds recheck_delay(std::chrono::system_clock::duration d);

// PATCHes the status subresource when `decision.status` differs from what `object` holds, then
// emits the decision's events. The patch always carries the resourceVersion it was planned from:
// a reconcile that read a status older than the last one written (a cache not caught up yet) must
// neither write over it nor announce the same transition twice, and removing a handled
// status.operation must not remove a newer request. A conflict requeues; a vanished policy is not
// an error.
boost::asio::awaitable<reconcile_outcome> write_status(sync_context& c, const nlohmann::json& object,
                                                       const status_decision& decision);

// InvalidSpec=True/reason with `message`, phase Degraded, a Warning event; nothing else touched.
boost::asio::awaitable<reconcile_outcome> write_invalid(sync_context& c, const nlohmann::json& object,
                                                        const api::rollout_status& previous,
                                                        std::int64_t generation, std::string_view reason,
                                                        const std::string& message);

struct actions_outcome {
  enum class kind { done, requeue, failed } result = kind::done;
  std::string error{};  // when failed
  bool create_failed =
      false;  // the failure was creating a ReplicaSet (Progressing=False/ReplicaSetCreateError)
  // The API server refused the ReplicaSet's template (400/422): InvalidSpec with `error`, which
  // carries the server's message. Nothing was written.
  bool invalid_spec = false;
};

// POSTs the ReplicaSet of `create` (strict field validation; the answer's Warning headers become
// Warning events), or with dry_run only has the server validate it.
boost::asio::awaitable<actions_outcome> post_replica_set(sync_context& c, const policy_snapshot& s,
                                                         const strategy::create_replica_set& create,
                                                         bool dry_run);

// Before the first write of a sync that will create a ReplicaSet, when that create is not the
// first write (`writes_before_actions`, or other actions come before it): a server-side dry run of
// it, so that a template the server refuses ends the sync as InvalidSpec with nothing touched.
// nullopt: go on; otherwise the sync's outcome (InvalidSpec written, a requeue, a failure).
boost::asio::awaitable<std::optional<reconcile_outcome>> refuse_bad_template(
    sync_context& c, const policy_snapshot& s, const std::vector<strategy::replica_set_action>& actions,
    bool writes_before_actions);

// InvalidSpec with the server's `message` about spec.template (actions_outcome::invalid_spec).
boost::asio::awaitable<reconcile_outcome> write_invalid_template(sync_context& c, const policy_snapshot& s,
                                                                 const std::string& message);

// Performs the actions in order, emitting ScalingReplicaSet events; stops at the first failure.
boost::asio::awaitable<actions_outcome> run_replica_set_actions(
    sync_context& c, const policy_snapshot& s, const std::vector<strategy::replica_set_action>& actions);

// Keeps the existing ReplicaSet of the current template in step with the policy (minReadySeconds,
// kubernetes.io/change-cause); a ReplicaSet the cache has not seen yet waits for the next sync. One
// write per ReplicaSet per sync: when `done` (the sync's actions) already wrote it, a second patch
// with the same resourceVersion would only conflict, so this waits for a sync that leaves it alone
// (every rollout has one: the syncs that shrink the old ReplicaSets).
boost::asio::awaitable<actions_outcome> sync_new_replica_set(
    sync_context& c, const policy_snapshot& s, const std::vector<strategy::replica_set_action>& done);

}  // namespace rolloutd::reconcile
