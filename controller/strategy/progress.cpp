#include "strategy/progress.hpp"

#include <limits>

#include "common/saturating_time.hpp"

namespace rolloutd::strategy {
namespace {

bool has_deadline(std::optional<std::int32_t> deadline_seconds) {
  return deadline_seconds && *deadline_seconds != std::numeric_limits<std::int32_t>::max();
}

condition make(condition_status status, std::string_view reason, std::string message, wall_time now) {
  return condition{status, std::string(reason), std::move(message), now, now};
}

bool has_reason(const std::optional<condition>& c, std::string_view reason) {
  return c && c->reason == reason;
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// "ReplicaSet "hello-abc"" when there is a new ReplicaSet, else the policy itself.
std::string subject(const progress_input& in) {
  if (!in.new_replica_set.empty()) return "ReplicaSet " + quoted(in.new_replica_set);
  return "RolloutPolicy " + quoted(in.policy_name);
}

// checkPausedConditions: runs before anything else, and never hides a reported timeout.
void apply_pause(const progress_input& in, std::optional<condition>& cond) {
  if (has_reason(cond, reasons::progress_deadline_exceeded)) return;
  const bool paused_recorded = has_reason(cond, reasons::rollout_paused);
  if (in.paused && !paused_recorded) {
    cond = merge_condition(
        cond, make(condition_status::unknown, reasons::rollout_paused, "RolloutPolicy is paused", in.now));
  } else if (!in.paused && paused_recorded) {
    cond = merge_condition(
        cond, make(condition_status::unknown, reasons::rollout_resumed, "RolloutPolicy is resumed", in.now));
  }
}

// getNewReplicaSet: a found ReplicaSet only starts the clock when nothing else has.
void apply_new_replica_set(const progress_input& in, std::optional<condition>& cond) {
  if (in.new_replica_set.empty()) return;
  if (in.created_new_replica_set) {
    cond = merge_condition(cond, make(condition_status::is_true, reasons::new_replica_set_created,
                                      "Created new replica set " + quoted(in.new_replica_set), in.now));
  } else if (!cond) {
    cond = make(condition_status::is_true, reasons::found_new_replica_set,
                "Found new replica set " + quoted(in.new_replica_set), in.now);
  }
}

// syncRolloutStatus's estimate, with a deadline set.
void apply_estimate(const progress_input& in, std::optional<condition>& cond) {
  // A finished rollout seen again (a resync) is not re-judged.
  if (in.next.replicas == in.next.updated && has_reason(cond, reasons::new_replica_set_available)) return;
  if (rollout_complete(in.next, in.replicas)) {
    cond = merge_condition(cond, make(condition_status::is_true, reasons::new_replica_set_available,
                                      subject(in) + " has successfully progressed.", in.now));
  } else if (made_progress(in.previous, in.next)) {
    // Unlike merge_condition, progress refreshes lastUpdateTime even when the reason is unchanged:
    // that refresh is what keeps the deadline away while pods keep coming.
    condition next = make(condition_status::is_true, reasons::replica_set_updated,
                          subject(in) + " is progressing.", in.now);
    if (cond && cond->status == condition_status::is_true) next.last_transition = cond->last_transition;
    cond = std::move(next);
  } else if (deadline_exceeded(cond, in.deadline_seconds, in.now)) {
    cond = merge_condition(cond, make(condition_status::is_false, reasons::progress_deadline_exceeded,
                                      subject(in) + " has timed out progressing.", in.now));
  }
}

}  // namespace

std::string_view to_string(condition_status s) {
  switch (s) {
    case condition_status::is_true:
      return "True";
    case condition_status::is_false:
      return "False";
    case condition_status::unknown:
      break;
  }
  return "Unknown";
}

bool rollout_complete(const rollout_counts& c, std::int32_t replicas) {
  return c.updated == replicas && c.replicas == replicas && c.available == replicas;
}

bool made_progress(const rollout_counts& before, const rollout_counts& after) {
  const std::int32_t old_before = before.replicas - before.updated;
  const std::int32_t old_after = after.replicas - after.updated;
  return after.updated > before.updated || old_after < old_before || after.ready > before.ready ||
         after.available > before.available;
}

condition merge_condition(const std::optional<condition>& current, condition next) {
  if (current && current->status == next.status && current->reason == next.reason) {
    condition kept = *current;
    kept.message = std::move(next.message);
    return kept;
  }
  if (current && current->status == next.status) next.last_transition = current->last_transition;
  return next;
}

bool deadline_exceeded(const std::optional<condition>& progressing,
                       std::optional<std::int32_t> deadline_seconds, wall_time now) {
  if (!has_deadline(deadline_seconds) || !progressing) return false;
  if (progressing->reason == reasons::new_replica_set_available) return false;
  if (progressing->reason == reasons::progress_deadline_exceeded) return true;
  return saturating_add(progressing->last_update, std::chrono::seconds(*deadline_seconds)) < now;
}

progress_result evaluate_progress(const progress_input& in) {
  progress_result out;
  std::optional<condition> cond = in.current;
  if (has_deadline(in.deadline_seconds)) {
    apply_pause(in, cond);
    apply_new_replica_set(in, cond);
    if (in.estimate) apply_estimate(in, cond);
  } else if (in.estimate) {
    cond.reset();  // no deadline: Kubernetes drops the condition rather than leave a stale one
  }
  out.progressing = cond;
  out.deadline_exceeded = has_reason(cond, reasons::progress_deadline_exceeded);
  out.newly_exceeded = out.deadline_exceeded && !has_reason(in.current, reasons::progress_deadline_exceeded);

  if (in.estimate && has_deadline(in.deadline_seconds) && cond && !out.deadline_exceeded &&
      !rollout_complete(in.next, in.replicas)) {
    const auto after = saturating_add(cond->last_update, std::chrono::seconds(*in.deadline_seconds)) - in.now;
    // A second of slack so the recheck lands after the deadline, not a hair before it.
    out.recheck_after = after < std::chrono::seconds(1) ? std::chrono::system_clock::duration::zero()
                                                        : after + std::chrono::seconds(1);
  }
  return out;
}

condition available_condition(const std::optional<condition>& current, std::int32_t available,
                              std::int32_t replicas, std::int32_t max_unavailable, wall_time now) {
  if (available >= replicas - max_unavailable) {
    return merge_condition(current, make(condition_status::is_true, reasons::minimum_replicas_available,
                                         "RolloutPolicy has minimum availability.", now));
  }
  return merge_condition(current, make(condition_status::is_false, reasons::minimum_replicas_unavailable,
                                       "RolloutPolicy does not have minimum availability.", now));
}

}  // namespace rolloutd::strategy
