// One reconcile of a rolling-update policy: decide what status.abort and status.operation ask for,
// plan (toward the template, or back to the stable ReplicaSet after an abort), perform the writes,
// keep the new ReplicaSet in step (minReadySeconds, change-cause), replace pods for spec.restartAt once the
// rollout is complete, and record the status (removing a handled operation in the same write).

#include <algorithm>

#include "reconcile/replica_failure.hpp"
#include "reconcile/replica_sets.hpp"
#include "reconcile/restart_sync.hpp"
#include "reconcile/rolling_operations.hpp"
#include "reconcile/service_sync.hpp"
#include "reconcile/strategy_sync.hpp"
#include "reconcile/sync_steps.hpp"

namespace rolloutd::reconcile {

namespace {

using boost::asio::awaitable;

strategy::int_or_percent to_strategy(const api::int_or_percent& v) {
  return v.is_percent() ? strategy::int_or_percent::percentage(v.value())
                        : strategy::int_or_percent::count(v.value());
}

// The ReplicaSet of the last completed revision, when it is not the template's own.
std::string stable_replica_set(const policy_snapshot& s) {
  const auto& stable = s.policy.status.stable_pod_hash;
  if (stable.empty() || stable == s.hash) return {};
  for (const auto& rs : s.children.old_replica_sets) {
    if (rs.hash == stable) return rs.name;
  }
  return {};
}

// The Deployment controller copies minReadySeconds to the new ReplicaSet when it changes (so the
// ReplicaSet controller counts availability by it); older ReplicaSets keep theirs.
void merge_recheck(status_decision& d, std::optional<std::chrono::system_clock::duration> after) {
  if (!after) return;
  d.recheck_after = d.recheck_after ? std::min(*d.recheck_after, *after) : *after;
}

}  // namespace

awaitable<reconcile_outcome> sync_rolling(sync_context& c, const policy_snapshot& s,
                                          const api::rolling_update_strategy& rolling) {
  const auto& policy = s.policy;
  const auto generation = policy.metadata.generation;

  strategy::rolling_input in;
  in.replicas = policy.spec.replicas;
  in.max_surge = to_strategy(rolling.max_surge);
  in.max_unavailable = to_strategy(rolling.max_unavailable);
  in.paused = policy.spec.paused;
  in.revision_history_limit = policy.spec.revision_history_limit;
  in.new_replica_set_name = s.new_name;
  in.new_replica_set = s.children.new_replica_set;
  in.old_replica_sets = s.children.old_replica_sets;
  in.previous.counts = {policy.status.replicas, policy.status.updated_replicas, policy.status.ready_replicas,
                        policy.status.available_replicas, 0};
  in.previous.generation_observed = policy.status.observed_generation >= generation;

  const std::string stable = stable_replica_set(s);
  const auto op = decide_rolling_operation({policy.status, s.hash, stable});
  if (op.aborted) {
    // Back to the stable revision; without one there is nowhere to go, so the rollout only holds.
    if (!stable.empty()) {
      in.roll_back_to = stable;
    } else {
      in.paused = true;
    }
  }

  auto planned = strategy::plan_rolling(in);
  if (!planned.ok()) {
    co_return co_await write_invalid(c, s.object, policy.status, generation, "PlanningFailed", planned.error);
  }
  const auto& plan = planned.plan;
  const auto status_input = [&](std::optional<api::timestamp> restarted_at) {
    return rolling_status_input{.policy = policy,
                                .plan = plan,
                                .hash = s.hash,
                                .aborted = op.aborted,
                                .now = c.d.clock.wall_now(),
                                .abort_cause = op.abort_cause,
                                .stable_replica_set = stable,
                                .retried = op.retried,
                                .consume_operation = op.consume_operation,
                                .restarted_at = restarted_at};
  };

  // A policy that was canary or blue/green gives back the Services it pinned: a pin left in place
  // would select none of the pods of the next template.
  const auto refused = co_await refuse_bad_template(c, s, plan.actions, /*writes_before_actions=*/false);
  if (refused) co_return *refused;
  const auto released = co_await release_services(c, policy.metadata.namespace_name, policy.metadata.name);
  if (released.requeue) co_return requeue_soon();
  if (!released.error.empty()) co_return reconcile_outcome{.failed = true, .error = released.error};

  auto done = co_await run_replica_set_actions(c, s, plan.actions);
  if (done.result == actions_outcome::kind::done) done = co_await sync_new_replica_set(c, s, plan.actions);
  if (done.result == actions_outcome::kind::requeue) co_return requeue_soon();
  if (done.invalid_spec) co_return co_await write_invalid_template(c, s, done.error);
  if (done.result == actions_outcome::kind::failed) {
    if (done.create_failed) {
      auto decision = rolling_status(status_input(std::nullopt));
      put_condition(decision.status.conditions,
                    api::make_condition(api::condition_types::progressing, api::condition_statuses::false_,
                                        api::condition_reasons::replica_set_create_error, done.error,
                                        api::to_timestamp(c.d.clock.wall_now())));
      decision.events.push_back({kube::event_type::warning, "FailedCreate", done.error});
      co_await write_status(c, s.object, decision);
    }
    co_return reconcile_outcome{.failed = true, .error = done.error};
  }

  // A restart replaces pods only once no rollout (or rollback) is doing so.
  const bool settled = plan.complete && plan.actions.empty() && !op.aborted && !policy.spec.paused;
  auto restart = co_await sync_restart(c, s, plan.limits.max_unavailable, settled);
  if (!restart.error.empty()) c.d.log.warn("{}/{}: {}", c.ref.namespace_name, c.ref.name, restart.error);

  auto decision = rolling_status(status_input(restart.restarted_at));
  decision.events.insert(decision.events.begin(), op.events.begin(), op.events.end());
  decision.events.insert(decision.events.end(), restart.events.begin(), restart.events.end());
  merge_recheck(decision, restart.recheck_after);
  if (!restart.error.empty()) merge_recheck(decision, std::chrono::seconds(5));
  set_replica_failure(decision.status, s.children.new_replica_set, s.children.old_replica_sets, generation,
                      api::to_timestamp(c.d.clock.wall_now()));
  co_return co_await write_status(c, s.object, decision);
}

}  // namespace rolloutd::reconcile
