// The blue/green strategy's reconcile: observe the two Services, plan (strategy/blue_green.hpp),
// write, record status (blue_green_status.hpp).
//
// Services are written before ReplicaSets. That order is what makes the switch safe: the planner
// only switches the active Service to a revision that is already fully available, and a revision
// that stops being active only gets a scale-down deadline in that sync, never fewer pods; so
// whatever the ReplicaSet writes do, the active Service already selects pods that serve.

#include <optional>
#include <string>
#include <vector>

#include "reconcile/blue_green_input.hpp"
#include "reconcile/blue_green_status.hpp"
#include "reconcile/replica_failure.hpp"
#include "reconcile/restart_sync.hpp"
#include "reconcile/service_sync.hpp"
#include "reconcile/strategy_sync.hpp"
#include "reconcile/sync_steps.hpp"

namespace rolloutd::reconcile {

namespace {

using boost::asio::awaitable;

// A Service the strategy may use: it exists and no other policy manages it.
struct observed_service {
  strategy::service_state state;
  std::string problem;  // why it cannot be used, "" when it can (or is not named)
};

observed_service observe_service(const sync_context& c, const std::string& ns, const std::string& name,
                                 const std::string& policy_name) {
  observed_service out;
  if (name.empty()) return out;
  const kube::object_ptr service = c.d.services.get(ns, name);
  if (!service) {
    out.problem = "Service \"" + name + "\" not found";
    return out;
  }
  if (const std::string manager = service_manager(*service); !manager.empty() && manager != policy_name) {
    out.problem = "Service \"" + name + "\" is managed by RolloutPolicy \"" + manager + "\"";
    return out;
  }
  out.state.exists = true;
  out.state.selected_hash = pinned_hash(*service);
  return out;
}

// The pin to write: the plan's hash; with none, whatever pin is there stays (the plan leaves it).
service_target target_for(const std::string& name, const std::string& planned, const std::string& observed,
                          const std::optional<api::session_affinity_config>& affinity) {
  service_target t;
  t.name = name;
  if (!planned.empty()) {
    t.pinned_hash = planned;
  } else if (!observed.empty()) {
    t.pinned_hash = observed;
  }
  t.affinity = affinity;
  return t;
}

}  // namespace

awaitable<reconcile_outcome> sync_blue_green(sync_context& c, const policy_snapshot& s,
                                             const api::blue_green_strategy& bg) {
  const auto& policy = s.policy;
  const auto& ns = policy.metadata.namespace_name;
  const auto& name = policy.metadata.name;
  const auto generation = policy.metadata.generation;

  const auto active = observe_service(c, ns, bg.active_service, name);
  const auto preview = observe_service(c, ns, bg.preview_service, name);
  std::string service_problem = active.problem;
  if (!preview.problem.empty()) service_problem += (service_problem.empty() ? "" : "; ") + preview.problem;

  blue_green_observed observed;
  observed.hash = s.hash;
  observed.new_replica_set_name = s.new_name;
  observed.new_replica_set = s.children.new_replica_set;
  observed.old_replica_sets = s.children.old_replica_sets;
  observed.active = active.state;
  observed.preview = preview.state;
  const auto now = c.d.clock.wall_now();
  const auto in = make_blue_green_input(policy, bg, std::move(observed), now);
  const auto planned = strategy::plan_blue_green(in);
  if (!planned.ok()) {
    co_return co_await write_invalid(c, s.object, policy.status, generation, "PlanningFailed", planned.error);
  }
  const auto& plan = planned.plan;

  // Services first (see above). A Service that cannot be used is left alone and reported.
  std::vector<service_target> targets;
  if (active.state.exists) {
    targets.push_back(
        target_for(bg.active_service, plan.active_hash, active.state.selected_hash, bg.session_affinity));
  }
  if (preview.state.exists) {
    targets.push_back(
        target_for(bg.preview_service, plan.preview_hash, preview.state.selected_hash, bg.session_affinity));
  }
  // Services are written before the ReplicaSets: a template the server refuses must stop the sync
  // before they move.
  const auto refused = co_await refuse_bad_template(c, s, plan.actions, /*writes_before_actions=*/true);
  if (refused) co_return *refused;
  const auto services = co_await sync_services(c, ns, name, targets);
  if (services.requeue) co_return requeue_soon();
  if (!services.error.empty()) co_return reconcile_outcome{.failed = true, .error = services.error};

  auto done = co_await run_replica_set_actions(c, s, plan.actions);
  if (done.result == actions_outcome::kind::done) done = co_await sync_new_replica_set(c, s, plan.actions);
  if (done.result == actions_outcome::kind::requeue) co_return requeue_soon();
  if (done.invalid_spec) co_return co_await write_invalid_template(c, s, done.error);
  if (done.result == actions_outcome::kind::failed) {
    if (done.create_failed) {
      auto decision = blue_green_status({policy, bg, plan, s.hash, now, service_problem});
      put_condition(decision.status.conditions,
                    api::make_condition(api::condition_types::progressing, api::condition_statuses::false_,
                                        api::condition_reasons::replica_set_create_error, done.error,
                                        api::to_timestamp(now)));
      decision.events.push_back({kube::event_type::warning, "FailedCreate", done.error});
      // The request stays: what it asked for has not happened.
      decision.status.operation = policy.status.operation;
      co_await write_status(c, s.object, decision);
    }
    co_return reconcile_outcome{.failed = true, .error = done.error};
  }

  // spec.restartAt replaces the active pods one at a time (the active Service serves every pod, so
  // no more may be missing), once the release is settled: active on green and nothing else runs.
  const bool settled = plan.stage == strategy::blue_green_stage::complete && plan.actions.empty() &&
                       !policy.spec.paused && !plan.aborted;
  const auto restart = co_await sync_restart(c, s, 0, settled);
  if (!restart.error.empty()) c.d.log.warn("{}/{}: {}", c.ref.namespace_name, c.ref.name, restart.error);

  auto decision = blue_green_status({policy, bg, plan, s.hash, now, service_problem});
  record_restart(decision, restart);
  set_replica_failure(decision.status, s.children.new_replica_set, s.children.old_replica_sets, generation,
                      api::to_timestamp(now));
  co_return co_await write_status(c, s.object, decision);
}

}  // namespace rolloutd::reconcile
