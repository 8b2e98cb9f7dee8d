#pragma once

// Test helpers for the rolling planner: ReplicaSet fixtures, a readable form of actions, and a
// small simulated cluster that applies plans so a rollout can be driven from start to finish.

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "strategy/rolling.hpp"

namespace rolloutd::strategy::rolling_sim {

using std::chrono::hours;
using std::chrono::system_clock;

constexpr auto pct = int_or_percent::percentage;
constexpr auto num = int_or_percent::count;

inline const system_clock::time_point epoch{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};

// A ReplicaSet whose pods all exist; `available` of them are available (and ready).
inline replica_set_state rs(std::string name, std::int64_t revision, int created_hour, std::int32_t replicas,
                            std::int32_t available, std::optional<std::int32_t> desired = std::nullopt,
                            std::optional<std::int32_t> max = std::nullopt) {
  replica_set_state s;
  s.name = std::move(name);
  s.revision = revision;
  s.created = epoch + hours(created_hour);
  s.spec_replicas = replicas;
  s.status_replicas = replicas;
  s.ready_replicas = available;
  s.available_replicas = available;
  s.desired_replicas = desired;
  s.max_replicas = max;
  return s;
}

inline std::string describe(const replica_set_action& action) {
  std::ostringstream out;
  std::visit(
      [&](const auto& a) {
        using type = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<type, create_replica_set>) {
          out << "create " << a.name << " " << a.replicas << " rev " << a.revision;
        } else if constexpr (std::is_same_v<type, scale_replica_set>) {
          out << "scale " << a.name << " " << a.from << "->" << a.to;
          if (a.revision) out << " rev " << *a.revision;
          if (a.revision_history) out << " history " << *a.revision_history;
        } else if constexpr (std::is_same_v<type, annotate_replica_set>) {
          out << "annotate " << a.name;
          if (a.annotations)
            out << " desired " << a.annotations->desired_replicas << " max " << a.annotations->max_replicas;
          if (a.revision) out << " rev " << *a.revision;
          if (a.revision_history) out << " history " << *a.revision_history;
        } else {
          out << "delete " << a.name;
        }
      },
      action);
  return out.str();
}

inline std::vector<std::string> describe(const std::vector<replica_set_action>& actions) {
  std::vector<std::string> out;
  for (const auto& a : actions) out.push_back(describe(a));
  return out;
}

inline rolling_plan plan_ok(const rolling_input& in) {
  auto result = plan_rolling(in);
  EXPECT_TRUE(result.ok()) << result.error;
  return result.plan;
}

// A stand-in for the API server and the ReplicaSet controller: applies a plan's writes, then lets
// the ReplicaSets converge on their spec (scale-downs remove unavailable pods first, as the
// ReplicaSet controller's pod ranking does; new pods start unavailable).
class cluster {
 public:
  explicit cluster(rolling_input in) : in_(std::move(in)) {}

  rolling_input& input() { return in_; }

  void apply(const rolling_plan& plan) {
    for (const auto& action : plan.actions) std::visit([&](const auto& a) { apply_one(a); }, action);
    for (auto* s : all()) {
      s->status_replicas = s->spec_replicas;
      s->available_replicas = std::min(s->available_replicas, s->spec_replicas);
      s->ready_replicas = s->available_replicas;
    }
    in_.previous = {plan.counts, true};  // the status the reconciler writes after this sync
  }

  // Every pod that exists becomes available; says whether any was not.
  bool everything_available() {
    bool changed = false;
    for (auto* s : all()) {
      changed = changed || s->available_replicas != s->status_replicas;
      s->available_replicas = s->ready_replicas = s->status_replicas;
    }
    return changed;
  }

  [[nodiscard]] std::pair<int, int> sizes() const {  // (old spec total, new spec)
    int old = 0;
    for (const auto& s : in_.old_replica_sets) old += s.spec_replicas;
    return {old, in_.new_replica_set ? in_.new_replica_set->spec_replicas : 0};
  }

  [[nodiscard]] int available() const {
    int sum = in_.new_replica_set ? in_.new_replica_set->available_replicas : 0;
    for (const auto& s : in_.old_replica_sets) sum += s.available_replicas;
    return sum;
  }

