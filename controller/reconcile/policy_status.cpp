#include "reconcile/policy_status.hpp"

#include "reconcile/condition_convert.hpp"
#include "reconcile/kstatus_conditions.hpp"

#include <algorithm>

namespace rolloutd::reconcile {

namespace {

namespace ct = api::condition_types;
namespace cs = api::condition_statuses;
namespace cr = api::condition_reasons;

using wall_clock = std::chrono::system_clock;

strategy::rollout_counts previous_counts(const api::rollout_status& s) {
  strategy::rollout_counts c;
  c.replicas = s.replicas;
  c.updated = s.updated_replicas;
  c.ready = s.ready_replicas;
  c.available = s.available_replicas;
  return c;
}

std::string destination(const std::string& stable) {
  return stable.empty() ? std::string("no stable revision to return to") : "returning to " + stable;
}

void set_ready(api::rollout_status& s, std::int64_t generation, api::timestamp now) {
  const bool healthy = s.phase == api::rollout_phase::healthy;
  auto c = api::make_condition(
      ct::ready, healthy ? cs::true_ : cs::false_,
      healthy ? std::string_view("Healthy") : std::string_view(api::to_string(s.phase)),
      healthy ? "the rollout is complete and every replica is available" : s.message, now);
  c.observed_generation = generation;
  api::set_condition(s.conditions, std::move(c));
}

}  // namespace

void put_condition(std::vector<api::condition>& conditions, api::condition c) {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const api::condition& x) { return x.type == c.type; });
  if (it == conditions.end()) {
    conditions.push_back(std::move(c));
  } else {
    *it = std::move(c);
  }
}

void put_stated(std::vector<api::condition>& conditions, api::condition c) {
  api::set_condition(conditions, std::move(c));
}

