#include "reconcile/blue_green_status.hpp"

#include "reconcile/condition_convert.hpp"
#include "reconcile/kstatus_conditions.hpp"

#include <algorithm>

#include "api/timestamp.hpp"

namespace rolloutd::reconcile {
namespace {

namespace ct = api::condition_types;
namespace cs = api::condition_statuses;
namespace cr = api::condition_reasons;
using stage = strategy::blue_green_stage;

// Rewritten only when status, reason or message change (so restating a state costs no write);
// the transition time survives while the status holds.
api::condition stated(std::string_view type, std::string_view status, std::string_view reason,
                      std::string message, std::int64_t generation, api::timestamp now) {
  auto c = api::make_condition(type, status, reason, std::move(message), now);
  c.observed_generation = generation;
  return c;
}

// An absolute time, not "in 19s": a message that changed every second would make every status
// write (which re-queues the policy) cause the next one.
std::string at_time(strategy::wall_time at) {
  return api::format_timestamp(std::chrono::ceil<std::chrono::seconds>(at));
}

std::string progress_message(const api::rollout_policy& policy, const strategy::blue_green_plan& plan,
                             const std::string& hash) {
  const auto replicas = std::to_string(policy.spec.replicas);
  switch (plan.stage) {
    case stage::first_deploy:
      return "first deploy of " + hash + ": " + std::to_string(plan.counts.available) + " of " + replicas +
             " available";
    case stage::preview:
      return "revision " + hash + " starting on the preview: " + std::to_string(plan.counts.updated) +
             " pods, active Service on " + plan.active_hash;
    case stage::promoting:
      return "revision " + hash + " promoted; the active Service switches once all " + replicas +
             " pods are available";
    case stage::scaling_down:
      return "active Service on " + hash + "; the previous revision keeps its pods for a rollback" +
             (plan.scale_down_at ? " until " + at_time(*plan.scale_down_at) : std::string{});
    case stage::complete:
      return "active Service on " + hash + "; waiting for every pod to be available";
    default:
      return "";
  }
}

}  // namespace

status_decision blue_green_status(const blue_green_status_input& in) {
  const auto& policy = in.policy;
  const auto& plan = in.plan;
  const auto generation = policy.metadata.generation;
  const auto now_ts = api::to_timestamp(in.now);
  const api::rollout_status& before = policy.status;
  status_decision out;
  api::rollout_status& s = out.status;
  s = before;

  s.observed_generation = generation;
  s.replicas = plan.counts.replicas;
  s.updated_replicas = plan.counts.updated;
  s.ready_replicas = plan.counts.ready;
  s.available_replicas = plan.counts.available;
  s.selector = policy.spec.selector.to_string();
  s.current_revision = plan.revision;
  s.current_pod_hash = plan.current_hash;
  s.stable_pod_hash = plan.stable_hash;
  s.active_selector = plan.active_hash;
  s.preview_selector = plan.preview_hash;
  s.abort = plan.aborted;
  s.promoted_pod_hash = plan.promoted_hash;
  s.canary_weight.reset();
  s.current_step_index.reset();
  std::erase_if(s.pause_conditions,
                [](const api::pause_condition& p) { return p.reason == cr::blue_green_pause; });
  if (plan.pause_start) {
    s.pause_conditions.push_back({std::string(cr::blue_green_pause), api::to_timestamp(*plan.pause_start)});
  }
  if (plan.operation_done) s.operation.reset();
  api::remove_condition(s.conditions, ct::invalid_spec);
  for (const auto& n : plan.notes) {
    out.events.push_back(
        {n.warning ? kube::event_type::warning : kube::event_type::normal, n.reason, n.message});
  }

  // Progressing. A condition that only stated an abort or a missing Service is not progress
  // history: once that is over, the clock starts afresh.
  auto current = condition_to_strategy(api::find_condition(before.conditions, ct::progressing));
  if (current && (current->reason == cr::rollout_aborted ||
                  current->reason == blue_green_condition_reasons::service_not_found)) {
    current.reset();
  }
  bool deadline_exceeded = false;
  if (plan.stage == stage::service_missing) {
    const std::string why =
        in.service_problem.empty()
            ? "Service \"" + plan.missing_service + "\" named by the blue/green strategy does not exist"
            : in.service_problem;
    put_stated(s.conditions,
               stated(ct::progressing, cs::false_, blue_green_condition_reasons::service_not_found,
                      why + "; nothing is changed until it can be used", generation, now_ts));
  } else if (plan.stage == stage::aborted) {
    put_stated(s.conditions, stated(ct::progressing, cs::false_, cr::rollout_aborted,
                                    "rollout of " + in.hash + " aborted; active Service on " +
                                        (plan.active_hash.empty() ? std::string("(none)") : plan.active_hash),
                                    generation, now_ts));
  } else {
    strategy::progress_input p;
    p.policy_name = policy.metadata.name;
    p.current = current;
    p.deadline_seconds = policy.spec.progress_deadline_seconds;
    p.paused = policy.spec.paused || plan.stage == stage::awaiting_promotion;
    p.estimate = plan.progressing && !policy.spec.paused;
    p.new_replica_set = plan.new_replica_set;
    p.created_new_replica_set = plan.created_new_replica_set;
    p.replicas = policy.spec.replicas;
    p.previous = {before.replicas, before.updated_replicas, before.ready_replicas, before.available_replicas,
                  0};
    p.next = plan.counts;
    p.now = in.now;
    const auto progress = strategy::evaluate_progress(p);
    if (progress.progressing) {
      put_condition(s.conditions, condition_to_api(ct::progressing, *progress.progressing, generation));
    } else {
      api::remove_condition(s.conditions, ct::progressing);
    }
    out.recheck_after = progress.recheck_after;
    deadline_exceeded = progress.deadline_exceeded;
    if (progress.newly_exceeded) {
      std::string msg = "revision " + in.hash + " made no progress for " +
                        std::to_string(policy.spec.progress_deadline_seconds) +
                        "s; the active Service stays on " +
                        (plan.active_hash.empty() ? std::string("(none)") : plan.active_hash);
      if (policy.spec.progress_deadline_abort) {
        s.abort = true;
        s.promoted_pod_hash.clear();  // as for an Abort: going ahead takes a new promote
        msg += "; aborted (progressDeadlineAbort)";
      }
      out.events.push_back({kube::event_type::warning, std::string(cr::progress_deadline_exceeded), msg});
    }
  }

  if (!plan.active_outage.empty()) {
    // Reported once, when it starts; the condition says it for as long as it lasts.
    const auto* was = api::find_condition(before.conditions, ct::available);
    if (was == nullptr || was->reason != blue_green_condition_reasons::active_revision_unavailable) {
      out.events.push_back({kube::event_type::warning,
                            std::string(blue_green_condition_reasons::active_revision_unavailable),
                            plan.active_outage});
    }
    put_stated(s.conditions,
               stated(ct::available, cs::false_, blue_green_condition_reasons::active_revision_unavailable,
                      plan.active_outage, generation, now_ts));
  } else {
    const auto available = strategy::available_condition(
        condition_to_strategy(api::find_condition(before.conditions, ct::available)), plan.active_available,
        policy.spec.replicas, 0, in.now);
    put_condition(s.conditions, condition_to_api(ct::available, available, generation));
  }

  const bool was_paused = api::condition_is(before.conditions, ct::paused, cs::true_) &&
                          api::find_condition(before.conditions, ct::paused)->reason == cr::rollout_paused;
  if (policy.spec.paused) {
    put_stated(s.conditions,
               stated(ct::paused, cs::true_, cr::rollout_paused, "spec.paused is true", generation, now_ts));
    if (!was_paused)
      out.events.push_back({kube::event_type::normal, std::string(cr::rollout_paused), "rollout paused"});
  } else {
    if (plan.stage == stage::awaiting_promotion) {
      put_stated(s.conditions, stated(ct::paused, cs::true_, cr::blue_green_pause,
                                      "waiting for promotion of " + in.hash, generation, now_ts));
    } else {
      api::remove_condition(s.conditions, ct::paused);
    }
    if (was_paused) {
      out.events.push_back({kube::event_type::normal, std::string(cr::rollout_resumed), "rollout resumed"});
    }
  }

  const bool healthy = plan.complete && plan.active_available >= policy.spec.replicas &&
                       plan.counts.replicas == policy.spec.replicas;
  if (plan.stage == stage::service_missing) {
    s.phase = api::rollout_phase::degraded;
    s.message = in.service_problem.empty() ? "Service \"" + plan.missing_service + "\" not found"
                                           : in.service_problem;
  } else if (s.abort) {
    s.phase = api::rollout_phase::degraded;
    s.message = "rollout aborted: the active Service is on " +
                (plan.active_hash.empty() ? std::string("no revision") : "revision " + plan.active_hash);
  } else if (!plan.active_outage.empty()) {
    s.phase = api::rollout_phase::degraded;
    s.message = plan.active_outage;
  } else if (deadline_exceeded) {
    s.phase = api::rollout_phase::degraded;
    s.message = "revision " + in.hash + " did not become available within " +
                std::to_string(policy.spec.progress_deadline_seconds) + "s; the active Service stays on " +
                (plan.active_hash.empty() ? std::string("(none)") : plan.active_hash);
  } else if (policy.spec.paused) {
    s.phase = api::rollout_phase::paused;
    s.message = "paused";
  } else if (plan.stage == stage::awaiting_promotion) {
    s.phase = api::rollout_phase::paused;
    s.message = plan.auto_promotion_at
                    ? "revision " + in.hash + " is ready on the preview; promoting automatically at " +
                          at_time(*plan.auto_promotion_at)
                    : "revision " + in.hash + " is ready on the preview; waiting for `kubectl rp promote " +
                          policy.metadata.name + "`";
  } else if (healthy) {
    s.phase = api::rollout_phase::healthy;
    s.message = "";
  } else {
    s.phase = api::rollout_phase::progressing;
    s.message = progress_message(policy, plan, in.hash);
  }
  // A restart or a scale of the active revision passes through Progressing too, while Progressing
  // keeps saying NewReplicaSetAvailable; only a release (or an abort) ending completes a rollout.
  const auto* progressing_before = api::find_condition(before.conditions, ct::progressing);
  const bool rolled_out = before.abort || progressing_before == nullptr ||
                          progressing_before->reason != cr::new_replica_set_available;
  if (s.phase == api::rollout_phase::healthy && before.phase != api::rollout_phase::healthy && rolled_out) {
    out.events.push_back({kube::event_type::normal, std::string(cr::rollout_completed),
                          "rollout of revision " + std::to_string(plan.revision) + " complete"});
  }
  {
    auto c = api::make_condition(
        ct::ready, healthy && s.phase == api::rollout_phase::healthy ? cs::true_ : cs::false_,
        s.phase == api::rollout_phase::healthy ? std::string_view("Healthy")
                                               : std::string_view(api::to_string(s.phase)),
        s.phase == api::rollout_phase::healthy ? "the rollout is complete and every replica is available"
                                               : s.message,
        now_ts);
    c.observed_generation = generation;
    api::set_condition(s.conditions, std::move(c));
  }
  set_kstatus_conditions(s, policy.spec.replicas, generation, now_ts);

  if (plan.wake_at && !policy.spec.paused) {
    const auto due = std::max(*plan.wake_at - in.now, std::chrono::system_clock::duration::zero());
    if (!out.recheck_after || due < *out.recheck_after) out.recheck_after = due;
  }
  return out;
}

}  // namespace rolloutd::reconcile