  // A new template: the current ReplicaSet joins the old ones and `name` becomes the one to create.
  void change_template(const std::string& name) {
    if (in_.new_replica_set)
      in_.old_replica_sets.push_back(*std::exchange(in_.new_replica_set, std::nullopt));
    in_.new_replica_set_name = name;
  }

 private:
  std::vector<replica_set_state*> all() {
    std::vector<replica_set_state*> out;
    for (auto& s : in_.old_replica_sets) out.push_back(&s);
    if (in_.new_replica_set) out.push_back(&*in_.new_replica_set);
    return out;
  }
  replica_set_state& find(const std::string& name) {
    for (auto* s : all()) {
      if (s->name == name) return *s;
    }
    throw std::logic_error("no ReplicaSet " + name);  // a planner bug, not an expected error
  }
  void apply_one(const create_replica_set& a) {
    replica_set_state s;
    s.name = a.name;
    s.revision = a.revision;
    s.created = epoch + hours(1000);
    s.spec_replicas = a.replicas;
    s.desired_replicas = a.annotations.desired_replicas;
    s.max_replicas = a.annotations.max_replicas;
    in_.new_replica_set = s;
  }
  void apply_one(const scale_replica_set& a) {
    auto& s = find(a.name);
    EXPECT_EQ(s.spec_replicas, a.from) << a.name;
    s.spec_replicas = a.to;
    s.desired_replicas = a.annotations.desired_replicas;
    s.max_replicas = a.annotations.max_replicas;
    if (a.revision) s.revision = *a.revision;
    if (a.revision_history) s.revision_history = *a.revision_history;
  }
  void apply_one(const annotate_replica_set& a) {
    auto& s = find(a.name);
    if (a.annotations) {
      s.desired_replicas = a.annotations->desired_replicas;
      s.max_replicas = a.annotations->max_replicas;
    }
    if (a.revision) s.revision = *a.revision;
    if (a.revision_history) s.revision_history = *a.revision_history;
  }
  void apply_one(const delete_replica_set& a) {
    std::erase_if(in_.old_replica_sets, [&](const auto& s) { return s.name == a.name; });
  }

  rolling_input in_;
};

using sizes_t = std::vector<std::pair<int, int>>;

// Plans and applies until nothing more happens, recording (old, new) after every sync that wrote
// something. After each sync, availability must not have dropped below replicas - maxUnavailable
// (or below what it was, when a scale-up raised the floor before the new pods could start).
inline sizes_t drive(cluster& c, bool pods_become_available = true, int max_syncs = 60) {
  sizes_t seen{c.sizes()};
  bool pods_changed = true;
  for (int sync = 0; sync < max_syncs; ++sync) {
    const int before = c.available();
    const auto plan = plan_ok(c.input());
    c.apply(plan);
    const int floor = c.input().replicas - plan.limits.max_unavailable;
    EXPECT_GE(c.available(), std::min(floor, before)) << "availability broken by sync " << sync << " at ("
                                                      << c.sizes().first << "," << c.sizes().second << ")";
    if (c.sizes() != seen.back()) seen.push_back(c.sizes());
    if (plan.actions.empty() && (plan.complete || !pods_changed)) return seen;
    pods_changed = pods_become_available && c.everything_available();
  }
  ADD_FAILURE() << "the rollout did not settle within " << max_syncs << " syncs";
  return seen;
}

// A policy at `replicas` fully running revision 1 whose template just changed.
inline cluster fresh_rollout(std::int32_t replicas, int_or_percent surge, int_or_percent unavailable) {
  rolling_input in;
  in.replicas = replicas;
  in.max_surge = surge;
  in.max_unavailable = unavailable;
  in.old_replica_sets = {rs("hello-v1", 1, 0, replicas, replicas, replicas)};
  in.new_replica_set_name = "hello-v2";
  in.previous = {{replicas, 0, replicas, replicas, 0}, true};
  return cluster(std::move(in));
}

}  // namespace rolloutd::strategy::rolling_sim

namespace rolloutd::strategy {

// Readable gtest failure messages for actions.
inline void PrintTo(const create_replica_set& a, std::ostream* os) {
  *os << rolling_sim::describe(a) << " {" << a.event << "}";
}
inline void PrintTo(const scale_replica_set& a, std::ostream* os) {
  *os << rolling_sim::describe(a) << " {" << a.event << "}";
}

}  // namespace rolloutd::strategy
