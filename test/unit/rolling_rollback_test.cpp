// The rolling planner's abort path (rolling_input::roll_back_to): the stable ReplicaSet grows back
// and the aborted one shrinks through the rollout's own arithmetic, never below
// replicas - maxUnavailable available pods, with no revision or history writes.

#include <gtest/gtest.h>

#include "rolling_sim.hpp"
#include "strategy/rolling.hpp"

namespace rolloutd::strategy {
namespace {

using namespace rolling_sim;  // NOLINT(google-build-using-namespace): this test's own helpers

replica_set_state* find(rolling_input& in, const std::string& name) {
  if (in.new_replica_set && in.new_replica_set->name == name) return &*in.new_replica_set;
  for (auto& rs : in.old_replica_sets) {
    if (rs.name == name) return &rs;
  }
  return nullptr;
}

// Plans and applies until nothing moves; only the pods of `healthy` become available. Returns the
// sizes (stable, aborted) after each sync that wrote, and checks the availability floor throughout.
std::vector<std::pair<int, int>> drive_rollback(cluster& c, const std::string& healthy) {
  auto sizes = [&] {
    return std::pair<int, int>{find(c.input(), "hello-v1")->spec_replicas,
                               c.input().new_replica_set ? c.input().new_replica_set->spec_replicas : 0};
  };
  std::vector<std::pair<int, int>> seen{sizes()};
  for (int sync = 0; sync < 60; ++sync) {
    const int before = c.available();
    const auto plan = plan_ok(c.input());
    for (const auto& a : plan.actions) {
      EXPECT_FALSE(std::holds_alternative<create_replica_set>(a)) << describe(a);
      EXPECT_FALSE(std::holds_alternative<delete_replica_set>(a)) << describe(a);
      if (const auto* annotate = std::get_if<annotate_replica_set>(&a)) {
        EXPECT_FALSE(annotate->revision);
      }
    }
    c.apply(plan);
    const int floor = c.input().replicas - plan.limits.max_unavailable;
    EXPECT_GE(c.available(), std::min(floor, before)) << "sync " << sync;
    if (sizes() != seen.back()) seen.push_back(sizes());
    auto* stable = find(c.input(), healthy);
    const bool pods_changed = stable->available_replicas != stable->status_replicas;
    stable->available_replicas = stable->ready_replicas = stable->status_replicas;
    if (plan.actions.empty() && !pods_changed) {
      EXPECT_TRUE(plan_ok(c.input()).rolled_back);
      return seen;
    }
  }
  ADD_FAILURE() << "the rollback did not settle";
  return seen;
}

TEST(RollingRollback, ReturnsToStableWhenTheNewPodsNeverBecomeAvailable) {
  // 4 replicas, surge 1, unavailable 1: the release stalls at (3, 2) with no new pod available.
  auto c = fresh_rollout(4, num(1), num(1));
  EXPECT_EQ(drive(c, false), (sizes_t{{4, 0}, {3, 1}, {3, 2}}));
  c.input().roll_back_to = "hello-v1";
  // The total is at replicas + surge, so the stable set cannot grow yet; the unavailable new pods
  // go first (they cost no availability), then the stable set regrows.
  EXPECT_EQ(drive_rollback(c, "hello-v1"), (sizes_t{{3, 2}, {3, 0}, {4, 0}}));
  const auto plan = plan_ok(c.input());
  EXPECT_EQ(plan.revision, 2);  // still the template's revision: the spec is untouched
  EXPECT_EQ(plan.new_replica_set, "hello-v2");
  EXPECT_EQ(plan.counts, (rollout_counts{4, 0, 4, 4, 0}));
  EXPECT_FALSE(plan.complete);
}

TEST(RollingRollback, MidRolloutAbortWalksBackWithinTheLimits) {
  // 10 replicas at 25%/25% (surge 3, unavailable 2), aborted at (8, 5) with every pod available.
  auto c = fresh_rollout(10, pct(25), pct(25));
  auto plan = plan_ok(c.input());  // create v2 at 3, v1 to 8
  c.apply(plan);
  c.everything_available();
  plan = plan_ok(c.input());  // v2 to 5
  c.apply(plan);
  c.everything_available();
  ASSERT_EQ(c.sizes(), (std::pair<int, int>{8, 5}));
  c.input().roll_back_to = "hello-v1";
  // v1 may only grow to 13 pods in total; v2 shrinks only while 8 stay available.
  EXPECT_EQ(drive_rollback(c, "hello-v1"), (sizes_t{{8, 5}, {8, 0}, {10, 0}}));
}

TEST(RollingRollback, AbortOverridesPauseAndScalesProportionally) {
  auto c = fresh_rollout(4, num(1), num(1));
  drive(c, false);  // stalled at (3, 2)
  c.input().paused = true;
  c.input().roll_back_to = "hello-v1";
  EXPECT_EQ(describe(plan_ok(c.input()).actions), (std::vector<std::string>{"scale hello-v2 2->0"}));

  // A scaling event during the rollback scales both in proportion, as during a rollout: 3 and 2
  // of a 5-pod base become 5 and 4 of 8 + 1.
  c.input().replicas = 8;
  auto plan = plan_ok(c.input());
  EXPECT_EQ(plan.path, sync_path::scaling_event);
  c.apply(plan);
  EXPECT_EQ(find(c.input(), "hello-v1")->spec_replicas, 5);
  EXPECT_EQ(c.input().new_replica_set->spec_replicas, 4);
  EXPECT_EQ(drive_rollback(c, "hello-v1").back(), (std::pair<int, int>{8, 0}));
}

TEST(RollingRollback, WithoutANewReplicaSetOnlyTheStableOneIsSized) {
  rolling_input in;
  in.replicas = 3;
  in.max_surge = num(1);
  in.max_unavailable = num(0);
  in.old_replica_sets = {rs("hello-v1", 1, 0, 2, 2, 3, 4)};
  in.new_replica_set_name = "hello-v2";
  in.roll_back_to = "hello-v1";
  auto plan = plan_ok(in);
  EXPECT_EQ(describe(plan.actions), (std::vector<std::string>{"scale hello-v1 2->3"}));
  EXPECT_EQ(plan.counts.updated, 0);
  EXPECT_FALSE(plan.rolled_back);
  in.old_replica_sets = {rs("hello-v1", 1, 0, 3, 3, 3, 4)};
  plan = plan_ok(in);
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_TRUE(plan.rolled_back);
}

TEST(RollingRollback, UnknownTargetIsAnError) {
  auto c = fresh_rollout(3, num(1), num(0));
  c.input().roll_back_to = "hello-v0";
  EXPECT_FALSE(plan_rolling(c.input()).ok());
  c.input().roll_back_to = "hello-v2";  // the new one is not a target either
  EXPECT_FALSE(plan_rolling(c.input()).ok());
}

}  // namespace
}  // namespace rolloutd::strategy
