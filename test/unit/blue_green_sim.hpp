#pragma once

// A small simulated cluster for the blue/green planner: ReplicaSets whose pods become available
// when told to converge (unless their revision is marked never-ready), the active and preview
// Services, and a RolloutPolicy whose status is written by blue_green_status, so a release can be
// driven from start to finish through the same translation the reconciler uses. Every sync checks
// the strategy's safety rule: the active Service is only switched to a revision at (at least) full
// size with `replicas` pods available.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "reconcile/blue_green_input.hpp"
#include "reconcile/blue_green_status.hpp"
#include "strategy/blue_green.hpp"

namespace rolloutd::blue_green_sim {

using namespace std::chrono_literals;
using strategy::blue_green_plan;
using strategy::blue_green_stage;
using strategy::replica_set_state;
using wall_time = std::chrono::system_clock::time_point;

inline const wall_time epoch{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + 12h};

struct cluster {
  api::rollout_policy policy;
  std::string hash = "v1";  // the policy's current template, by its hash
  std::vector<replica_set_state> replica_sets;
  std::set<std::string> never_ready;
  strategy::service_state active{true, ""};
  strategy::service_state preview{true, ""};
  wall_time now = epoch;
  int created = 0;
  std::vector<reconcile::event_note> events;
  reconcile::status_decision last_status;

  explicit cluster(std::int32_t replicas = 3) {
    policy.metadata.namespace_name = "ns";
    policy.metadata.name = "hello";
    policy.metadata.generation = 1;
    policy.spec.replicas = replicas;
    policy.spec.selector.match_labels = {{"app", "hello"}};
    policy.spec.progress_deadline_seconds = 600;
    api::blue_green_strategy bg;
    bg.active_service = "hello";
    bg.preview_service = "hello-preview";
    bg.auto_promotion_enabled = false;
    policy.spec.strategy = bg;
  }

  api::blue_green_strategy& bg() { return std::get<api::blue_green_strategy>(policy.spec.strategy); }

  replica_set_state* find(const std::string& hash) {
    auto it = std::find_if(replica_sets.begin(), replica_sets.end(),
                           [&](const replica_set_state& rs) { return rs.hash == hash; });
    return it == replica_sets.end() ? nullptr : &*it;
  }
  std::int32_t size(const std::string& hash) {
    const auto* rs = find(hash);
    return rs != nullptr ? rs->spec_replicas : -1;
  }

  [[nodiscard]] strategy::blue_green_input input() const {
    reconcile::blue_green_observed o;
    o.hash = hash;
    o.new_replica_set_name = "hello-" + hash;
    for (const auto& rs : replica_sets) {
      if (rs.hash == hash) {
        o.new_replica_set = rs;
      } else {
        o.old_replica_sets.push_back(rs);
      }
    }
    o.active = active;
    o.preview = preview;
    return reconcile::make_blue_green_input(policy, std::get<api::blue_green_strategy>(policy.spec.strategy),
                                            std::move(o), now);
  }

  // One reconcile: plan, write (Services first, then ReplicaSets, as the executor does), record status.
  blue_green_plan sync() {
    const auto in = input();
    auto result = strategy::plan_blue_green(in);
    EXPECT_TRUE(result.ok()) << result.error;
    auto plan = result.plan;
    if (!plan.active_hash.empty() && plan.active_hash != active.selected_hash && active.exists) {
      const auto* target = find(plan.active_hash);
      EXPECT_NE(target, nullptr) << "active switched to a revision with no ReplicaSet";
      if (target != nullptr) {
        // At least: a switch may come with green's scale-down to a smaller spec.replicas, the
        // ReplicaSet removing its unavailable pods first.
        EXPECT_GE(target->spec_replicas, policy.spec.replicas) << "active switched to " << plan.active_hash;
        EXPECT_GE(target->available_replicas, policy.spec.replicas)
            << "active switched to " << plan.active_hash;
      }
      active.selected_hash = plan.active_hash;
    }
    if (!plan.preview_hash.empty() && preview.exists) preview.selected_hash = plan.preview_hash;
    for (const auto& action : plan.actions) apply(action);
    last_status = reconcile::blue_green_status(
        {policy, std::get<api::blue_green_strategy>(policy.spec.strategy), plan, hash, now});
    policy.status = last_status.status;
    events.insert(events.end(), last_status.events.begin(), last_status.events.end());
    return plan;
  }

