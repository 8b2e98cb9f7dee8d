#include "strategy/canary.hpp"

#include <algorithm>
#include <limits>

#include "common/saturating_time.hpp"
#include "strategy/canary_revisions.hpp"

namespace rolloutd::strategy {
namespace {

using std::chrono::system_clock;

enum class mode { first_deploy, canary, at_stable };

void earliest(std::optional<system_clock::duration>& wake, system_clock::duration d) {
  if (!wake || d < *wake) wake = d;
}

// One sync over working copies of the ReplicaSets; every write is recorded as an action and
// applied to the copy, so later decisions see it.
class planner {
 public:
  explicit planner(const canary_input& in)
      : in_(in),
        limits_(resolve_fenceposts(in.max_surge, in.max_unavailable, in.replicas)),
        old_(in.old_replica_sets),
        new_(in.new_replica_set) {}

  canary_result run() {
    plan_.limits = limits_;
    plan_.memory = in_.memory;
    find_stable();
    settle_template();
    // spec.paused holds every request that would move the canary on or bring it back; an abort
    // still returns to stable.
    plan_.operation_held =
        mode_ == mode::canary && in_.paused && in_.operation && *in_.operation != canary_operation::abort;
    if (mode_ == mode::canary) {
      const std::size_t index_before = state_.index;
      const bool handled = in_.operation && !plan_.operation_held;
      if (handled) apply_operation(state_, *in_.operation, in_.operation_by, in_.steps, plan_.events);
      if (state_.index < in_.steps.size() && !std::holds_alternative<pause_step>(in_.steps[state_.index])) {
        state_.pause_start.reset();  // left over from a pause the step list no longer has here
      }
      if (!in_.paused) {
        const auto walked = advance_steps(
            state_, in_.steps, in_.now, [&](std::size_t i) { return reached(target_for(i)); }, plan_.events);
        if (walked.wake_after) earliest(plan_.wake_after, *walked.wake_after);
      }
      promote_when_done();
      plan_.moved_on = handled || plan_.promoted || state_.index > index_before;
      // Complete, then progressing, then timed out, as the Deployment controller judges: a canary
      // that moved on in this very sync (its pods came up while nobody looked) is not aborted.
      if (mode_ == mode::canary && in_.deadline_abort && !state_.aborted && !plan_.moved_on) {
        plan_.events.push_back({true, std::string(step_events::aborted),
                                "progress deadline exceeded at " + std::string(current_step_label()) +
                                    ": rollout aborted (progressDeadlineAbort)"});
        state_ = {0, std::nullopt, true};
      }
    } else {
      if (in_.operation) {
        plan_.events.push_back({false, std::string(step_events::ignored),
                                std::string(to_string(*in_.operation)) + " requested" +
                                    (in_.operation_by.empty() ? "" : " by " + in_.operation_by) +
                                    " ignored: no canary in progress"});
      }
      if (mode_ == mode::first_deploy) promote_when_done();
    }
    plan_.operation_consumed = in_.operation.has_value() && !plan_.operation_held;
    choose_target();

    // spec.paused holds every ReplicaSet where it is; an abort still returns traffic to stable.
    if (!in_.paused || aborted()) {
      if (auto e = write_replica_sets(); !e.empty()) return {{}, e};
    }
    finish();
    return {std::move(plan_), {}};
  }

 private:
  [[nodiscard]] bool aborted() const { return mode_ == mode::canary && state_.aborted; }

  [[nodiscard]] std::string current_step_label() const {
    if (state_.index >= in_.steps.size()) return "the end of the steps";
    return "step " + std::to_string(state_.index + 1) + "/" + std::to_string(in_.steps.size());
  }

  void find_stable() {
    const auto& stable_hash = in_.memory.stable_hash;
    if (!stable_hash.empty() && stable_hash == in_.hash) {
      mode_ = mode::at_stable;
      return;
    }
    for (auto& rs : old_) {
      if (!stable_hash.empty() && rs.hash == stable_hash && !rs.being_deleted &&
          (stable_ == nullptr || rs.spec_replicas > stable_->spec_replicas)) {
        stable_ = &rs;
      }
    }
    // No stable ReplicaSet (first deploy, or it was deleted): nothing to compare a canary against.
    mode_ = stable_ != nullptr ? mode::canary : mode::first_deploy;
    if (!stable_) plan_.memory.stable_hash.clear();
  }

