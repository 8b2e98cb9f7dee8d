// The rolling planner driven through seeded random event sequences on a small simulated cluster of
// its own (an API server with resourceVersions, a ReplicaSet controller with pods that become
// available late or never, and a clock), with invariants checked after every sync. The checks are
// the rules as a Kubernetes user states them, not the planner's arithmetic:
//
//  - One write per object per sync: every write carries the resourceVersion the sync observed, and
//    the simulated API server answers a stale one with 409, as the real one does. There is no other
//    writer, so any conflict is a second write to an object in one sync.
//  - Surge: after a sync, the ReplicaSets' spec.replicas sum to at most replicas + maxSurge. The one
//    allowance is the Deployment controller's: after spec.replicas goes down the sum may exceed the
//    new bound until a sync handles the change, and a sync never raises a sum that is over it; a
//    scaling-event sync (the one that handles it) brings the sum within the bound.
//  - Availability: a rollout or rollback sync never scales down so far that, once the ReplicaSet
//    controller has removed the pods (not-available ones first), fewer than
//    min(replicas - maxUnavailable, available before the sync) pods are available. A scaling event
//    shares a change of spec.replicas out by size, not by availability (the Deployment controller's
//    proportional scaling), so there only this holds: a scaling event that grows shrinks nothing.
//  - Convergence: once the events stop with a template whose pods start, unpaused and not aborted,
//    the run ends with exactly `replicas` pods, all of the current template and all available, and
//    no other ReplicaSet with pods or spec; an aborted run ends the same way on the stable template.
//
// Controller restarts: the reconciler keeps nothing between syncs (everything is read from the
// ReplicaSets and the policy's status), so a restart is the controller being down for a while:
// time passes, pods start or crash, the ReplicaSet controller acts, and the next sync lists afresh.
//
// ROLLOUTD_RANDOM_SEED=<n> replays one run (the seed printed on failure); with
// ROLLOUTD_RANDOM_RUNS=<m> it runs m seeds from n instead (default: 3000 runs from seed 1).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <sstream>

#include "strategy/rolling.hpp"

namespace rolloutd::strategy {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

const system_clock::time_point epoch{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::strtoull(v, nullptr, 10) : fallback;
}

struct pod {
  std::int64_t created = 0;
  std::int64_t available_at = never;  // seconds; never: crash-looping or never ready
};

struct replica_set {
  std::string name;
  int tmpl = 0;
  std::int64_t created = 0;
  std::int64_t resource_version = 1;
  int spec = 0;
  std::int64_t revision = 0;
  std::string revision_history;
  std::optional<int> desired, max;
  std::vector<pod> pods;
};

struct template_kind {
  bool starts = true;  // its pods become available (after a delay); otherwise they never do
  int delay = 0;       // seconds from creation to available
};

// The surge and unavailability a user means by maxSurge/maxUnavailable, resolved by hand here as
// the Kubernetes documentation states it: surge rounds up, unavailable rounds down, both 0 means 1
// unavailable, never more unavailable than replicas.
struct limits {
  int surge = 0;
  int unavailable = 0;
};
limits resolve(int_or_percent surge, int_or_percent unavailable, int replicas) {
  auto of = [&](int_or_percent v, bool up) {
    if (!v.percent) return v.value;
    return up ? (v.value * replicas + 99) / 100 : v.value * replicas / 100;
  };
  limits l{of(surge, true), of(unavailable, false)};
  if (l.surge == 0 && l.unavailable == 0) l.unavailable = 1;
  l.unavailable = std::min(l.unavailable, replicas);
  return l;
}

class world {
 public:
  explicit world(std::uint64_t seed) : seed_(seed), rng_(seed) {
    replicas_ = pick(0, 4) == 0 ? pick(0, 2) : pick(1, 8);
    do {
      surge_ = fencepost();
      unavailable_ = fencepost();
    } while (surge_.value == 0 && unavailable_.value == 0);
    static constexpr int history[] = {0, 1, 2, 10};
    if (pick(0, 4) > 0) history_limit_ = history[pick(0, 3)];
    templates_.push_back({true, pick(0, 20)});
    tmpl_ = 0;
  }

  // One random run: events, then settling; failed() tells whether an invariant broke.
  void run(int steps) {
    log("start: replicas " + std::to_string(replicas_) + " maxSurge " + text(surge_) + " maxUnavailable " +
        text(unavailable_) + " historyLimit " + (history_limit_ ? std::to_string(*history_limit_) : "-"));
    for (int i = 0; i < steps && !failed(); ++i) step();
    if (!failed()) settle();
  }