  void apply(const strategy::replica_set_action& action) {
    if (const auto* c = std::get_if<strategy::create_replica_set>(&action)) {
      replica_set_state rs;
      rs.name = c->name;
      rs.hash = c->name.substr(std::string("hello-").size());
      rs.revision = c->revision;
      rs.created = epoch + std::chrono::seconds(++created);
      rs.spec_replicas = c->replicas;
      replica_sets.push_back(rs);
    } else if (const auto* s = std::get_if<strategy::scale_replica_set>(&action)) {
      auto* rs = by_name(s->name);
      ASSERT_NE(rs, nullptr);
      EXPECT_EQ(rs->spec_replicas, s->from);
      rs->spec_replicas = s->to;
      // Scaling down removes pods at once; scaling up adds pods that are not available yet.
      rs->status_replicas = std::min(rs->status_replicas, s->to);
      rs->available_replicas = std::min(rs->available_replicas, s->to);
      rs->ready_replicas = std::min(rs->ready_replicas, s->to);
    } else if (const auto* a = std::get_if<strategy::annotate_replica_set>(&action)) {
      auto* rs = by_name(a->name);
      ASSERT_NE(rs, nullptr);
      if (a->revision) rs->revision = *a->revision;
      if (a->revision_history) rs->revision_history = *a->revision_history;
      if (a->scale_down_deadline) rs->scale_down_deadline = a->scale_down_deadline;
      if (a->clear_scale_down_deadline) rs->scale_down_deadline.reset();
    } else {
      const auto& d = std::get<strategy::delete_replica_set>(action);
      std::erase_if(replica_sets, [&](const replica_set_state& rs) { return rs.name == d.name; });
    }
  }

  replica_set_state* by_name(const std::string& name) {
    auto it = std::find_if(replica_sets.begin(), replica_sets.end(),
                           [&](const replica_set_state& rs) { return rs.name == name; });
    return it == replica_sets.end() ? nullptr : &*it;
  }

  // The ReplicaSet controller catches up: every pod exists, and is available unless never-ready.
  void converge() {
    for (auto& rs : replica_sets) {
      rs.status_replicas = rs.spec_replicas;
      const std::int32_t ok = never_ready.contains(rs.hash) ? 0 : rs.spec_replicas;
      rs.ready_replicas = ok;
      rs.available_replicas = ok;
    }
  }

  blue_green_plan step() {
    auto plan = sync();
    converge();
    return plan;
  }

  // Syncs (converging after each) until nothing is written and nothing switches; returns the last plan.
  blue_green_plan settle(int max_steps = 20) {
    blue_green_plan plan;
    for (int i = 0; i < max_steps; ++i) {
      const auto before_active = active.selected_hash;
      plan = step();
      if (plan.actions.empty() && active.selected_hash == before_active) return plan;
    }
    ADD_FAILURE() << "did not settle in " << max_steps << " syncs";
    return plan;
  }

  void request(api::operation_type type) {
    policy.status.operation = api::operation_request{type, api::to_timestamp(now), "test"};
  }

  void update(std::string to) {
    hash = std::move(to);
    policy.metadata.generation += 1;
  }

  [[nodiscard]] bool has_event(std::string_view reason) const {
    return std::any_of(events.begin(), events.end(),
                       [&](const reconcile::event_note& e) { return e.reason == reason; });
  }

  // v1 deployed and active; the event log starts empty.
  static cluster deployed(std::int32_t replicas = 3) {
    cluster c(replicas);
    c.settle();
    EXPECT_EQ(c.active.selected_hash, "v1");
    EXPECT_EQ(c.policy.status.phase, api::rollout_phase::healthy);
    c.events.clear();
    return c;
  }
};

}  // namespace rolloutd::blue_green_sim
