#include "strategy/blue_green.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "common/saturating_time.hpp"
#include "strategy/blue_green_replicas.hpp"

namespace rolloutd::strategy {
namespace {

using std::chrono::seconds;

std::string validate(const blue_green_input& in) {
  if (in.replicas < 0) return "spec.replicas must not be negative";
  if (in.new_hash.empty()) return "no pod-template hash given for the current template";
  if (!in.new_replica_set && in.new_replica_set_name.empty()) return "no name given for the new ReplicaSet";
  if (in.active_service_name.empty()) return "no active Service named";
  if (in.scale_down_delay_seconds < 0 || in.abort_scale_down_delay_seconds < 0)
    return "scale-down delays must not be negative";
  std::set<std::string_view> names;
  auto check = [&](const replica_set_state& rs) -> std::string {
    if (rs.spec_replicas < 0 || rs.status_replicas < 0 || rs.ready_replicas < 0 || rs.available_replicas < 0)
      return "ReplicaSet " + rs.name + " has negative replica counts";
    if (!names.insert(rs.name).second) return "ReplicaSet " + rs.name + " is listed twice";
    return {};
  };
  if (in.new_replica_set) {
    if (auto e = check(*in.new_replica_set); !e.empty()) return e;
  }
  for (const auto& rs : in.old_replica_sets) {
    if (auto e = check(rs); !e.empty()) return e;
  }
  return {};
}

std::string short_hash(std::string_view hash) {
  return hash.empty() ? std::string("(none)") : std::string(hash);
}

// One sync. The decisions are made on working copies of the ReplicaSets (replica_set_book), which
// also records every write as an action.
class planner {
 public:
  explicit planner(const blue_green_input& in) : in_(in), book_(in) {}

  blue_green_plan run() {
    plan_.revision = 0;
    if (!in_.active.exists || (!in_.preview_service_name.empty() && !in_.preview.exists)) {
      return hold_for_missing_service();
    }
    aborted_ = in_.memory.aborted && in_.memory.current_hash == in_.new_hash;
    fresh_template_ = in_.memory.current_hash != in_.new_hash;
    if (!fresh_template_) pause_start_ = in_.memory.pause_start;
    promoted_ = !fresh_template_ && !aborted_ && !in_.memory.promoted_hash.empty() &&
                in_.memory.promoted_hash == in_.new_hash;
    active_ = book_.find(in_.active.selected_hash) ? in_.active.selected_hash : std::string{};
    stable_ = in_.memory.stable_hash;
    next_active_ = active_;

    take_request();
    if (aborted_) {
      run_aborted();
    } else if (in_.paused) {
      run_paused();
    } else if (active_.empty()) {
      run_without_active();
    } else if (active_ == in_.new_hash) {
      run_green_active();
    } else {
      run_update();
    }
    rescue_active();
    finish();
    return std::move(plan_);
  }

 private:
  [[nodiscard]] std::int32_t preview_size() const {
    return std::min(in_.preview_replica_count.value_or(in_.replicas), in_.replicas);
  }

  // Something is released right now: green is not (yet) the only revision that runs.
  [[nodiscard]] bool release_in_progress() const {
    if (active_ != in_.new_hash) return true;
    return !stable_.empty() && stable_ != in_.new_hash && book_.has_pods(stable_);
  }

  // Where an abort returns: what users reach while green waits, else the previous revision.
  [[nodiscard]] std::string fallback() const {
    return !active_.empty() && active_ != in_.new_hash ? active_ : stable_;
  }

  void note(bool warning, std::string_view reason, std::string message) {
    plan_.notes.push_back({warning, std::string(reason), std::move(message)});
  }

  // Retry and abort take effect here; a promote is only marked done once its effect is recorded.
  void take_request() {
    namespace r = blue_green_reasons;
    switch (in_.operation) {
      case blue_green_operation::none:
        return;
      case blue_green_operation::retry:
        if (!aborted_) {
          plan_.operation_done = true;
          note(false, r::operation_ignored, "retry ignored: the rollout is not aborted");
          return;
        }
        // Its effect, green back at the preview size, is a write that spec.paused holds; the request
        // waits for the resume, so the restart is never lost.
        if (in_.paused) return;
        plan_.operation_done = true;
        aborted_ = false;
        restart_green_ = true;
        promoted_ = false;
        note(false, r::retried, "retrying revision " + short_hash(in_.new_hash) + " from the preview stage");
        return;
      case blue_green_operation::abort:
        plan_.operation_done = true;
        if (aborted_) return;
        if (!release_in_progress()) {
          note(false, r::operation_ignored, "abort ignored: no release in progress");
          return;
        }
        aborted_ = true;
        promoted_ = false;  // going ahead after all takes a new promote
        note(true, r::aborted,
             "rollout of " + short_hash(in_.new_hash) + " aborted; active Service returns to " +
                 short_hash(fallback()));
        return;
      case blue_green_operation::promote:
        if (aborted_) {
          // Promoting an aborted release means going ahead after all: the abort is lifted and the
          // promotion waits, as any other, for green to be fully available.
          aborted_ = false;
          note(false, r::retried, "abort of " + short_hash(in_.new_hash) + " lifted by a promote");
        }
        return;
    }
  }