  [[nodiscard]] bool failed() const { return !failure_.empty(); }
  [[nodiscard]] std::string report() const {
    std::ostringstream out;
    out << "seed " << seed_ << ": " << failure_ << "\nevents:\n";
    for (const auto& e : events_) out << "  " << e << "\n";
    out << "state:\n" << state();
    return out.str();
  }
  int syncs = 0;
  // What the run reached, so the test can tell a run that exercised nothing.
  std::map<std::string, int> reached;

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  int_or_percent fencepost() {
    static constexpr int percents[] = {0, 10, 25, 50, 100};
    if (pick(0, 1) == 0) return int_or_percent::count(pick(0, 3));
    return int_or_percent::percentage(percents[pick(0, 4)]);
  }
  static std::string text(int_or_percent v) { return std::to_string(v.value) + (v.percent ? "%" : ""); }
  void log(std::string e) { events_.push_back("t=" + std::to_string(now_) + " " + std::move(e)); }
  void fail(const std::string& why) {
    if (failure_.empty()) failure_ = why;
  }

  [[nodiscard]] std::string state() const {
    std::ostringstream out;
    out << "  replicas " << replicas_ << (paused_ ? " paused" : "") << " template t" << tmpl_
        << (abort_ ? " aborted(t" + std::to_string(abort_tmpl_) + ")" : "") << " stable "
        << (stable_ ? "t" + std::to_string(*stable_) : "-") << "\n";
    for (const auto& [name, rs] : rss_) {
      out << "  " << name << " rev " << rs.revision << " spec " << rs.spec << " pods " << rs.pods.size()
          << " available " << available(rs) << " desired " << (rs.desired ? std::to_string(*rs.desired) : "-")
          << " max " << (rs.max ? std::to_string(*rs.max) : "-") << "\n";
    }
    return out.str();
  }

  [[nodiscard]] int available(const replica_set& rs) const {
    int n = 0;
    for (const auto& p : rs.pods) n += p.available_at <= now_ ? 1 : 0;
    return n;
  }
  [[nodiscard]] int total_spec() const {
    int n = 0;
    for (const auto& [_, rs] : rss_) n += rs.spec;
    return n;
  }
  static std::string name_of(int tmpl) { return "rs-t" + std::to_string(tmpl); }
  [[nodiscard]] limits bounds() const { return resolve(surge_, unavailable_, replicas_); }

  // --- the ReplicaSet controller -----------------------------------------------------------------
  pod new_pod(int tmpl) {
    const auto& k = templates_[static_cast<std::size_t>(tmpl)];
    return {now_, k.starts ? now_ + k.delay + pick(0, 1) * pick(0, 60) : never};
  }
  // Not-available pods go first, then the newest (the ReplicaSet controller's pod ranking).
  void reconcile_pods(replica_set& rs) {
    auto& pods = rs.pods;
    if (static_cast<int>(pods.size()) > rs.spec) {
      std::stable_sort(pods.begin(), pods.end(), [&](const pod& a, const pod& b) {
        const bool aa = a.available_at <= now_, ba = b.available_at <= now_;
        if (aa != ba) return aa;  // available ones first, so the tail goes
        return a.created < b.created;
      });
      pods.resize(static_cast<std::size_t>(rs.spec));
      ++rs.resource_version;
    }
    while (static_cast<int>(pods.size()) < rs.spec) {
      pods.push_back(new_pod(rs.tmpl));
      ++rs.resource_version;
    }
  }
  // How many pods would be available once every ReplicaSet's pods follow its spec.
  [[nodiscard]] int available_once_reconciled() const {
    int n = 0;
    for (auto [_, rs] : rss_) {
      int avail = available(rs);
      n += std::min(avail, rs.spec);
    }
    return n;
  }

  // --- the controller: one sync, as rolling_sync.cpp does it -------------------------------------
  replica_set_state observe(const replica_set& rs) const {
    replica_set_state s;
    s.name = rs.name;
    s.hash = rs.name;
    s.revision = rs.revision;
    s.revision_history = rs.revision_history;
    s.created = epoch + seconds(rs.created);
    s.spec_replicas = rs.spec;
    s.status_replicas = static_cast<int>(rs.pods.size());
    s.available_replicas = available(rs);
    s.ready_replicas = s.available_replicas;
    s.desired_replicas = rs.desired;
    s.max_replicas = rs.max;
    return s;
  }

