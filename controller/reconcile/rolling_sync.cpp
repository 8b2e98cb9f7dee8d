#include "reconcile/service_sync.hpp"
#include "reconcile/strategy_sync.hpp"
#include "reconcile/sync_steps.hpp"

namespace rolloutd::reconcile {

namespace {

strategy::int_or_percent to_strategy(const api::int_or_percent& v) {
  return v.is_percent() ? strategy::int_or_percent::percentage(v.value())
                        : strategy::int_or_percent::count(v.value());
}

}  // namespace

boost::asio::awaitable<reconcile_outcome> sync_rolling(sync_context& c, const policy_snapshot& s,
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

  // A new template clears a previous abort; an abort holds the rollout where it is.
  const bool aborted = policy.status.abort && policy.status.current_pod_hash == s.hash;
  if (aborted) in.paused = true;

  auto planned = strategy::plan_rolling(in);
  if (!planned.ok()) {
    co_return co_await write_invalid(c, s.object, policy.status, generation, "PlanningFailed", planned.error);
  }
  const auto& plan = planned.plan;

  // A policy that was canary or blue/green gives back the Services it pinned: a pin left in place
  // would select none of the pods of the next template.
  const auto released = co_await release_services(c, policy.metadata.namespace_name, policy.metadata.name);
  if (released.requeue) co_return requeue_soon();
  if (!released.error.empty()) co_return reconcile_outcome{.failed = true, .error = released.error};

  const auto done = co_await run_replica_set_actions(c, s, plan.actions);
  if (done.result == actions_outcome::kind::requeue) co_return requeue_soon();
  if (done.result == actions_outcome::kind::failed) {
    if (done.create_failed) {
      auto decision = rolling_status({policy, plan, s.hash, aborted, c.d.clock.wall_now()});
      put_condition(decision.status.conditions,
                    api::make_condition(api::condition_types::progressing, api::condition_statuses::false_,
                                        api::condition_reasons::replica_set_create_error, done.error,
                                        api::to_timestamp(c.d.clock.wall_now())));
      decision.events.push_back({kube::event_type::warning, "FailedCreate", done.error});
      co_await write_status(c, s.object, decision);
    }
    co_return reconcile_outcome{.failed = true, .error = done.error};
  }

  const auto decision = rolling_status({policy, plan, s.hash, aborted, c.d.clock.wall_now()});
  co_return co_await write_status(c, s.object, decision);
}

}  // namespace rolloutd::reconcile