  // A new template restarts the steps and lifts an abort; one equal to stable skips them.
  void settle_template() {
    auto& m = plan_.memory;
    if (m.current_hash != in_.hash) {
      if (mode_ == mode::at_stable && !m.current_hash.empty() && !in_.steps.empty()) {
        plan_.events.push_back({false, "SkipSteps",
                                "the template is the stable revision " + in_.hash +
                                    " again: back to stable at once, steps skipped"});
      }
      m.current_hash = in_.hash;
      m.step_index.reset();
      m.pause_start.reset();
      m.aborted = false;
    }
    const std::size_t n = in_.steps.size();
    if (mode_ == mode::canary) {
      state_.index =
          std::min<std::size_t>(static_cast<std::size_t>(std::max(m.step_index.value_or(0), 0)), n);
      state_.pause_start = m.pause_start;
      state_.aborted = m.aborted;
    } else {
      state_ = {n, std::nullopt, false};
    }
  }

  // The counts a step asks for: its weight by replica counts, or a setCanaryScale's own count with
  // the stable kept whole (traffic is then the router's business).
  [[nodiscard]] canary_split target_for(std::size_t index) const {
    const std::int32_t weight = weight_at(in_.steps, index);
    if (const auto scale = canary_scale_at(in_.steps, index)) {
      const std::int64_t r = in_.replicas;
      const std::int64_t canary =
          scale->replicas ? *scale->replicas : (r * scale->weight.value_or(weight) + 99) / 100;
      return {
          static_cast<std::int32_t>(std::min<std::int64_t>(canary, std::numeric_limits<std::int32_t>::max())),
          in_.replicas};
    }
    return split_for_weight(in_.replicas, weight, limits_.max_surge);
  }

  // Argo Rollouts' AtDesiredReplicaCountsForCanary: the canary's pods all available, the stable's
  // all created, and nothing else left serving.
  [[nodiscard]] bool reached(const canary_split& target) const {
    const replica_set_state none;
    const replica_set_state& canary = new_ ? *new_ : none;
    if (canary.spec_replicas != target.canary || canary.status_replicas != target.canary ||
        canary.available_replicas < target.canary || !canary.status_current) {
      return false;
    }
    if (stable_->spec_replicas != target.stable || stable_->status_replicas != target.stable ||
        !stable_->status_current) {
      return false;
    }
    return std::all_of(old_.begin(), old_.end(), [&](const replica_set_state& rs) {
      return &rs == stable_ || (rs.spec_replicas == 0 && rs.available_replicas == 0);
    });
  }

  // Every step done (or the first deploy): once the new ReplicaSet is fully available it is stable.
  void promote_when_done() {
    if (in_.paused || state_.aborted || state_.index < in_.steps.size()) return;
    if (!new_ || new_->available_replicas < in_.replicas || !new_->status_current) return;
    plan_.memory.stable_hash = in_.hash;
    plan_.promoted = true;
    const std::string what = "revision " + std::to_string(new_->revision) + " (" + in_.hash + ") is stable";
    plan_.events.push_back({false, "RolloutCompleted",
                            mode_ == mode::first_deploy
                                ? what
                                : what + " after " + std::to_string(in_.steps.size()) + " canary steps"});
    if (stable_ && stable_->spec_replicas > 0 && in_.scale_down_delay.count() > 0 &&
        !stable_->scale_down_deadline) {
      // The previous stable keeps what pods it still has for a while; traffic already follows
      // the pods, so it only stops serving once they go.
      stable_->scale_down_deadline = saturating_add(in_.now, in_.scale_down_delay);
      annotate_deadline(*stable_, stable_->scale_down_deadline);
    }
    stable_ = nullptr;
    mode_ = mode::at_stable;
  }

  void choose_target() {
    switch (mode_) {
      case mode::first_deploy:
        plan_.stage = canary_stage::first_deploy;
        plan_.target = {in_.replicas, 0};
        plan_.weight = 100;
        return;
      case mode::at_stable:
        plan_.stage = canary_stage::stable;
        plan_.target = {in_.replicas, 0};
        plan_.weight = 100;
        return;
      case mode::canary:
        break;
    }
    if (state_.aborted) {
      plan_.stage = canary_stage::aborted;
      plan_.target = {abort_canary_size(), in_.replicas};
      plan_.weight = 0;
      return;
    }
    plan_.target = target_for(state_.index);
    plan_.weight = weight_at(in_.steps, state_.index);
    if (state_.index >= in_.steps.size()) {
      plan_.stage = canary_stage::finishing;
    } else {
      plan_.stage = state_.pause_start ? canary_stage::paused_step : canary_stage::stepping;
    }
  }