  // A write with the resourceVersion the sync observed; false on a conflict (409).
  bool precondition(const std::string& name, const std::map<std::string, std::int64_t>& observed,
                    const char* what) {
    auto it = rss_.find(name);
    if (it == rss_.end()) {
      fail(std::string(what) + " of " + name + ", which does not exist");
      return false;
    }
    if (it->second.resource_version != observed.at(name)) {
      fail(std::string("409 Conflict: ") + what + " of " + name +
           " carries a resourceVersion this sync already changed (two writes to one object in one sync)");
      return false;
    }
    ++it->second.resource_version;
    return true;
  }

  void sync() {
    ++syncs;
    rolling_input in;
    in.replicas = replicas_;
    in.max_surge = surge_;
    in.max_unavailable = unavailable_;
    in.paused = paused_;
    in.revision_history_limit = history_limit_;
    in.new_replica_set_name = name_of(tmpl_);
    std::map<std::string, std::int64_t> observed;
    for (const auto& [name, rs] : rss_) {
      observed[name] = rs.resource_version;
      if (rs.tmpl == tmpl_) {
        in.new_replica_set = observe(rs);
      } else {
        in.old_replica_sets.push_back(observe(rs));
      }
    }
    in.previous = previous_;
    const bool aborted = abort_ && abort_tmpl_ == tmpl_;
    if (aborted) {
      if (stable_ && *stable_ != tmpl_ && rss_.count(name_of(*stable_)) > 0) {
        in.roll_back_to = name_of(*stable_);
      } else {
        in.paused = true;
      }
    }
    const auto result = plan_rolling(in);
    if (!result.ok()) {
      fail("planner refused: " + result.error);
      return;
    }
    const auto& plan = result.plan;

    const int spec_before = total_spec();
    // Pods that already have no place in their ReplicaSet's spec (a scale-down the ReplicaSet
    // controller has not carried out yet) are not this sync's to keep.
    const int available_before = available_once_reconciled();
    const int replicas_before = last_replicas_;
    std::ostringstream what;
    for (const auto& action : plan.actions) {
      std::visit(
          [&](const auto& a) {
            using type = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<type, create_replica_set>) {
              what << " create " << a.name << "=" << a.replicas;
              if (rss_.count(a.name) > 0) {
                fail("409 AlreadyExists: create " + a.name);
                return;
              }
              replica_set rs;
              rs.name = a.name;
              rs.tmpl = tmpl_;
              rs.created = now_;
              rs.spec = a.replicas;
              rs.revision = a.revision;
              rs.desired = a.annotations.desired_replicas;
              rs.max = a.annotations.max_replicas;
              rss_[a.name] = rs;
              observed[a.name] = rs.resource_version;  // a later write in this sync would conflict too
              ++rss_[a.name].resource_version;
            } else if constexpr (std::is_same_v<type, scale_replica_set>) {
              what << " scale " << a.name << " " << a.from << "->" << a.to;
              if (!precondition(a.name, observed, "scale")) return;
              auto& rs = rss_[a.name];
              if (rs.spec != a.from)
                fail("scale of " + a.name + " from " + std::to_string(a.from) + ", not its size");
              rs.spec = a.to;
              rs.desired = a.annotations.desired_replicas;
              rs.max = a.annotations.max_replicas;
              if (a.revision) rs.revision = *a.revision;
              if (a.revision_history) rs.revision_history = *a.revision_history;
            } else if constexpr (std::is_same_v<type, annotate_replica_set>) {
              what << " annotate " << a.name;
              if (!precondition(a.name, observed, "annotate")) return;
              auto& rs = rss_[a.name];
              if (a.annotations) {
                rs.desired = a.annotations->desired_replicas;
                rs.max = a.annotations->max_replicas;
              }
              if (a.revision) rs.revision = *a.revision;
              if (a.revision_history) rs.revision_history = *a.revision_history;
            } else {
              what << " delete " << a.name;
              // A delete carries the uid, not the resourceVersion; the rule still holds.
              if (!precondition(a.name, observed, "delete")) return;
              if (rss_[a.name].spec != 0 || !rss_[a.name].pods.empty())
                fail("deleted " + a.name + " with pods");
              rss_.erase(a.name);
            }
          },
          action);
      if (failed()) break;
    }
    ++reached[plan.path == sync_path::paused          ? "paused syncs"
              : plan.path == sync_path::scaling_event ? "scaling-event syncs"
                                                      : "rollout syncs"];
    if (in.roll_back_to) ++reached["rollback syncs"];
    if (plan.actions.size() > 1) ++reached["syncs writing several ReplicaSets"];
    log("sync" +
        std::string(plan.path == sync_path::paused          ? " [paused]"
                    : plan.path == sync_path::scaling_event ? " [scaling]"
                                                            : " [rollout]") +
        (in.roll_back_to ? " [rollback]" : "") + ":" + what.str());
    if (failed()) return;  // the status write is skipped after a conflict

