#include "strategy/rolling.hpp"

#include <algorithm>
#include <limits>
#include <set>

namespace rolloutd::strategy {
namespace {

// Kubernetes caps revision-history at this many characters, dropping the oldest entries.
constexpr std::size_t revision_history_max_chars = 2000;

// Current Kubernetes wording (since 1.29 or so; older releases said "to N from M"): the direction is
// each ReplicaSet's own, also within a proportional scale.
std::string scale_event(std::string_view name, std::int32_t from, std::int32_t to) {
  return std::string("Scaled ") + (to > from ? "up" : "down") + " replica set " + std::string(name) +
         " from " + std::to_string(from) + " to " + std::to_string(to);
}

std::string append_revision_history(const std::string& history, std::int64_t revision) {
  const std::string entry = std::to_string(revision);
  if (history.empty()) return entry;
  std::string kept = history;
  while (kept.size() + 1 + entry.size() > revision_history_max_chars) {
    const auto comma = kept.find(',');
    if (comma == std::string::npos) return history;  // one entry too long to keep anything: unchanged
    kept.erase(0, comma + 1);
  }
  return kept + "," + entry;
}

bool older(const replica_set_state* a, const replica_set_state* b) {
  return created_before(a->created, a->name, b->created, b->name);
}

std::string validate(const rolling_input& in) {
  if (in.replicas < 0) return "spec.replicas must not be negative";
  if (in.max_surge.value < 0) return "maxSurge must not be negative";
  if (in.max_unavailable.value < 0) return "maxUnavailable must not be negative";
  if (in.revision_history_limit && *in.revision_history_limit < 0)
    return "revisionHistoryLimit must not be negative";
  std::set<std::string_view> names;
  auto check = [&](const replica_set_state& rs) -> std::string {
    if (rs.spec_replicas < 0 || rs.status_replicas < 0 || rs.ready_replicas < 0 ||
        rs.available_replicas < 0) {
      return "ReplicaSet " + rs.name + " has negative replica counts";
    }
    if (!names.insert(rs.name).second) return "ReplicaSet " + rs.name + " is listed twice";
    return {};
  };
  if (in.new_replica_set) {
    if (auto e = check(*in.new_replica_set); !e.empty()) return e;
  }
  for (const auto& rs : in.old_replica_sets) {
    if (auto e = check(rs); !e.empty()) return e;
  }
  if (in.roll_back_to) {
    const bool known = std::any_of(in.old_replica_sets.begin(), in.old_replica_sets.end(),
                                   [&](const replica_set_state& rs) { return rs.name == *in.roll_back_to; });
    if (!known) return "ReplicaSet " + *in.roll_back_to + " to roll back to is not among the old ones";
  }
  return {};
}

// One sync over working copies of the ReplicaSets; every write is recorded as an action and
// applied to the copy, so later steps see it as Kubernetes' later steps see the updated object.
class planner {
 public:
  explicit planner(const rolling_input& in)
      : in_(in),
        limits_(resolve_fenceposts(in.max_surge, in.max_unavailable, in.replicas)),
        old_(in.old_replica_sets),
        new_(in.new_replica_set) {
    if (in.roll_back_to) swap_for_rollback(*in.roll_back_to);
  }

  rolling_result run() {
    rolling_result out;
    plan_.limits = limits_;
    if (rolling_back_) {
      // The rollout's own steps, aimed at the stable ReplicaSet (now in new_).
      if (scaling_event()) {
        plan_.path = sync_path::scaling_event;
        scale();
      } else {
        plan_.path = sync_path::rollout;
        if (!reconcile_new()) reconcile_old();
      }
      compute_status();
      out.plan = std::move(plan_);
      return out;
    }
    sync_revision();
    if (in_.paused) {
      plan_.path = sync_path::paused;
      scale();
      cleanup_history();
    } else if (scaling_event()) {
      plan_.path = sync_path::scaling_event;
      scale();
    } else {
      plan_.path = sync_path::rollout;
      if (!new_) {
        if (auto e = create_new(); !e.empty()) return {{}, e};
      }
      if (!reconcile_new() && !reconcile_old() && previous_complete()) cleanup_history();
    }
    compute_status();
    out.plan = std::move(plan_);
    return out;
  }

 private:
  // The stable ReplicaSet plays the new one; the new one (if any) joins the old ones.
  void swap_for_rollback(const std::string& stable) {
    auto it = std::find_if(old_.begin(), old_.end(),
                           [&](const replica_set_state& rs) { return rs.name == stable; });
    std::optional<replica_set_state> target = std::move(*it);
    old_.erase(it);
    if (new_) old_.push_back(std::move(*new_));
    new_ = std::move(target);
    rolling_back_ = true;
  }

