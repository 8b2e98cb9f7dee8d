#include "reconcile/canary_status.hpp"

#include "reconcile/condition_convert.hpp"
#include "reconcile/kstatus_conditions.hpp"
#include "strategy/canary_revisions.hpp"

#include <limits>

#include "common/saturating_time.hpp"

namespace rolloutd::reconcile {

namespace {

namespace ct = api::condition_types;
namespace cs = api::condition_statuses;
namespace cr = api::condition_reasons;
namespace sr = strategy::reasons;

inline constexpr std::string_view services_ready = "ServicesReady";
inline constexpr std::string_view service_not_found = "ServiceNotFound";

strategy::int_or_percent to_strategy(const api::int_or_percent& v) {
  return v.is_percent() ? strategy::int_or_percent::percentage(v.value())
                        : strategy::int_or_percent::count(v.value());
}

strategy::canary_step to_strategy(const api::canary_step& step) {
  if (const auto* w = std::get_if<api::set_weight_step>(&step)) return strategy::weight_step{w->weight};
  if (const auto* p = std::get_if<api::pause_step>(&step)) {
    strategy::pause_step out;
    if (p->duration)
      out.duration = std::chrono::duration_cast<std::chrono::system_clock::duration>(*p->duration);
    return out;
  }
  if (const auto* s = std::get_if<api::set_canary_scale_step>(&step)) {
    return strategy::canary_scale_step{s->replicas, s->weight, s->match_traffic_weight};
  }
  // analysis: validation rejects it in this version; should one get here, it waits for a promote.
  return strategy::pause_step{};
}

strategy::canary_operation to_strategy(api::operation_type t) {
  switch (t) {
    case api::operation_type::promote:
      return strategy::canary_operation::promote;
    case api::operation_type::promote_full:
      return strategy::canary_operation::promote_full;
    case api::operation_type::abort:
      return strategy::canary_operation::abort;
    case api::operation_type::retry:
      break;
  }
  return strategy::canary_operation::retry;
}

bool has_deadline(std::int32_t seconds) {
  return seconds != std::numeric_limits<std::int32_t>::max();
}

strategy::condition make(strategy::condition_status status, std::string_view reason, std::string message,
                         std::chrono::system_clock::time_point now) {
  const auto t = api::to_timestamp(now);
  return {status, std::string(reason), std::move(message), t, t};
}

// Progressing as the Deployment controller decides it, with two canary twists: an abort holds it
// at False/RolloutAborted, and leaving an abort (retry, promote --full, a new template) restarts
// the deadline clock as a resume does.
struct progress_outcome {
  strategy::condition progressing;
  bool deadline_exceeded = false;
  bool newly_exceeded = false;
  std::optional<std::chrono::system_clock::duration> recheck_after{};
};

std::optional<progress_outcome> decide_progress(const canary_status_input& in) {
  const auto& policy = in.policy;
  const auto& plan = in.plan;
  auto current = condition_to_strategy(api::find_condition(policy.status.conditions, ct::progressing));
  const bool exceeded_before = current && current->reason == sr::progress_deadline_exceeded;
  progress_outcome out;
  if (plan.released) {
    // Released: the template is stable and fully available. What pods the previous stable keeps
    // for scaleDownDelaySeconds are not a rollout still to make, so no deadline runs.
    if (!current || current->reason != sr::new_replica_set_available) {
      out.progressing =
          make(strategy::condition_status::is_true, sr::new_replica_set_available,
               "ReplicaSet \"" + plan.new_replica_set + "\" has successfully progressed.", in.now);
      if (current && current->status == strategy::condition_status::is_true) {
        out.progressing.last_transition = current->last_transition;
      }
    } else {
      out.progressing = *current;
    }
    return out;
  }
  if (in.deadline_newly_passed && !plan.moved_on) {
    const std::string subject = plan.new_replica_set.empty()
                                    ? "RolloutPolicy \"" + policy.metadata.name + "\""
                                    : "ReplicaSet \"" + plan.new_replica_set + "\"";
    current = strategy::merge_condition(
        current, make(strategy::condition_status::is_false, sr::progress_deadline_exceeded,
                      subject + " has timed out progressing.", in.now));
  }
  if (plan.stage == strategy::canary_stage::aborted) {
    out.progressing = strategy::merge_condition(
        current, make(strategy::condition_status::is_false, cr::rollout_aborted, plan.message, in.now));
    out.newly_exceeded = in.deadline_newly_passed && !plan.moved_on && !exceeded_before;
    return out;
  }
  const bool left_abort = current && current->reason == cr::rollout_aborted;
  if (left_abort) {
    current =
        make(strategy::condition_status::unknown, sr::rollout_resumed, "RolloutPolicy is resumed", in.now);
  }
  // A completed step (or a handled request) is progress, even when the next step is a pause that
  // stops the clock: it restarts the deadline clock as pods coming up do.
  const bool step_advanced =
      plan.moved_on || (plan.memory.current_hash == policy.status.current_pod_hash &&
                        plan.memory.step_index.value_or(0) > policy.status.current_step_index.value_or(0));
  if (step_advanced && !left_abort && (!current || current->reason != sr::rollout_paused)) {
    auto next = make(strategy::condition_status::is_true, sr::replica_set_updated,
                     "ReplicaSet \"" + plan.new_replica_set + "\" is progressing.", in.now);
    if (current && current->status == strategy::condition_status::is_true) {
      next.last_transition = current->last_transition;
    }
    current = std::move(next);
  }
  strategy::progress_input p;
  p.policy_name = policy.metadata.name;
  p.current = current;
  p.deadline_seconds = policy.spec.progress_deadline_seconds;
  p.paused = policy.spec.paused || plan.stage == strategy::canary_stage::paused_step;
  p.estimate = !p.paused;
  p.new_replica_set = plan.new_replica_set;
  p.created_new_replica_set = plan.created_new_replica_set;
  p.replicas = policy.spec.replicas;
  p.previous = {policy.status.replicas, policy.status.updated_replicas, policy.status.ready_replicas,
                policy.status.available_replicas, 0};
  p.next = plan.counts;
  p.now = in.now;
  const auto progress = strategy::evaluate_progress(p);
  if (!progress.progressing) return std::nullopt;
  out.progressing = *progress.progressing;
  out.deadline_exceeded = progress.deadline_exceeded;
  out.newly_exceeded = (in.deadline_newly_passed && !exceeded_before) || progress.newly_exceeded;
  out.recheck_after = progress.recheck_after;
  return out;
}

void set_with_message(std::vector<api::condition>& conditions, api::condition c) {
  api::set_condition(conditions, std::move(c));
}

void set_paused(const canary_status_input& in, api::rollout_status& s, status_decision& out) {
  const auto generation = in.policy.metadata.generation;
  const auto now = api::to_timestamp(in.now);
  const bool was_paused_by_spec = [&] {
    const auto* c = api::find_condition(in.policy.status.conditions, ct::paused);
    return c != nullptr && c->status == cs::true_ && c->reason == cr::rollout_paused;
  }();
  if (in.policy.spec.paused) {
    auto c = api::make_condition(ct::paused, cs::true_, cr::rollout_paused, "spec.paused is true", now);
    c.observed_generation = generation;
    api::set_condition(s.conditions, std::move(c));
    if (!was_paused_by_spec) {
      out.events.push_back({kube::event_type::normal, std::string(cr::rollout_paused), "rollout paused"});
    }
    return;
  }
  if (was_paused_by_spec) {
    out.events.push_back({kube::event_type::normal, std::string(cr::rollout_resumed), "rollout resumed"});
  }
  if (in.plan.stage == strategy::canary_stage::paused_step) {
    auto c = api::make_condition(ct::paused, cs::true_, cr::canary_pause_step, in.plan.message, now);
    c.observed_generation = generation;
    set_with_message(s.conditions, std::move(c));
  } else {
    api::remove_condition(s.conditions, ct::paused);
  }
}

void set_services(const canary_status_input& in, api::rollout_status& s, status_decision& out) {
  const auto* before = api::find_condition(in.policy.status.conditions, services_ready);
  if (in.services_problem.empty()) {
    api::remove_condition(s.conditions, services_ready);
    return;
  }
  auto c = api::make_condition(services_ready, cs::false_, service_not_found, in.services_problem,
                               api::to_timestamp(in.now));
  c.observed_generation = in.policy.metadata.generation;
  if (before == nullptr || before->message != in.services_problem) {
    out.events.push_back({kube::event_type::warning, std::string(service_not_found), in.services_problem});
  }
  set_with_message(s.conditions, std::move(c));
}

}  // namespace

canary_input_result make_canary_input(const api::rollout_policy& policy, const api::canary_strategy& canary,
                                      canary_observed observed, std::chrono::system_clock::time_point now) {
  canary_input_result out;
  auto& in = out.input;
  const auto& st = policy.status;
  in.replicas = policy.spec.replicas;
  in.max_surge = to_strategy(canary.max_surge);
  in.max_unavailable = to_strategy(canary.max_unavailable);
  for (const auto& step : canary.steps) in.steps.push_back(to_strategy(step));
  in.paused = policy.spec.paused;
  in.scale_down_delay = std::chrono::seconds(canary.scale_down_delay_seconds);
  in.abort_scale_down_delay = std::chrono::seconds(canary.abort_scale_down_delay_seconds);
  in.revision_history_limit = policy.spec.revision_history_limit;
  in.hash = std::move(observed.hash);
  in.new_replica_set = std::move(observed.new_replica_set);
  in.new_replica_set_name = std::move(observed.new_name);
  in.old_replica_sets = std::move(observed.old_replica_sets);
  in.memory.current_hash = st.current_pod_hash;
  in.memory.stable_hash = st.stable_pod_hash;
  in.memory.step_index = st.current_step_index;
  for (const auto& p : st.pause_conditions) {
    if (p.reason == cr::canary_pause_step) in.memory.pause_start = to_wall_time(p.start_time);
  }
  in.memory.aborted = st.abort;
  in.service = observed.service;
  in.stable_service = observed.stable_service;
  in.canary_service = observed.canary_service;
  if (st.operation) {
    in.operation = to_strategy(st.operation->type);
    in.operation_by = st.operation->requested_by;
  }
  in.now = now;

  // The deadline passing while a rollout ran (a pause, spec.paused, an abort or a finished
  // rollout stops the clock; one already reported is not news).
  const auto* progressing = api::find_condition(st.conditions, ct::progressing);
  const auto deadline = policy.spec.progress_deadline_seconds;
  if (!policy.spec.paused && progressing != nullptr && progressing->last_update_time &&
      has_deadline(deadline) && progressing->reason != sr::progress_deadline_exceeded &&
      progressing->reason != cr::rollout_aborted && progressing->reason != sr::rollout_paused &&
      progressing->reason != sr::new_replica_set_available) {
    // Complete, then progressing, then timed out: pods that came up while nobody looked (the
    // controller down, the queue backed up) are progress, not a timeout.
    const strategy::rollout_counts before{st.replicas, st.updated_replicas, st.ready_replicas,
                                          st.available_replicas, 0};
    const auto seen = strategy::observed_counts(in.new_replica_set, in.old_replica_sets,
                                                in.new_replica_set ? in.new_replica_set->spec_replicas : 0);
    out.deadline_newly_passed =
        saturating_add(to_wall_time(*progressing->last_update_time), std::chrono::seconds(deadline)) < now &&
        !strategy::made_progress(before, seen) && !strategy::rollout_complete(seen, policy.spec.replicas);
  }
  in.deadline_abort = out.deadline_newly_passed && policy.spec.progress_deadline_abort;
  return out;
}

status_decision canary_status(const canary_status_input& in) {
  const auto& policy = in.policy;
  const auto& plan = in.plan;
  const auto generation = policy.metadata.generation;
  const auto now_ts = api::to_timestamp(in.now);
  status_decision out;
  api::rollout_status& s = out.status;
  s = policy.status;

  s.observed_generation = generation;
  s.replicas = plan.counts.replicas;
  s.updated_replicas = plan.counts.updated;
  s.ready_replicas = plan.counts.ready;
  s.available_replicas = plan.counts.available;
  s.selector = policy.spec.selector.to_string();
  s.current_revision = plan.revision;
  s.current_pod_hash = plan.memory.current_hash;
  s.stable_pod_hash = plan.memory.stable_hash;
  s.current_step_index = plan.memory.step_index;
  s.canary_weight = plan.served_weight;
  s.active_selector.clear();
  s.preview_selector.clear();
  s.pause_conditions.clear();
  if (plan.memory.pause_start) {
    s.pause_conditions.push_back(
        {std::string(cr::canary_pause_step), api::to_timestamp(*plan.memory.pause_start)});
  }
  s.abort = plan.memory.aborted;
  if (plan.operation_consumed) s.operation.reset();
  api::remove_condition(s.conditions, ct::invalid_spec);

  for (const auto& e : plan.events) {
    out.events.push_back(
        {e.warning ? kube::event_type::warning : kube::event_type::normal, e.reason, e.message});
  }

  const auto progress = decide_progress(in);
  if (progress) {
    put_condition(s.conditions, condition_to_api(ct::progressing, progress->progressing, generation));
    if (progress->newly_exceeded) {
      out.events.push_back({kube::event_type::warning, std::string(cr::progress_deadline_exceeded),
                            "rollout of revision " + std::to_string(plan.revision) +
                                " made no progress for " +
                                std::to_string(policy.spec.progress_deadline_seconds) + "s"});
    }
  } else {
    api::remove_condition(s.conditions, ct::progressing);
  }

  const auto available = strategy::available_condition(
      condition_to_strategy(api::find_condition(policy.status.conditions, ct::available)),
      plan.counts.available, policy.spec.replicas, plan.limits.max_unavailable, in.now);
  put_condition(s.conditions, condition_to_api(ct::available, available, generation));
  set_paused(in, s, out);
  set_services(in, s, out);

  std::string_view ready_reason;
  if (plan.stage == strategy::canary_stage::aborted) {
    s.phase = api::rollout_phase::degraded;
    s.message = plan.message;
    ready_reason = cr::rollout_aborted;
  } else if (progress && progress->deadline_exceeded) {
    s.phase = api::rollout_phase::degraded;
    s.message = "progress deadline exceeded: " + plan.message;
  } else if (policy.spec.paused) {
    s.phase = api::rollout_phase::paused;
    s.message = "paused (spec.paused)" + (plan.message.empty() ? "" : ": " + plan.message);
  } else if (plan.stage == strategy::canary_stage::paused_step) {
    s.phase = api::rollout_phase::paused;
    s.message = plan.message;
  } else if (plan.complete) {
    s.phase = api::rollout_phase::healthy;
    s.message = "";
  } else {
    s.phase = api::rollout_phase::progressing;
    s.message = plan.message;
  }
  if (!in.services_problem.empty() && s.phase != api::rollout_phase::healthy) {
    s.message += (s.message.empty() ? "" : "; ") + in.services_problem;
  }

  const bool healthy = s.phase == api::rollout_phase::healthy;
  if (ready_reason.empty()) ready_reason = healthy ? std::string_view("Healthy") : api::to_string(s.phase);
  auto ready = api::make_condition(
      ct::ready, healthy ? cs::true_ : cs::false_, ready_reason,
      healthy ? "the rollout is complete and every replica is available" : s.message, now_ts);
  ready.observed_generation = generation;
  api::set_condition(s.conditions, std::move(ready));
  set_kstatus_conditions(s, policy.spec.replicas, generation, now_ts);

  out.recheck_after = plan.wake_after;
  if (progress && progress->recheck_after &&
      (!out.recheck_after || *progress->recheck_after < *out.recheck_after)) {
    out.recheck_after = progress->recheck_after;
  }
  return out;
}

}  // namespace rolloutd::reconcile