  // An aborted canary keeps what pods fit beside a full-size stable until its deadline, which is
  // set once the stable is back to full size and available (traffic is then mostly stable's).
  std::int32_t abort_canary_size() {
    if (!new_ || new_->spec_replicas == 0 || !abort_waits_behind_canary_service(in_)) return 0;
    const std::int32_t keep = std::min(new_->spec_replicas, limits_.max_surge);
    if (new_->scale_down_deadline) {
      if (*new_->scale_down_deadline <= in_.now) return 0;
      earliest(plan_.wake_after, *new_->scale_down_deadline - in_.now);
      return keep;
    }
    if (stable_->available_replicas >= in_.replicas && stable_->spec_replicas >= in_.replicas && keep > 0) {
      new_->scale_down_deadline = saturating_add(in_.now, in_.abort_scale_down_delay);
      annotate_deadline(*new_, new_->scale_down_deadline);
      earliest(plan_.wake_after, in_.abort_scale_down_delay);
    }
    return keep;
  }

  // One metadata write per ReplicaSet and sync: each write carries the resourceVersion the plan
  // was made from, so a second write to the same ReplicaSet would only meet a conflict.
  annotate_replica_set& pending_for(const replica_set_state& rs) {
    for (auto& a : pending_annotations_) {
      if (a.name == rs.name) return a;
    }
    return pending_annotations_.emplace_back(
        annotate_replica_set{rs.name, std::nullopt, std::nullopt, std::nullopt});
  }

  [[nodiscard]] bool annotated(const replica_set_state& rs) const {
    return std::any_of(pending_annotations_.begin(), pending_annotations_.end(),
                       [&](const annotate_replica_set& a) { return a.name == rs.name; });
  }

  void annotate_deadline(replica_set_state& rs, std::optional<wall_time> deadline) {
    auto& a = pending_for(rs);
    a.scale_down_deadline = deadline;
    a.clear_scale_down_deadline = !deadline;
  }

  [[nodiscard]] replica_annotations annotations() const {
    return {in_.replicas, in_.replicas + limits_.max_surge};
  }

  void scale_to(replica_set_state& rs, std::int32_t to) {
    if (rs.spec_replicas == to) return;
    plan_.actions.push_back(scale_replica_set{rs.name, rs.spec_replicas, to, annotations(),
                                              scale_event(rs.name, rs.spec_replicas, to)});
    rs.spec_replicas = to;
  }