status_decision rolling_status(const rolling_status_input& in) {
  const auto& policy = in.policy;
  const auto& plan = in.plan;
  const auto generation = policy.metadata.generation;
  const auto now_ts = api::to_timestamp(in.now);
  status_decision out;
  api::rollout_status& s = out.status;
  s = policy.status;
  const api::rollout_status& before = policy.status;

  s.observed_generation = generation;
  s.replicas = plan.counts.replicas;
  s.updated_replicas = plan.counts.updated;
  s.ready_replicas = plan.counts.ready;
  s.available_replicas = plan.counts.available;
  s.selector = policy.spec.selector.to_string();
  s.current_revision = plan.revision;
  s.current_pod_hash = in.hash;
  if (plan.complete) s.stable_pod_hash = in.hash;
  if (in.consume_operation) s.operation.reset();
  if (in.restarted_at) s.restarted_at = in.restarted_at;
  api::remove_condition(s.conditions, ct::invalid_spec);

  bool aborted = in.aborted;
  std::string abort_cause = in.abort_cause;
  strategy::progress_result progress;
  if (!aborted) {
    // Progressing, as the Deployment controller decides it.
    strategy::progress_input p;
    p.policy_name = policy.metadata.name;
    p.current = condition_to_strategy(api::find_condition(before.conditions, ct::progressing));
    // An abort's clock is not the new template's: a template replacing an aborted one starts afresh.
    if (p.current && p.current->reason == cr::rollout_aborted) p.current.reset();
    if (in.retried) {
      // Like a resume: a fresh lastUpdateTime, so the deadline counts from the retry.
      p.current = strategy::condition{strategy::condition_status::unknown, std::string(cr::rollout_retried),
                                      "RolloutPolicy is retried", in.now, in.now};
    }
    p.deadline_seconds = policy.spec.progress_deadline_seconds;
    p.paused = policy.spec.paused;
    p.estimate = plan.path == strategy::sync_path::rollout;
    p.new_replica_set = plan.new_replica_set;
    p.created_new_replica_set = plan.created_new_replica_set;
    p.replicas = policy.spec.replicas;
    p.previous = previous_counts(before);
    p.next = plan.counts;
    p.now = in.now;
    progress = strategy::evaluate_progress(p);
    if (progress.progressing) {
      put_condition(s.conditions, condition_to_api(ct::progressing, *progress.progressing, generation));
    } else {
      api::remove_condition(s.conditions, ct::progressing);
    }
    out.recheck_after = progress.recheck_after;

    const std::string msg = "rollout of revision " + std::to_string(plan.revision) +
                            " made no progress for " + std::to_string(policy.spec.progress_deadline_seconds) +
                            "s";
    if (progress.newly_exceeded) {
      out.events.push_back({kube::event_type::warning, std::string(cr::progress_deadline_exceeded), msg});
    }
    // Also a deadline that passed before progressDeadlineAbort was switched on.
    if (progress.deadline_exceeded) {
      if (policy.spec.progress_deadline_abort) {
        aborted = true;
        abort_cause = "aborted: progress deadline exceeded (progressDeadlineAbort)";
        out.events.push_back(
            {kube::event_type::warning, std::string(cr::rollout_aborted),
             msg + "; aborted (progressDeadlineAbort), " + destination(in.stable_replica_set)});
      }
    }
  }
  s.abort = aborted;
  const auto* aborted_before = api::find_condition(before.conditions, ct::progressing);
  const bool restating_abort = aborted && abort_cause.empty() && aborted_before != nullptr &&
                               aborted_before->reason == cr::rollout_aborted;
  if (restating_abort) {
    // Only the sync that began the abort knows its cause: restating it keeps the condition (and
    // the cause its message gave) as it is.
    out.recheck_after.reset();
  } else if (aborted) {
    std::string cause = abort_cause.empty() ? "aborted" : abort_cause;
    auto c = api::make_condition(
        ct::progressing, cs::false_, cr::rollout_aborted,
        "RolloutPolicy \"" + policy.metadata.name + "\" " + cause + "; " + destination(in.stable_replica_set),
        now_ts);
    c.observed_generation = generation;
    api::set_condition(s.conditions, std::move(c));
    out.recheck_after.reset();
  }

  const auto available = strategy::available_condition(
      condition_to_strategy(api::find_condition(before.conditions, ct::available)), plan.counts.available,
      policy.spec.replicas, plan.limits.max_unavailable, in.now);
  put_condition(s.conditions, condition_to_api(ct::available, available, generation));

  const bool was_paused = api::condition_is(before.conditions, ct::paused, cs::true_);
  if (policy.spec.paused) {
    auto c = api::make_condition(ct::paused, cs::true_, cr::rollout_paused, "spec.paused is true", now_ts);
    c.observed_generation = generation;
    api::set_condition(s.conditions, std::move(c));
    if (!was_paused)
      out.events.push_back({kube::event_type::normal, std::string(cr::rollout_paused), "rollout paused"});
  } else {
    api::remove_condition(s.conditions, ct::paused);
    if (was_paused) {
      out.events.push_back({kube::event_type::normal, std::string(cr::rollout_resumed), "rollout resumed"});
    }
  }

  if (aborted) {
    s.phase = api::rollout_phase::degraded;
    s.message = in.stable_replica_set.empty() ? "rollout aborted: no stable revision to return to"
                : plan.rolled_back            ? "rollout aborted: rolled back to " + in.stable_replica_set
                                              : "rollout aborted: rolling back to " + in.stable_replica_set;
  } else if (progress.deadline_exceeded) {
    s.phase = api::rollout_phase::degraded;
    s.message = progress.progressing ? progress.progressing->message : "progress deadline exceeded";
  } else if (policy.spec.paused) {
    s.phase = api::rollout_phase::paused;
    s.message = "paused";
  } else if (plan.complete) {
    s.phase = api::rollout_phase::healthy;
    s.message = "";
  } else {
    s.phase = api::rollout_phase::progressing;
    s.message = "updated " + std::to_string(plan.counts.updated) + " of " +
                std::to_string(policy.spec.replicas) + ", available " + std::to_string(plan.counts.available);
  }
  // A scale or a restart passes through Progressing too; only a template reaching full availability
  // (a new one, or the same one after an abort) completes a rollout.
  const bool rolled_out =
      before.stable_pod_hash != in.hash || before.current_pod_hash != in.hash || before.abort;
  if (s.phase == api::rollout_phase::healthy && before.phase != api::rollout_phase::healthy && rolled_out) {
    out.events.push_back({kube::event_type::normal, std::string(cr::rollout_completed),
                          "rollout of revision " + std::to_string(plan.revision) + " complete"});
  }
  set_ready(s, generation, now_ts);
  set_kstatus_conditions(s, policy.spec.replicas, generation, now_ts);
  return out;
}

status_decision invalid_status(const api::rollout_status& previous, std::int64_t generation,
                               std::string_view reason, const std::string& message,
                               std::chrono::system_clock::time_point now) {
  status_decision out;
  api::rollout_status& s = out.status;
  s = previous;
  const auto now_ts = api::to_timestamp(now);
  const auto* old = api::find_condition(previous.conditions, ct::invalid_spec);
  const bool news =
      old == nullptr || old->status != cs::true_ || old->message != message || old->reason != reason;
  if (news) {  // restating the same problem must not rewrite the status every reconcile
    auto c = api::make_condition(ct::invalid_spec, cs::true_, reason, message, now_ts);
    c.observed_generation = generation;
    if (old != nullptr && old->status == cs::true_) c.last_transition_time = old->last_transition_time;
    put_condition(s.conditions, std::move(c));
  }
  s.observed_generation = generation;
  s.phase = api::rollout_phase::degraded;
  s.message = message;
  set_ready(s, generation, now_ts);
  set_kstatus_conditions(s, 0, generation, now_ts);  // Stalled: the InvalidSpec just set
  if (news) out.events.push_back({kube::event_type::warning, std::string(reason), message});
  return out;
}

}  // namespace rolloutd::reconcile