    // The status the reconciler writes after this sync.
    previous_ = {plan.counts, true};
    last_replicas_ = replicas_;
    if (plan.complete && !aborted) stable_ = tmpl_;

    // Surge.
    const auto b = bounds();
    const int bound = replicas_ + b.surge;
    const int spec_after = total_spec();
    if (spec_after > std::max(bound, spec_before)) {
      fail("surge: spec replicas sum to " + std::to_string(spec_after) + " > replicas + maxSurge = " +
           std::to_string(bound) + " (was " + std::to_string(spec_before) + ")");
    }
    if (plan.path == sync_path::scaling_event && spec_after > bound && replicas_ > 0) {
      fail("surge: a scaling event left " + std::to_string(spec_after) + " > " + std::to_string(bound));
    }
    // Availability.
    const int floor = replicas_ - b.unavailable;
    if (plan.path == sync_path::rollout) {
      const int after = available_once_reconciled();
      if (after < std::min(floor, available_before)) {
        fail("availability: " + std::to_string(after) + " available once the scale-downs land, below min(" +
             std::to_string(floor) + ", " + std::to_string(available_before) + ")");
      }
    }
    if (plan.path == sync_path::scaling_event && replicas_ > replicas_before) {
      for (const auto& action : plan.actions) {
        if (const auto* s = std::get_if<scale_replica_set>(&action); s && s->to < s->from) {
          fail("a scaling event that grows shrank " + s->name);
        }
      }
    }
  }

  // --- events ------------------------------------------------------------------------------------
  void step() {
    const int e = pick(0, 99);
    if (e < 35) {
      sync();
      if (pick(0, 9) < 7) reconcile_all();
    } else if (e < 50) {
      reconcile_all();
    } else if (e < 62) {
      const int dt = pick(0, 4) == 0 ? pick(60, 7200) : pick(1, 15);
      now_ += dt;
      log("clock +" + std::to_string(dt) + "s");
    } else if (e < 68) {
      templates_.push_back({pick(0, 3) > 0, pick(0, 20)});
      tmpl_ = static_cast<int>(templates_.size()) - 1;
      log("template -> t" + std::to_string(tmpl_) + (templates_.back().starts ? "" : " (pods never start)"));
    } else if (e < 71) {
      if (templates_.size() > 1) {
        tmpl_ = pick(0, static_cast<int>(templates_.size()) - 1);
        log("undo: template -> t" + std::to_string(tmpl_));
      }
    } else if (e < 78) {
      replicas_ = pick(0, 4) == 0 ? 0 : pick(1, 10);
      log("replicas -> " + std::to_string(replicas_));
    } else if (e < 84) {
      crash();
    } else if (e < 88) {
      paused_ = !paused_;
      log(paused_ ? "pause" : "resume");
    } else if (e < 93) {
      if (!abort_ && stable_ && *stable_ != tmpl_) {
        abort_ = true;
        abort_tmpl_ = tmpl_;
        log("abort (roll back to t" + std::to_string(*stable_) + ")");
      } else if (abort_) {
        abort_ = false;
        log("retry");
      }
    } else {
      // Controller down: no syncs for a while; the world moves on; the next sync lists afresh.
      const int dt = pick(5, 600);
      now_ += dt;
      reconcile_all();
      if (pick(0, 1) == 0) crash();
      log("controller restart after " + std::to_string(dt) + "s down");
    }
  }

  void reconcile_all() {
    for (auto& [_, rs] : rss_) reconcile_pods(rs);
  }