  [[nodiscard]] replica_annotations annotations() const {
    return {in_.replicas, in_.replicas + limits_.max_surge};
  }

  [[nodiscard]] bool annotations_current(const replica_set_state& rs) const {
    const auto want = annotations();
    return rs.desired_replicas == want.desired_replicas && rs.max_replicas == want.max_replicas;
  }

  [[nodiscard]] std::int64_t max_old_revision() const {
    std::int64_t max = 0;
    for (const auto& rs : old_) max = std::max(max, rs.revision);
    return max;
  }

  [[nodiscard]] std::int32_t total_spec() const {
    std::int64_t sum = new_ ? new_->spec_replicas : 0;
    for (const auto& rs : old_) sum += rs.spec_replicas;
    return static_cast<std::int32_t>(std::min<std::int64_t>(sum, std::numeric_limits<std::int32_t>::max()));
  }

  [[nodiscard]] bool previous_complete() const {
    return in_.previous.generation_observed && rollout_complete(in_.previous.counts, in_.replicas);
  }

  // One write per ReplicaSet per sync. Every write carries the resourceVersion this sync observed,
  // so where Kubernetes writes a ReplicaSet twice (the unhealthy-pod cleanup, then the scale-down;
  // the revision of a reused ReplicaSet, then its scale) the second write could only meet a 409.
  // A step that changes a ReplicaSet already written folds its change into that write, which moves
  // to the later step's place so sizes still change in Kubernetes' order.
  std::optional<replica_set_action> take_write(const std::string& name) {
    auto it = std::find_if(plan_.actions.begin(), plan_.actions.end(), [&](const replica_set_action& a) {
      return std::visit([&](const auto& x) { return x.name == name; }, a);
    });
    if (it == plan_.actions.end()) return std::nullopt;
    replica_set_action taken = std::move(*it);
    plan_.actions.erase(it);
    return taken;
  }

  [[nodiscard]] bool written(const std::string& name) const {
    return std::any_of(plan_.actions.begin(), plan_.actions.end(), [&](const replica_set_action& a) {
      return std::visit([&](const auto& x) { return x.name == name; }, a);
    });
  }

  // scaleReplicaSetAndRecordEvent: a size change, with the annotations in the same write.
  bool scale_to(replica_set_state& rs, std::int32_t to) {
    if (rs.spec_replicas == to) return false;
    auto prior = take_write(rs.name);
    rs.spec_replicas = to;
    rs.desired_replicas = annotations().desired_replicas;
    rs.max_replicas = annotations().max_replicas;
    if (auto* create = prior ? std::get_if<create_replica_set>(&*prior) : nullptr) {
      create->replicas = to;
      create->annotations = annotations();
      create->event = to > 0 ? scale_event(rs.name, 0, to) : std::string{};
      plan_.actions.push_back(std::move(*create));
      return true;
    }
    scale_replica_set s{rs.name, to, to, annotations(), {}};
    if (const auto* scale = prior ? std::get_if<scale_replica_set>(&*prior) : nullptr) {
      s.from = scale->from;
      s.revision = scale->revision;
      s.revision_history = scale->revision_history;
    } else if (const auto* annotate = prior ? std::get_if<annotate_replica_set>(&*prior) : nullptr) {
      s.revision = annotate->revision;
      s.revision_history = annotate->revision_history;
    }
    if (!prior || !std::holds_alternative<scale_replica_set>(*prior)) s.from = observed_size(rs.name);
    if (s.from == s.to) {  // back where it started: only the metadata remains to be written
      plan_.actions.push_back(annotate_replica_set{rs.name, annotations(), s.revision, s.revision_history});
      return true;
    }
    s.event = scale_event(rs.name, s.from, s.to);
    plan_.actions.push_back(std::move(s));
    return true;
  }

