#pragma once

// Test helpers for the canary planner: a small simulated cluster that applies plans the way the
// API server and the ReplicaSet controller would, records what the reconciler would write to
// status, and keeps a clock, so a canary can be driven through its steps from a test.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "strategy/canary.hpp"

namespace rolloutd::strategy::canary_sim {

using std::chrono::hours;
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr auto pct = int_or_percent::percentage;
constexpr auto num = int_or_percent::count;

inline const system_clock::time_point epoch{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};

// A ReplicaSet of revision `hash` whose pods all exist; `available` of them are available.
inline replica_set_state rs(const std::string& hash, std::int64_t revision, std::int32_t replicas,
                            std::int32_t available) {
  replica_set_state s;
  s.name = "hello-" + hash;
  s.hash = hash;
  s.revision = revision;
  s.created = epoch + hours(revision);
  s.spec_replicas = replicas;
  s.status_replicas = replicas;
  s.ready_replicas = available;
  s.available_replicas = available;
  return s;
}

// The issue's steps: setWeight 25, pause {}, setWeight 50, pause {duration: 10s}, setWeight 100.
inline std::vector<canary_step> issue_steps() {
  return {weight_step{25}, pause_step{}, weight_step{50}, pause_step{seconds(10)}, weight_step{100}};
}

class cluster {
 public:
  explicit cluster(canary_input in) : in_(std::move(in)) {
    if (in_.now == wall_time{}) in_.now = epoch + hours(100);
  }

  canary_input& input() { return in_; }
  [[nodiscard]] wall_time now() const { return in_.now; }
  void advance(system_clock::duration d) { in_.now += d; }
  void request(canary_operation op) {
    in_.operation = op;
    in_.operation_by = "kubectl-rp";
  }

  // Plans once, applies the plan and records the status the reconciler would write. Availability
  // must not drop below replicas - maxUnavailable (or below what it was, when it was lower).
  canary_plan sync() {
    const int before = available();
    auto result = plan_canary(in_);
    EXPECT_TRUE(result.ok()) << result.error;
    // Each write carries the resourceVersion the plan was made from: two to one ReplicaSet in one
    // sync would make the second a conflict.
    std::set<std::string> written;
    for (const auto& action : result.plan.actions) {
      const auto name = std::visit([](const auto& a) { return a.name; }, action);
      EXPECT_TRUE(written.insert(name).second) << "two writes to " << name << " in one sync";
    }
    apply(result.plan);
    const int floor = in_.replicas - result.plan.limits.max_unavailable;
    EXPECT_GE(available(), std::min(floor, before)) << "availability broken at " << describe_sizes();
    return std::move(result.plan);
  }

  void apply(const canary_plan& plan) {
    for (const auto& action : plan.actions) std::visit([&](const auto& a) { apply_one(a); }, action);
    for (auto* s : all()) {
      s->status_replicas = s->spec_replicas;
      s->available_replicas = std::min(s->available_replicas, s->spec_replicas);
      s->ready_replicas = s->available_replicas;
    }
    in_.memory = plan.memory;
    if (plan.operation_consumed) in_.operation.reset();
    // The reconcile writes each named Service's pin after the ReplicaSets; a pin makes it managed.
    auto pin = [](pinned_service& s, const std::string& hash) {
      if (!s.named) return;
      s.pinned_hash = hash;
      s.managed = s.managed || !hash.empty();
    };
    pin(in_.service, plan.service_hash);
    pin(in_.stable_service, plan.stable_service_hash);
    pin(in_.canary_service, plan.canary_service_hash);
  }