  std::string write_replica_sets() {
    // Deadlines that no longer apply: the canary is not aborted (retry, promote --full), or the
    // ReplicaSet is the stable one again.
    if (new_ && new_->scale_down_deadline && !aborted()) {
      new_->scale_down_deadline.reset();
      annotate_deadline(*new_, std::nullopt);
    }
    if (stable_ && stable_->scale_down_deadline) {
      stable_->scale_down_deadline.reset();
      annotate_deadline(*stable_, std::nullopt);
    }
    if (new_) {
      if (auto bump = sync_revision(*new_, old_)) {
        auto& a = pending_for(*new_);
        a.revision = bump->revision;
        a.revision_history = bump->revision_history;
      }
    }

    std::vector<replica_set_state*> others;
    for (auto& rs : old_) {
      if (&rs != stable_) others.push_back(&rs);
    }
    std::sort(others.begin(), others.end(),
              [](auto* a, auto* b) { return created_before(a->created, a->name, b->created, b->name); });

    // A ReplicaSet whose metadata is written this sync keeps its size until the next one.
    sizing_input si;
    si.replicas = in_.replicas;
    si.limits = limits_;
    si.target = plan_.target;
    if (new_) {
      si.canary = {new_->spec_replicas, new_->available_replicas};
      if (annotated(*new_)) si.target.canary = new_->spec_replicas;
    }
    if (stable_) {
      si.stable = replica_count{stable_->spec_replicas, stable_->available_replicas};
      if (annotated(*stable_)) si.target.stable = stable_->spec_replicas;
    }
    for (auto* rs : others) {
      si.others.push_back({rs->spec_replicas, rs->available_replicas});
      const bool waiting =
          rs->scale_down_deadline && *rs->scale_down_deadline > in_.now && rs->spec_replicas > 0;
      if (waiting) earliest(plan_.wake_after, *rs->scale_down_deadline - in_.now);
      si.keep.push_back(waiting || annotated(*rs));
    }
    if (mode_ == mode::canary && !state_.aborted && canary_scale_at(in_.steps, state_.index)) {
      si.max_total = std::max(in_.replicas + limits_.max_surge, plan_.target.canary + plan_.target.stable);
    }
    sizing_input held = si;  // with the pod the canaryService shows kept
    if (stable_ && shows_canary(*stable_)) {
      held.target.stable = std::max(held.target.stable, std::min(stable_->spec_replicas, 1));
    }
    for (auto* rs : others) held.keep_at_least.push_back(shows_canary(*rs) ? 1 : 0);
    sizing sizes = size_replica_sets(held);
    // ...unless that leaves the new canary no pod at all: it would wait for one forever.
    if (sizes.canary == 0 && si.target.canary > 0) sizes = size_replica_sets(si);

    for (auto& a : pending_annotations_) plan_.actions.emplace_back(std::move(a));
    pending_annotations_.clear();
    // Scale-downs first, so the total never exceeds the surge between two writes.
    for (std::size_t i = 0; i < others.size(); ++i) {
      if (sizes.others[i] < others[i]->spec_replicas) scale_to(*others[i], sizes.others[i]);
    }
    if (new_ && sizes.canary < new_->spec_replicas) scale_to(*new_, sizes.canary);
    if (stable_ && sizes.stable < stable_->spec_replicas) scale_to(*stable_, sizes.stable);
    if (stable_ && sizes.stable > stable_->spec_replicas) scale_to(*stable_, sizes.stable);
    if (new_ && sizes.canary > new_->spec_replicas) scale_to(*new_, sizes.canary);
    if (!new_ && !aborted()) {
      if (auto e = create_new(sizes.canary); !e.empty()) return e;
    }

    if (mode_ == mode::at_stable && std::all_of(in_.old_replica_sets.begin(), in_.old_replica_sets.end(),
                                                [](const auto& rs) { return rs.spec_replicas == 0; })) {
      for (auto& a : cleanup_history(in_.old_replica_sets, in_.revision_history_limit)) {
        plan_.actions.push_back(std::move(a));
      }
    }
    return {};
  }

  // The revision the canaryService still shows (a canary replaced by a newer template, v3 over v2,
  // or the stable when a new canary starts) keeps one pod while the new canary has none available
  // yet, so the canaryService is never left without endpoints; write_replica_sets drops that where
  // it would leave the new canary without room for a pod.
  [[nodiscard]] bool shows_canary(const replica_set_state& rs) const {
    return !aborted() && in_.canary_service.named && rs.hash == in_.canary_service.pinned_hash &&
           rs.available_replicas > 0 && (!new_ || new_->available_replicas == 0);
  }

  std::string create_new(std::int32_t replicas) {
    if (in_.new_replica_set_name.empty()) return "no name given for the new ReplicaSet";
    for (const auto& rs : old_) {
      if (rs.name == in_.new_replica_set_name) {
        return "ReplicaSet " + rs.name + " already exists with another template (hash collision)";
      }
    }
    replica_set_state rs;
    rs.name = in_.new_replica_set_name;
    rs.hash = in_.hash;
    rs.revision = next_revision(old_);
    rs.created = system_clock::time_point::max();
    rs.spec_replicas = replicas;
    plan_.actions.push_back(create_replica_set{rs.name, replicas, rs.revision, annotations(),
                                               replicas > 0 ? scale_event(rs.name, 0, replicas) : ""});
    plan_.created_new_replica_set = true;
    new_ = std::move(rs);
    return {};
  }

  void finish() {
    auto& m = plan_.memory;
    m.step_index = in_.steps.empty() ? std::nullopt
                                     : std::optional<std::int32_t>(static_cast<std::int32_t>(state_.index));
    m.pause_start = state_.pause_start;
    m.aborted = state_.aborted;

    const std::string stable_hash = mode_ == mode::canary ? stable_->hash : in_.hash;
    const auto pins =
        plan_pins(in_, stable_hash, aborted(), limits_.max_unavailable, new_ ? new_->spec_replicas : 0);
    plan_.stable_service_hash = pins.stable;
    plan_.canary_service_hash = pins.canary;
    plan_.service_hash = pins.service;

    plan_.counts = observed_counts(in_.new_replica_set, in_.old_replica_sets, new_ ? new_->spec_replicas : 0);
    const std::int64_t canary_available = in_.new_replica_set ? in_.new_replica_set->available_replicas : 0;
    plan_.served_weight = plan_.counts.available > 0
                              ? static_cast<std::int32_t>((200 * canary_available + plan_.counts.available) /
                                                          (2 * plan_.counts.available))
                              : 0;
    plan_.complete = mode_ == mode::at_stable && rollout_complete(plan_.counts, in_.replicas);
    plan_.released = plan_.complete || released();
    if (new_) {
      plan_.revision = new_->revision;
      plan_.new_replica_set = new_->name;
    }
    plan_.message = describe_progress();
    if (plan_.operation_held) {
      plan_.message += (plan_.message.empty() ? "" : "; ") + std::string(to_string(*in_.operation)) +
                       " requested, held until spec.paused is lifted";
    }
  }