  // A metadata write, folded into this sync's other write to the ReplicaSet if there is one.
  void annotate(const std::string& name, std::optional<replica_annotations> replicas,
                std::optional<std::int64_t> revision, std::optional<std::string> history) {
    auto prior = take_write(name);
    if (auto* scale = prior ? std::get_if<scale_replica_set>(&*prior) : nullptr) {
      if (replicas) scale->annotations = *replicas;
      if (revision) scale->revision = revision;
      if (history) scale->revision_history = std::move(history);
      plan_.actions.push_back(std::move(*scale));
      return;
    }
    if (auto* create = prior ? std::get_if<create_replica_set>(&*prior) : nullptr) {
      if (replicas) create->annotations = *replicas;
      if (revision) create->revision = *revision;
      plan_.actions.push_back(std::move(*create));
      return;
    }
    annotate_replica_set a{name, replicas, revision, std::move(history)};
    if (auto* earlier = prior ? std::get_if<annotate_replica_set>(&*prior) : nullptr) {
      if (!a.annotations) a.annotations = earlier->annotations;
      if (!a.revision) a.revision = earlier->revision;
      if (!a.revision_history) a.revision_history = earlier->revision_history;
    }
    plan_.actions.push_back(std::move(a));
  }

  // spec.replicas as observed before this sync (0 for a ReplicaSet this sync creates).
  [[nodiscard]] std::int32_t observed_size(const std::string& name) const {
    if (in_.new_replica_set && in_.new_replica_set->name == name) return in_.new_replica_set->spec_replicas;
    for (const auto& rs : in_.old_replica_sets) {
      if (rs.name == name) return rs.spec_replicas;
    }
    return 0;
  }

  // scaleReplicaSet as the proportional scale calls it: stale annotations are written even when
  // the size stays, so the next sync no longer sees a scaling event.
  void scale_with_annotations(replica_set_state& rs, std::int32_t to) {
    if (rs.spec_replicas != to) {
      scale_to(rs, to);
    } else if (!annotations_current(rs)) {
      annotate(rs.name, annotations(), std::nullopt, std::nullopt);
      rs.desired_replicas = annotations().desired_replicas;
      rs.max_replicas = annotations().max_replicas;
    }
  }

  // The new ReplicaSet's revision must stay above every old one's; reusing an old template
  // (rollback) bumps it and remembers the number it had.
  void sync_revision() {
    if (!new_) return;
    const std::int64_t wanted = max_old_revision() + 1;
    if (new_->revision >= wanted) return;
    std::optional<std::string> history;
    if (new_->revision != 0) {
      new_->revision_history = append_revision_history(new_->revision_history, new_->revision);
      history = new_->revision_history;
    }
    new_->revision = wanted;
    annotate(new_->name, std::nullopt, wanted, std::move(history));
  }

  // isScalingEvent: an active ReplicaSet last scaled for a different spec.replicas.
  [[nodiscard]] bool scaling_event() const {
    auto differs = [&](const replica_set_state& rs) {
      return rs.spec_replicas > 0 && rs.desired_replicas && *rs.desired_replicas != in_.replicas;
    };
    if (new_ && differs(*new_)) return true;
    return std::any_of(old_.begin(), old_.end(), differs);
  }

  // The proportional base: the max-replicas annotation; failing that, desired-replicas plus the
  // surge it implies under today's maxSurge; failing both, the fallback proportional_scale applies.
  [[nodiscard]] std::optional<std::int32_t> base_of(const replica_set_state& rs) const {
    if (rs.max_replicas) return rs.max_replicas;
    if (!rs.desired_replicas) return std::nullopt;
    return *rs.desired_replicas +
           resolve_fenceposts(in_.max_surge, in_.max_unavailable, *rs.desired_replicas).max_surge;
  }

  // sync.go scale(): used when paused or on a scaling event, never to advance the rollout.
  void scale() {
    std::vector<replica_set_state*> olds;
    for (auto& rs : old_) olds.push_back(&rs);
    std::sort(olds.begin(), olds.end(), [](auto* a, auto* b) { return older(b, a); });  // newest first

    std::vector<replica_set_state*> active;
    for (auto* rs : olds) {
      if (rs->spec_replicas > 0) active.push_back(rs);
    }
    if (new_ && new_->spec_replicas > 0) active.push_back(&*new_);

    // At most one active ReplicaSet (or none: the newest takes the whole count). When its size is
    // already right Kubernetes writes nothing, so a stale desired-replicas (spec.replicas changed
    // back to this size before a sync saw the change) made every later sync a scaling event with
    // nothing to do, and a new template never rolled out: that annotation is rewritten.
    if (active.size() <= 1 && (new_ || !olds.empty())) {
      replica_set_state* only = !active.empty() ? active.front() : new_ ? &*new_ : olds.front();
      if (only->spec_replicas != in_.replicas) {
        scale_to(*only, in_.replicas);
      } else if (only->spec_replicas > 0 && only->desired_replicas &&
                 *only->desired_replicas != in_.replicas) {
        scale_with_annotations(*only, in_.replicas);
      }
      return;
    }
    if (new_saturated()) {
      for (auto* rs : olds) {
        if (rs->spec_replicas > 0) scale_to(*rs, 0);
      }
      return;
    }
    std::vector<proportional_member> members;
    for (auto* rs : active) members.push_back({rs->name, rs->created, rs->spec_replicas, base_of(*rs)});
    for (const auto& step :
         proportional_scale(members, in_.replicas, limits_.max_surge, in_.previous.counts.replicas)) {
      scale_with_annotations(*active[step.member], step.replicas);
    }
  }