  void promote_done_if_requested() {
    if (in_.operation == blue_green_operation::promote) plan_.operation_done = true;
  }

  void ignore_promote(std::string_view why) {
    if (in_.operation != blue_green_operation::promote) return;
    plan_.operation_done = true;
    note(false, blue_green_reasons::operation_ignored, "promote ignored: " + std::string(why));
  }

  void switch_active(const std::string& to, const std::string& why) {
    if (next_active_ == to) return;
    note(false, blue_green_reasons::service_switched,
         "active Service " + in_.active_service_name + " switched from " + short_hash(next_active_) + " to " +
             short_hash(to) + (why.empty() ? "" : " (" + why + ")"));
    next_active_ = to;
  }

  blue_green_plan hold_for_missing_service() {
    plan_.stage = blue_green_stage::service_missing;
    plan_.missing_service = in_.active.exists ? in_.preview_service_name : in_.active_service_name;
    plan_.current_hash = in_.memory.current_hash.empty() ? in_.new_hash : in_.memory.current_hash;
    plan_.stable_hash = in_.memory.stable_hash;
    plan_.aborted = in_.memory.aborted && in_.memory.current_hash == in_.new_hash;
    if (in_.memory.current_hash == in_.new_hash) plan_.pause_start = in_.memory.pause_start;
    plan_.promoted_hash = in_.memory.promoted_hash;
    plan_.counts = book_.counts();
    plan_.active_available = book_.available(in_.active.selected_hash);
    plan_.active_hash = in_.active.selected_hash;
    plan_.preview_hash = in_.preview.selected_hash;
    if (const auto* green = book_.green()) {
      plan_.new_replica_set = green->name;
      plan_.revision = green->revision;
    }
    return std::move(plan_);
  }

  // Active stays on (or returns to) the fallback; green keeps its pods for the abort delay once
  // users are back on the fallback, then goes to zero.
  void run_aborted() {
    stage_ = blue_green_stage::aborted;
    pause_start_.reset();
    ensure_green(std::nullopt);
    const std::string back = fallback();
    if (!back.empty() && back != in_.new_hash && book_.find(back) != nullptr) {
      kept_ = back;
      book_.keep(back, in_.replicas);
      if (book_.saturated(back, in_.replicas)) switch_active(back, "abort");
    }
    if (!kept_.empty() && next_active_ == kept_ && !in_.paused) {
      book_.expire(in_.new_hash, in_.abort_scale_down_delay_seconds);
    }
  }

  void run_paused() {
    stage_ = blue_green_stage::paused;
    if (!active_.empty()) book_.keep(active_, in_.replicas);
  }

  // No revision is active yet. Stable, if it can serve, is where active starts (a Service created
  // or unpinned mid-release); otherwise this is a first deploy: green at full size, then active.
  void run_without_active() {
    // Not a first deploy while the stable revision exists: green would otherwise reach users
    // without its promotion whenever stable is briefly not fully available.
    if (!stable_.empty() && stable_ != in_.new_hash && book_.find(stable_) != nullptr) {
      book_.keep(stable_, in_.replicas);
      if (book_.saturated(stable_, in_.replicas)) switch_active(stable_, "adopting the Service");
      active_ = stable_;
      run_update();
      return;
    }
    stage_ = blue_green_stage::first_deploy;
    ignore_promote("a first deploy does not wait for promotion");
    ensure_green(in_.replicas);
    if (book_.saturated(in_.new_hash, in_.replicas)) switch_active(in_.new_hash, "first deploy");
  }

  void run_green_active() {
    ignore_promote("revision " + short_hash(in_.new_hash) + " is already active");
    pause_start_.reset();
    ensure_green(in_.replicas);
    stage_ = blue_green_stage::scaling_down;
  }

