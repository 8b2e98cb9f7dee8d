// The canary strategy's reconcile: plan (strategy/canary.hpp), make the ReplicaSet writes, pin the
// stable and canary Services and apply session affinity, then record the status. Every decision is
// made by the pure planner and canary_status; this file only performs them, in an order that keeps
// traffic safe: pods first (the planner never lets availability drop), then the Services (pinned
// only to revisions already seen with available pods), then the status that records what was
// done, and with it the removal of a handled status.operation.

#include "reconcile/canary_status.hpp"
#include "reconcile/replica_failure.hpp"
#include "reconcile/restart_sync.hpp"
#include "reconcile/service_sync.hpp"
#include "reconcile/strategy_sync.hpp"
#include "reconcile/sync_steps.hpp"

namespace rolloutd::reconcile {

namespace {

// A Service the strategy names, as the planner needs to see it: one that is missing or managed by
// another policy is left alone (sync_services reports it), so it counts as not named.
strategy::pinned_service observe(const sync_context& c, const std::string& ns, const std::string& name,
                                 const std::string& policy_name) {
  strategy::pinned_service out;
  if (name.empty()) return out;
  const kube::object_ptr service = c.d.services.get(ns, name);
  if (!service) return out;
  const std::string manager = service_manager(*service);
  if (!manager.empty() && manager != policy_name) return out;
  out.named = true;
  out.managed = manager == policy_name;
  out.pinned_hash = pinned_hash(*service);
  return out;
}

std::optional<std::string> pin(const std::string& hash) {
  return hash.empty() ? std::nullopt : std::optional<std::string>(hash);
}

// `service` (what users reach) selects both revisions: its session affinity is managed, and its
// selector is pinned to stable only while an aborted canary waits out its delay. The stable and
// canary Services get their selectors pinned to one revision each.
std::vector<service_target> canary_services(const api::canary_strategy& canary,
                                            const strategy::canary_plan& plan) {
  std::vector<service_target> out;
  if (!canary.service.empty())
    out.push_back({canary.service, pin(plan.service_hash), canary.session_affinity});
  if (!canary.stable_service.empty()) {
    out.push_back({canary.stable_service, pin(plan.stable_service_hash), canary.session_affinity});
  }
  if (!canary.canary_service.empty()) {
    out.push_back({canary.canary_service, pin(plan.canary_service_hash), canary.session_affinity});
  }
  return out;
}

}  // namespace

boost::asio::awaitable<reconcile_outcome> sync_canary(sync_context& c, const policy_snapshot& s,
                                                      const api::canary_strategy& canary) {
  const auto& policy = s.policy;
  const auto generation = policy.metadata.generation;
  const auto now = c.d.clock.wall_now();

  const auto& ns = policy.metadata.namespace_name;
  const auto& name = policy.metadata.name;
  canary_observed observed{s.hash,
                           s.new_name,
                           s.children.new_replica_set,
                           s.children.old_replica_sets,
                           observe(c, ns, canary.service, name),
                           observe(c, ns, canary.stable_service, name),
                           observe(c, ns, canary.canary_service, name)};
  const auto made = make_canary_input(policy, canary, std::move(observed), now);
  const auto planned = strategy::plan_canary(made.input);
  if (!planned.ok()) {
    co_return co_await write_invalid(c, s.object, policy.status, generation, "PlanningFailed", planned.error);
  }
  const auto& plan = planned.plan;

  const auto refused = co_await refuse_bad_template(c, s, plan.actions, /*writes_before_actions=*/false);
  if (refused) co_return *refused;
  auto done = co_await run_replica_set_actions(c, s, plan.actions);
  if (done.result == actions_outcome::kind::done) done = co_await sync_new_replica_set(c, s, plan.actions);
  if (done.result == actions_outcome::kind::requeue) co_return requeue_soon();
  if (done.invalid_spec) co_return co_await write_invalid_template(c, s, done.error);
  if (done.result == actions_outcome::kind::failed) {
    if (done.create_failed) {
      auto decision = canary_status({policy, plan, made.deadline_newly_passed, {}, now});
      put_condition(decision.status.conditions,
                    api::make_condition(api::condition_types::progressing, api::condition_statuses::false_,
                                        api::condition_reasons::replica_set_create_error, done.error,
                                        api::to_timestamp(now)));
      decision.events.push_back({kube::event_type::warning, "FailedCreate", done.error});
      co_await write_status(c, s.object, decision);
    }
    co_return reconcile_outcome{.failed = true, .error = done.error};
  }

  const auto targets = canary_services(canary, plan);
  const auto services = co_await sync_services(c, ns, name, targets);
  std::string problem = services.problem();
  if (!services.error.empty()) problem += (problem.empty() ? "" : "; ") + services.error;

  // spec.restartAt replaces the stable pods within maxUnavailable, once the rollout is settled.
  const bool settled = plan.complete && plan.actions.empty() && !policy.spec.paused;
  const auto restart = co_await sync_restart(c, s, plan.limits.max_unavailable, settled);
  if (!restart.error.empty()) c.d.log.warn("{}/{}: {}", c.ref.namespace_name, c.ref.name, restart.error);

  // The step state lives in status; write_status's precondition keeps a stale reconcile from
  // writing an older step over it.
  auto decision = canary_status({policy, plan, made.deadline_newly_passed, problem, now});
  record_restart(decision, restart);
  set_replica_failure(decision.status, s.children.new_replica_set, s.children.old_replica_sets, generation,
                      api::to_timestamp(now));
  auto outcome = co_await write_status(c, s.object, decision);
  // The status records what was done either way; a Service write that lost a race or failed is
  // tried again (a missing Service is not: the Services informer brings the policy back when it
  // appears).
  if (services.requeue && !outcome.failed) co_return requeue_soon();
  if (!services.error.empty() && !outcome.failed) {
    co_return reconcile_outcome{.failed = true, .error = services.error};
  }
  co_return outcome;
}

}  // namespace rolloutd::reconcile