  // Names the user's Service, stableService and canaryService, as existing and not yet managed.
  void name_services() {
    in_.service = in_.stable_service = in_.canary_service = pinned_service{true, false, ""};
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

  // Syncs, letting pods become available in between, until a sync writes nothing and no pod is
  // left starting. Returns the plan of the last sync.
  canary_plan settle(int max_syncs = 40) {
    for (int i = 0; i < max_syncs; ++i) {
      auto plan = sync();
      const bool started = everything_available();
      if (plan.actions.empty() && !started) return plan;
    }
    ADD_FAILURE() << "did not settle within " << max_syncs << " syncs";
    return sync();
  }

  // A new template: the current ReplicaSet joins the old ones; one already running `hash` (a
  // return to an earlier revision) becomes the new one.
  void change_template(const std::string& hash) {
    if (in_.new_replica_set)
      in_.old_replica_sets.push_back(*std::exchange(in_.new_replica_set, std::nullopt));
    in_.hash = hash;
    in_.new_replica_set_name = "hello-" + hash;
    for (auto it = in_.old_replica_sets.begin(); it != in_.old_replica_sets.end(); ++it) {
      if (it->hash == hash) {
        in_.new_replica_set = *it;
        in_.old_replica_sets.erase(it);
        return;
      }
    }
  }

  [[nodiscard]] const replica_set_state* find(const std::string& hash) const {
    if (in_.new_replica_set && in_.new_replica_set->hash == hash) return &*in_.new_replica_set;
    for (const auto& s : in_.old_replica_sets) {
      if (s.hash == hash) return &s;
    }
    return nullptr;
  }

  [[nodiscard]] std::int32_t size(const std::string& hash) const {
    const auto* s = find(hash);
    return s ? s->spec_replicas : 0;
  }

  [[nodiscard]] int available() {
    int sum = 0;
    for (auto* s : all()) sum += s->available_replicas;
    return sum;
  }

  [[nodiscard]] std::string describe_sizes() {
    std::string out;
    for (auto* s : all()) out += s->hash + "=" + std::to_string(s->spec_replicas) + " ";
    return out;
  }

 private:
  std::vector<replica_set_state*> all() {
    std::vector<replica_set_state*> out;
    for (auto& s : in_.old_replica_sets) out.push_back(&s);
    if (in_.new_replica_set) out.push_back(&*in_.new_replica_set);
    return out;
  }
  replica_set_state& named(const std::string& name) {
    for (auto* s : all()) {
      if (s->name == name) return *s;
    }
    throw std::logic_error("no ReplicaSet " + name);  // a planner bug, not an expected error
  }
  void apply_one(const create_replica_set& a) {
    replica_set_state s;
    s.name = a.name;
    s.hash = in_.hash;
    s.revision = a.revision;
    s.created = in_.now;
    s.spec_replicas = a.replicas;
    s.desired_replicas = a.annotations.desired_replicas;
    s.max_replicas = a.annotations.max_replicas;
    in_.new_replica_set = s;
  }
  void apply_one(const scale_replica_set& a) {
    auto& s = named(a.name);
    EXPECT_EQ(s.spec_replicas, a.from) << a.name;
    s.spec_replicas = a.to;
    s.desired_replicas = a.annotations.desired_replicas;
    s.max_replicas = a.annotations.max_replicas;
  }
  void apply_one(const annotate_replica_set& a) {
    auto& s = named(a.name);
    if (a.revision) s.revision = *a.revision;
    if (a.revision_history) s.revision_history = *a.revision_history;
    if (a.scale_down_deadline) s.scale_down_deadline = std::chrono::floor<seconds>(*a.scale_down_deadline);
    if (a.clear_scale_down_deadline) s.scale_down_deadline.reset();
  }
  void apply_one(const delete_replica_set& a) {
    std::erase_if(in_.old_replica_sets, [&](const auto& s) { return s.name == a.name; });
  }

  canary_input in_;
};

// A policy at `replicas` whose stable revision v1 runs fully, with its template just changed to v2.
inline cluster canary_of_v2(std::int32_t replicas, std::vector<canary_step> steps = issue_steps(),
                            int_or_percent surge = pct(25), int_or_percent unavailable = pct(25)) {
  canary_input in;
  in.replicas = replicas;
  in.max_surge = surge;
  in.max_unavailable = unavailable;
  in.steps = std::move(steps);
  in.old_replica_sets = {rs("v1", 1, replicas, replicas)};
  in.memory.current_hash = "v1";
  in.memory.stable_hash = "v1";
  in.memory.step_index = static_cast<std::int32_t>(in.steps.size());
  cluster c(std::move(in));
  c.change_template("v2");
  return c;
}

// Whether any event has this reason.
inline bool has_event(const canary_plan& plan, std::string_view reason) {
  for (const auto& e : plan.events) {
    if (e.reason == reason) return true;
  }
  return false;
}

}  // namespace rolloutd::strategy::canary_sim