  // At stable with every pod available, and what else runs only waits out scaleDownDelaySeconds.
  [[nodiscard]] bool released() const {
    if (mode_ != mode::at_stable || !new_ || new_->available_replicas < in_.replicas) return false;
    return std::all_of(old_.begin(), old_.end(), [&](const replica_set_state& rs) {
      return rs.spec_replicas == 0 || (rs.scale_down_deadline && *rs.scale_down_deadline > in_.now);
    });
  }

  [[nodiscard]] std::string describe_progress() const {
    const auto pods = [](const std::optional<replica_set_state>& rs) {
      return rs ? std::to_string(rs->available_replicas) : std::string("0");
    };
    const std::string canary_pods =
        "canary " + pods(in_.new_replica_set) + "/" + std::to_string(plan_.target.canary) + " available";
    switch (plan_.stage) {
      case canary_stage::first_deploy:
        return "first revision: " + pods(in_.new_replica_set) + " of " + std::to_string(in_.replicas) +
               " pods available";
      case canary_stage::stepping:
        return current_step_label() + " (" + describe(in_.steps[state_.index]) + "): " + canary_pods +
               ", stable " + std::to_string(stable_->available_replicas) + "/" +
               std::to_string(plan_.target.stable) + " available";
      case canary_stage::paused_step: {
        const auto& pause = std::get<pause_step>(in_.steps[state_.index]);
        std::string out =
            "paused at " + current_step_label() + " (" + describe(in_.steps[state_.index]) + ")";
        if (pause.duration) out += " until " + rfc3339(saturating_add(*state_.pause_start, *pause.duration));
        return out;
      }
      case canary_stage::finishing:
        return "all steps done: " + canary_pods;
      case canary_stage::aborted: {
        std::string out = "aborted: traffic back on the stable revision " + stable_->hash + ", stable " +
                          std::to_string(stable_->available_replicas) + "/" + std::to_string(in_.replicas) +
                          " available";
        if (new_ && new_->spec_replicas > 0 && new_->scale_down_deadline &&
            abort_waits_behind_canary_service(in_)) {
          out += "; the canary keeps its pods until " + rfc3339(*new_->scale_down_deadline);
        }
        return out;
      }
      case canary_stage::stable:
        break;
    }
    if (plan_.complete) return "";
    std::string out = "stable revision " + in_.hash + ": " + pods(in_.new_replica_set) + " of " +
                      std::to_string(in_.replicas) + " pods available";
    std::int32_t old_pods = 0;
    for (const auto& rs : old_) {
      if (rs.spec_replicas > 0 && rs.scale_down_deadline && *rs.scale_down_deadline > in_.now) {
        out += "; " + rs.name + " keeps " + std::to_string(rs.spec_replicas) + " pods until " +
               rfc3339(*rs.scale_down_deadline) + " (scaleDownDelaySeconds)";
      } else {
        old_pods += rs.spec_replicas;
      }
    }
    if (old_pods > 0) out += "; " + std::to_string(old_pods) + " older pods to remove";
    return out;
  }

  const canary_input& in_;
  fenceposts limits_;
  std::vector<replica_set_state> old_;
  std::optional<replica_set_state> new_;
  replica_set_state* stable_ = nullptr;  // into old_; null unless a canary runs against it
  mode mode_ = mode::first_deploy;
  step_state state_{};
  std::vector<annotate_replica_set> pending_annotations_{};
  canary_plan plan_;
};

}  // namespace

canary_result plan_canary(const canary_input& in) {
  if (auto error = validate_canary_input(in); !error.empty()) return {{}, std::move(error)};
  return planner(in).run();
}

}  // namespace rolloutd::strategy