  void run_update() {
    // An undo to the revision still kept for rollback: no preview, no promotion; switch as soon as
    // it is fully available, which it normally already is.
    if (in_.new_hash == stable_) {
      pause_start_.reset();
      ensure_green(in_.replicas);
      stage_ = blue_green_stage::promoting;
      if (book_.saturated(in_.new_hash, in_.replicas)) {
        switch_active(in_.new_hash, "rollback to the stable revision");
        promote_done_if_requested();
      }
      return;
    }
    stable_ = active_;
    const std::int32_t preview = preview_size();
    const auto* green = book_.green();
    // A new template or a retry starts over at the preview size and needs its own promotion.
    if (fresh_template_ || restart_green_) promoted_ = false;
    // A promote whose effect (green at full size) was written by a sync that did not get to write
    // status: it takes effect now rather than after shrinking green back to its preview size.
    if (!promoted_ && !fresh_template_ && !restart_green_ && in_.operation == blue_green_operation::promote &&
        green != nullptr && preview < in_.replicas && green->spec_replicas >= in_.replicas) {
      note(false, blue_green_reasons::promoted, "revision " + short_hash(in_.new_hash) + " promoted");
      promoted_ = true;
    }
    // Once promoted, green goes to (and follows) the full size whatever spec.replicas does, until
    // the switch: the promotion is in status, not in green's size.
    if (promoted_) {
      promote_done_if_requested();
      pause_start_.reset();
      ensure_green(in_.replicas);
      promote_when_saturated();
      return;
    }
    ensure_green(preview);
    if (!book_.saturated(in_.new_hash, preview)) {
      stage_ = blue_green_stage::preview;
      return;
    }
    if (!promotion_due()) {
      stage_ = blue_green_stage::awaiting_promotion;
      return;
    }
    pause_start_.reset();
    promote_done_if_requested();
    promoted_ = true;
    ensure_green(in_.replicas);
    promote_when_saturated();
  }

  void promote_when_saturated() {
    stage_ = blue_green_stage::promoting;
    if (book_.saturated(in_.new_hash, in_.replicas)) switch_active(in_.new_hash, "promoted");
  }

  // Green is ready at its preview size: a promote request, or auto-promotion once its time has come.
  bool promotion_due() {
    namespace r = blue_green_reasons;
    if (in_.operation == blue_green_operation::promote) {
      note(false, r::promoted, "revision " + short_hash(in_.new_hash) + " promoted");
      return true;
    }
    const bool manual = !in_.auto_promotion_enabled;
    const std::int32_t wait = in_.auto_promotion_seconds.value_or(0);
    if (!manual && wait <= 0) {
      note(false, r::promoted, "revision " + short_hash(in_.new_hash) + " promoted automatically");
      return true;
    }
    if (!pause_start_) {
      pause_start_ = std::chrono::floor<seconds>(in_.now);
      note(false, r::paused,
           "revision " + short_hash(in_.new_hash) + " is ready on the preview; " +
               (manual ? std::string("waiting for promotion")
                       : "promoting automatically in " + std::to_string(wait) + "s"));
    }
    if (manual) return false;
    const wall_time at = saturating_add(*pause_start_, seconds(wait));
    if (at > in_.now) {
      plan_.auto_promotion_at = at;
      return false;
    }
    note(false, r::promoted,
         "revision " + short_hash(in_.new_hash) + " promoted automatically after " + std::to_string(wait) +
             "s");
    return true;
  }

  // Green exists and is at `size` (nullopt: as it is), without a scale-down deadline unless aborted;
  // its revision stays above every other one.
  void ensure_green(std::optional<std::int32_t> size) {
    if (book_.green() == nullptr) {
      if (in_.paused || aborted_) return;
      book_.create_green(size.value_or(preview_size()));
      plan_.created_new_replica_set = true;
      return;
    }
    // The size first: with one write per ReplicaSet and sync, the revision number (bookkeeping)
    // is what waits for the next sync, never the size a retry or a promotion depends on.
    if (size) book_.scale(in_.new_hash, *size);
    if (!aborted_) book_.clear_deadline(in_.new_hash);
    book_.sync_green_revision();
  }

  // The guard behind "never left selecting zero available pods": an active revision with no
  // available pod hands over to an approved one that is fully available, stable first. Approved
  // only: the manual gate (and an abort) hold even through an outage, which is reported instead.
  void rescue_active() {
    if (next_active_.empty() || in_.replicas == 0 || book_.available(next_active_) > 0) return;
    std::vector<std::string> approved{stable_, in_.memory.stable_hash, kept_};
    if (promoted_ && !aborted_) approved.push_back(in_.new_hash);
    for (const std::string& candidate : approved) {
      if (candidate.empty() || candidate == next_active_ || !book_.saturated(candidate, in_.replicas))
        continue;
      note(true, blue_green_reasons::service_rescued,
           "revision " + short_hash(next_active_) + " has no available pod; active Service moved to " +
               short_hash(candidate));
      switch_active(candidate, "rescue");
      return;
    }
    if (in_.new_hash != next_active_ && book_.saturated(in_.new_hash, in_.replicas)) {
      plan_.active_outage = "revision " + short_hash(next_active_) + " behind the active Service " +
                            in_.active_service_name + " has no available pod; revision " +
                            short_hash(in_.new_hash) + " is fully available but " +
                            (aborted_ ? "was aborted (retry, then promote it, to switch)"
                                      : "not promoted (promote it to switch)") +
                            ", so the active Service stays";
    }
  }