  void crash() {
    std::vector<pod*> up;
    for (auto& [_, rs] : rss_) {
      for (auto& p : rs.pods) {
        if (p.available_at <= now_) up.push_back(&p);
      }
    }
    if (up.empty()) return;
    auto* p = up[static_cast<std::size_t>(pick(0, static_cast<int>(up.size()) - 1))];
    const bool recovers = pick(0, 2) > 0;
    p->available_at = recovers ? now_ + pick(1, 120) : never;
    log(std::string("a pod crashes") + (recovers ? " (restarts)" : " (for good)"));
  }

  // The events stop: a template whose pods start (or an abort back to a stable one), unpaused;
  // pods that crashed for good are replaced by hand (deleted; the ReplicaSet makes new ones).
  void settle() {
    paused_ = false;
    const bool keep_abort = abort_ && abort_tmpl_ == tmpl_ && stable_ && *stable_ != tmpl_ &&
                            rss_.count(name_of(*stable_)) > 0 &&
                            templates_[static_cast<std::size_t>(*stable_)].starts;
    if (!keep_abort) {
      abort_ = false;
      if (!templates_[static_cast<std::size_t>(tmpl_)].starts) {
        templates_.push_back({true, pick(0, 20)});
        tmpl_ = static_cast<int>(templates_.size()) - 1;
        log("settle: template -> t" + std::to_string(tmpl_));
      }
    }
    const int goal = keep_abort ? *stable_ : tmpl_;
    log(std::string("settle") + (keep_abort ? " (aborted)" : "") + " towards t" + std::to_string(goal));
    ++reached[keep_abort ? "runs converging on the stable template (aborted)"
                         : "runs converging on the template"];
    for (auto& [_, rs] : rss_) {
      std::erase_if(rs.pods, [](const pod& p) { return p.available_at == never; });
    }
    for (int i = 0; i < 200 && !failed(); ++i) {
      sync();
      reconcile_all();
      now_ += 60;
      if (converged(goal)) return;
    }
    if (!failed())
      fail("did not converge to " + std::to_string(replicas_) + " available pods of t" +
           std::to_string(goal));
  }

  [[nodiscard]] bool converged(int goal) const {
    for (const auto& [_, rs] : rss_) {
      if (rs.tmpl == goal) {
        if (rs.spec != replicas_ || static_cast<int>(rs.pods.size()) != replicas_ ||
            available(rs) != replicas_)
          return false;
      } else if (rs.spec != 0 || !rs.pods.empty()) {
        return false;
      }
    }
    return replicas_ == 0 || rss_.count(name_of(goal)) > 0;
  }

  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::int64_t now_ = 0;
  int replicas_ = 1;
  int last_replicas_ = 1;
  int_or_percent surge_{}, unavailable_{};
  std::optional<std::int32_t> history_limit_{};
  bool paused_ = false;
  int tmpl_ = 0;
  bool abort_ = false;
  int abort_tmpl_ = 0;
  std::optional<int> stable_{};
  std::vector<template_kind> templates_;
  std::map<std::string, replica_set> rss_;
  previous_status previous_{};
  std::vector<std::string> events_;
  std::string failure_;
};

TEST(RollingRandom, InvariantsHoldAndEveryRunConverges) {
  const auto single = std::getenv("ROLLOUTD_RANDOM_SEED");
  const std::uint64_t first = env_or("ROLLOUTD_RANDOM_SEED", 1);
  const std::uint64_t runs = env_or("ROLLOUTD_RANDOM_RUNS", single != nullptr ? 1 : 3000);
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t syncs = 0;
  std::map<std::string, int> reached;
  int failures = 0;
  for (std::uint64_t seed = first; seed < first + runs && failures < 3; ++seed) {
    world w(seed);
    w.run(60);
    syncs += static_cast<std::uint64_t>(w.syncs);
    for (const auto& [what, n] : w.reached) reached[what] += n;
    if (w.failed()) {
      ++failures;
      ADD_FAILURE() << w.report();
    }
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
          .count();
  std::cout << "[ " << runs << " runs from seed " << first << ", " << syncs << " syncs, " << ms << " ms ]\n";
  for (const auto& [what, n] : reached) std::cout << "[ " << what << ": " << n << " ]\n";
  if (runs >= 1000) {
    for (const char* what : {"paused syncs", "scaling-event syncs", "rollout syncs", "rollback syncs",
                             "syncs writing several ReplicaSets", "runs converging on the template",
                             "runs converging on the stable template (aborted)"}) {
      EXPECT_GT(reached[what], 0) << what;
    }
  }
}

}  // namespace
}  // namespace rolloutd::strategy