  [[nodiscard]] bool new_saturated() const {
    return new_ && new_->spec_replicas == in_.replicas && new_->desired_replicas == in_.replicas &&
           new_->available_replicas == in_.replicas;
  }

  std::string create_new() {
    if (in_.new_replica_set_name.empty()) return "no name given for the new ReplicaSet";
    for (const auto& rs : old_) {
      if (rs.name == in_.new_replica_set_name) {
        return "ReplicaSet " + rs.name + " already exists with another template (hash collision)";
      }
    }
    replica_set_state rs;
    rs.name = in_.new_replica_set_name;
    rs.revision = max_old_revision() + 1;
    // Never sorted against the old ones on the rollout path; the latest possible time keeps it
    // "newest" should that change.
    rs.created = std::chrono::system_clock::time_point::max();
    rs.spec_replicas = new_replica_set_target(in_.replicas, limits_.max_surge, total_spec(), 0);
    rs.desired_replicas = annotations().desired_replicas;
    rs.max_replicas = annotations().max_replicas;
    std::string event;
    if (rs.spec_replicas > 0) event = scale_event(rs.name, 0, rs.spec_replicas);
    plan_.actions.push_back(create_replica_set{rs.name, rs.spec_replicas, rs.revision, annotations(), event});
    plan_.created_new_replica_set = true;
    new_ = std::move(rs);
    return {};
  }

  // reconcileNewReplicaSet: grow toward replicas within the surge; shrink at once if above.
  bool reconcile_new() {
    if (new_->spec_replicas == in_.replicas) return false;
    if (new_->spec_replicas > in_.replicas) return scale_to(*new_, in_.replicas);
    return scale_to(
        *new_, new_replica_set_target(in_.replicas, limits_.max_surge, total_spec(), new_->spec_replicas));
  }

  static std::int32_t available_within_spec(const replica_set_state& rs) {
    return std::min(rs.available_replicas, rs.spec_replicas);
  }

  // reconcileOldReplicaSets: shrink old ReplicaSets only as far as availability allows.
  bool reconcile_old() {
    std::vector<replica_set_state*> active;
    for (auto& rs : old_) {
      if (rs.spec_replicas > 0) active.push_back(&rs);
    }
    if (active.empty()) return false;

    const std::int64_t min_available = static_cast<std::int64_t>(in_.replicas) - limits_.max_unavailable;
    // New pods not yet available must not let old ones go: they may never become available. Pods
    // above a ReplicaSet's spec (a scale-down the ReplicaSet controller has not carried out yet) are
    // about to go and count as nothing, where Kubernetes counts them and can scale the old pods
    // away below replicas - maxUnavailable.
    const std::int64_t new_unavailable =
        static_cast<std::int64_t>(new_->spec_replicas) - available_within_spec(*new_);
    const std::int64_t max_scaled_down = total_spec() - min_available - new_unavailable;
    if (max_scaled_down <= 0) return false;

    std::sort(active.begin(), active.end(), older);

    // Unavailable old pods go first: removing them costs no availability, and left alone they
    // would hold the rollout until the deadline (kubernetes#16737).
    std::int64_t cleaned = 0;
    for (auto* rs : active) {
      if (cleaned >= max_scaled_down) break;
      if (rs->spec_replicas == 0 || rs->spec_replicas == rs->available_replicas) continue;
      const std::int64_t unhealthy = static_cast<std::int64_t>(rs->spec_replicas) - rs->available_replicas;
      // More available than wanted (a scale-down still in flight): Kubernetes refuses this sync's
      // scale-down altogether, keeping what it already did.
      if (unhealthy < 0) return false;
      const auto n = static_cast<std::int32_t>(std::min(max_scaled_down - cleaned, unhealthy));
      scale_to(*rs, rs->spec_replicas - n);
      cleaned += n;
    }

    std::int64_t available = available_within_spec(*new_);
    for (auto* rs : active) available += available_within_spec(*rs);
    std::int64_t scaled = 0;
    if (available > min_available) {
      const std::int64_t to_remove = available - min_available;
      for (auto* rs : active) {
        if (scaled >= to_remove) break;
        if (rs->spec_replicas == 0) continue;
        const auto n =
            static_cast<std::int32_t>(std::min<std::int64_t>(rs->spec_replicas, to_remove - scaled));
        scale_to(*rs, rs->spec_replicas - n);
        scaled += n;
      }
    }
    return cleaned + scaled > 0;
  }