  void finish() {
    const std::string& active = next_active_;
    if (!active.empty()) book_.keep(active, in_.replicas);
    if (in_.paused || active.empty()) {
      // Nothing is scaled down while paused or before anything is active.
    } else {
      book_.retire_others({active, in_.new_hash, kept_}, in_.scale_down_delay_seconds, stable_, in_.replicas);
    }
    // Stable follows the active revision once nothing older is kept for a rollback.
    if (!active.empty() && active == in_.new_hash && !aborted_ &&
        (stable_.empty() || stable_ == active || !book_.has_pods(stable_))) {
      stable_ = active;
    }
    book_.cleanup_history({active, in_.new_hash, stable_, kept_}, in_.revision_history_limit);

    plan_.actions = book_.take_actions();
    plan_.active_hash = active;
    if (!in_.preview_service_name.empty()) {
      plan_.preview_hash = book_.green() != nullptr ? in_.new_hash : in_.preview.selected_hash;
    }
    plan_.current_hash = in_.new_hash;
    if (stage_ == blue_green_stage::paused && !in_.memory.current_hash.empty()) {
      plan_.current_hash = in_.memory.current_hash;
    }
    plan_.stable_hash = stable_;
    plan_.aborted = aborted_;
    // Kept until green is the stable revision: after the switch an outage of green may still send
    // users back to stable, and green, promoted, is switched to again once its pods are back.
    plan_.promoted_hash = promoted_ && !aborted_ && stable_ != in_.new_hash ? in_.new_hash : std::string{};
    if (stage_ == blue_green_stage::paused) plan_.promoted_hash = in_.memory.promoted_hash;
    plan_.pause_start = stage_ == blue_green_stage::awaiting_promotion ? pause_start_ : std::nullopt;
    if (stage_ == blue_green_stage::paused && !fresh_template_) plan_.pause_start = in_.memory.pause_start;
    if (stage_ == blue_green_stage::scaling_down || stage_ == blue_green_stage::promoting) {
      if (active == in_.new_hash)
        stage_ = book_.others_idle(active) ? blue_green_stage::complete : blue_green_stage::scaling_down;
    }
    if (stage_ == blue_green_stage::first_deploy && active == in_.new_hash && book_.others_idle(active)) {
      stage_ = blue_green_stage::complete;
    }
    plan_.stage = stage_;
    plan_.counts = book_.counts();
    plan_.active_available = book_.available(active);
    plan_.complete = stage_ == blue_green_stage::complete;
    plan_.progressing = stage_ == blue_green_stage::first_deploy || stage_ == blue_green_stage::preview ||
                        stage_ == blue_green_stage::promoting || stage_ == blue_green_stage::complete;
    if (const auto* green = book_.green()) {
      plan_.new_replica_set = green->name;
      plan_.revision = green->revision;
    }
    plan_.scale_down_at = book_.next_deadline();
    if (!in_.paused) {
      plan_.wake_at = plan_.scale_down_at;
      if (plan_.auto_promotion_at && (!plan_.wake_at || *plan_.auto_promotion_at < *plan_.wake_at)) {
        plan_.wake_at = plan_.auto_promotion_at;
      }
    }
  }

  const blue_green_input& in_;
  replica_set_book book_;
  blue_green_plan plan_;
  blue_green_stage stage_ = blue_green_stage::preview;
  bool aborted_ = false;
  bool fresh_template_ = false;
  bool restart_green_ = false;
  bool promoted_ = false;  // green's promotion has been given (status.promotedPodHash, or this sync)
  std::optional<wall_time> pause_start_;
  std::string active_;       // what the active Service selects, if that is one of ours
  std::string next_active_;  // what it must select after this sync
  std::string stable_;
  std::string kept_;  // the fallback an abort keeps at full size
};

}  // namespace

const char* to_string(blue_green_stage stage) {
  switch (stage) {
    case blue_green_stage::service_missing:
      return "ServiceMissing";
    case blue_green_stage::paused:
      return "Paused";
    case blue_green_stage::first_deploy:
      return "FirstDeploy";
    case blue_green_stage::preview:
      return "Preview";
    case blue_green_stage::awaiting_promotion:
      return "AwaitingPromotion";
    case blue_green_stage::promoting:
      return "Promoting";
    case blue_green_stage::scaling_down:
      return "ScalingDown";
    case blue_green_stage::complete:
      return "Complete";
    case blue_green_stage::aborted:
      return "Aborted";
  }
  return "";
}

blue_green_result plan_blue_green(const blue_green_input& in) {
  if (auto error = validate(in); !error.empty()) return {{}, std::move(error)};
  return {planner(in).run(), {}};
}

}  // namespace rolloutd::strategy