  // cleanupDeployment: the oldest revisions beyond the limit go, but only those with no pods, no
  // pending spec and no deletion under way. It looks at the spec as observed before this sync.
  void cleanup_history() {
    const auto& limit = in_.revision_history_limit;
    if (!limit || *limit == std::numeric_limits<std::int32_t>::max()) return;
    std::vector<const replica_set_state*> cleanable;
    for (const auto& rs : in_.old_replica_sets) {
      if (!rs.being_deleted) cleanable.push_back(&rs);
    }
    const std::int64_t excess = static_cast<std::int64_t>(cleanable.size()) - *limit;
    if (excess <= 0) return;
    std::sort(cleanable.begin(), cleanable.end(), [](auto* a, auto* b) {
      if (a->revision != b->revision) return a->revision < b->revision;
      return older(a, b);
    });
    for (std::int64_t i = 0; i < excess; ++i) {
      const auto* rs = cleanable[static_cast<std::size_t>(i)];
      if (rs->status_replicas != 0 || rs->spec_replicas != 0 || !rs->status_current) continue;
      // Written by this sync (a paused sync may just have scaled it up): one write per sync, and a
      // delete would undo that scale; it is judged again from the next observation.
      if (written(rs->name)) continue;
      plan_.actions.push_back(delete_replica_set{rs->name});
    }
  }

  // calculateStatus: observed counts; a ReplicaSet created this sync counts with no pods yet.
  void compute_status() {
    rollout_counts c;
    std::int64_t spec = 0;
    auto add = [&](const replica_set_state& rs) {
      c.replicas += rs.status_replicas;
      c.ready += rs.ready_replicas;
      c.available += rs.available_replicas;
      spec += rs.spec_replicas;
    };
    for (const auto& rs : in_.old_replica_sets) add(rs);
    if (in_.new_replica_set) {
      add(*in_.new_replica_set);
      c.updated = in_.new_replica_set->status_replicas;
    } else if (new_ && !rolling_back_) {  // created this sync; a rollback target is an old one
      spec += new_->spec_replicas;
    }
    c.unavailable = static_cast<std::int32_t>(std::max<std::int64_t>(spec - c.available, 0));
    plan_.counts = c;
    plan_.complete = rollout_complete(c, in_.replicas);
    plan_.minimum_available = static_cast<std::int64_t>(c.available) >=
                              static_cast<std::int64_t>(in_.replicas) - limits_.max_unavailable;
    if (rolling_back_) {
      // The revision and name reported stay the template's: the abort does not change spec.template.
      if (in_.new_replica_set) {
        plan_.revision = in_.new_replica_set->revision;
        plan_.new_replica_set = in_.new_replica_set->name;
      }
      plan_.rolled_back = rolled_back();
      return;
    }
    if (new_) {
      plan_.revision = new_->revision;
      plan_.new_replica_set = new_->name;
    }
  }

  // Judged on the ReplicaSets as observed before this sync's writes, like the status counts.
  [[nodiscard]] bool rolled_back() const {
    for (const auto& rs : in_.old_replica_sets) {
      if (rs.name == *in_.roll_back_to) {
        if (rs.spec_replicas != in_.replicas || rs.status_replicas != in_.replicas ||
            rs.available_replicas != in_.replicas) {
          return false;
        }
      } else if (rs.spec_replicas != 0 || rs.status_replicas != 0) {
        return false;
      }
    }
    const auto& aborted = in_.new_replica_set;
    return !aborted || (aborted->spec_replicas == 0 && aborted->status_replicas == 0);
  }

  const rolling_input& in_;
  fenceposts limits_;
  std::vector<replica_set_state> old_;
  std::optional<replica_set_state> new_;
  bool rolling_back_ = false;
  rolling_plan plan_;
};

}  // namespace

rolling_result plan_rolling(const rolling_input& in) {
  if (auto error = validate(in); !error.empty()) return {{}, std::move(error)};
  return planner(in).run();
}

}  // namespace rolloutd::strategy
