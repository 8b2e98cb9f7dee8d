// Two defects the randomised simulation (rolling_random_test.cpp) found in the rolling planner,
// both inherited from the Deployment controller's algorithm, each kept here as the smallest case.

#include <gtest/gtest.h>

#include "rolling_sim.hpp"
#include "strategy/rolling.hpp"

namespace rolloutd::strategy {
namespace {

using namespace rolling_sim;  // NOLINT(google-build-using-namespace): this test's own helpers

TEST(RollingConvergence, StaleAnnotationsOnTheOnlyActiveReplicaSetDoNotHoldARolloutForever) {
  // Found as seed 72: mid-rollout (replicas 3) the old ReplicaSet is at 2 and the template changes
  // again, so the new one is created at 0; then spec.replicas goes to 2 (through 1, with no sync in
  // between). The only active ReplicaSet already has 2 pods but says desired-replicas 3: every sync
  // is a scaling event, the Deployment controller's scale() has nothing to resize and writes
  // nothing, and the new template never rolls out. Writing the annotations (the size is right)
  // ends the scaling event, and the rollout proceeds.
  rolling_input in;
  in.replicas = 2;
  in.max_surge = pct(25);
  in.max_unavailable = num(1);
  in.old_replica_sets = {rs("hello-v1", 1, 0, 2, 2, 3, 4), rs("hello-v2", 2, 1, 0, 0, 3, 4)};
  in.new_replica_set = rs("hello-v3", 3, 2, 0, 0, 3, 4);
  in.previous = {{2, 0, 2, 2, 0}, true};
  auto c = cluster(in);
  const auto first = plan_ok(c.input());
  EXPECT_EQ(first.path, sync_path::scaling_event);
  EXPECT_EQ(describe(first.actions), (std::vector<std::string>{"annotate hello-v1 desired 2 max 3"}));
  drive(c);
  EXPECT_EQ(c.sizes(), (std::pair<int, int>{0, 2}));
  EXPECT_TRUE(plan_ok(c.input()).complete);
}

TEST(RollingConvergence, PodsAboveTheirReplicaSetsSpecDoNotCountAsAvailable) {
  // Found as seed 281: a scaling event shrank the new ReplicaSet 6 -> 2, and the next sync ran
  // before the ReplicaSet controller removed the 4 extra pods, so status.availableReplicas still
  // said 6. Counting them (as the Deployment controller does) let the sync remove every old pod:
  // once the extra pods went, 2 were available where replicas 4 - maxUnavailable 1 = 3 must be.
  // A ReplicaSet's available pods count only up to its spec.replicas.
  rolling_input in;
  in.replicas = 4;
  in.max_surge = pct(25);
  in.max_unavailable = pct(25);
  in.old_replica_sets = {rs("hello-v1", 1, 0, 2, 2, 4, 5), rs("hello-v2", 2, 1, 1, 1, 4, 5)};
  in.new_replica_set = rs("hello-v3", 3, 2, 2, 6, 4, 5);
  in.new_replica_set->status_replicas = 6;
  const auto plan = plan_ok(in);
  EXPECT_EQ(describe(plan.actions), (std::vector<std::string>{"scale hello-v1 2->0"}));
  // What stays available once every ReplicaSet has only its spec's pods: 2 new + 1 old = 3.
  int old_left = 0;
  for (const auto& s : in.old_replica_sets) old_left += s.spec_replicas;
  for (const auto& a : plan.actions) {
    if (const auto* s = std::get_if<scale_replica_set>(&a)) old_left -= s->from - s->to;
  }
  EXPECT_GE(2 + old_left, 3);
}

TEST(RollingConvergence, AScalingEventDownEndsWithinTheSurge) {
  // Found as seed 47088: four ReplicaSets of 2 (last scaled for 7 replicas + 1 surge) and
  // spec.replicas goes to 1, so 2 pods may run. Each share rounds 2 x 2 / 8 = 0.5 up to 1, which
  // leaves 2 more to remove; Kubernetes gives that leftover to the largest ReplicaSet only and stops
  // at 0, so 3 pods remain above the 2 allowed (until later rollout steps happen to remove them).
  // What the first ReplicaSet cannot give up is taken from the next ones.
  rolling_input in;
  in.replicas = 1;
  in.max_surge = num(1);
  in.max_unavailable = num(0);
  in.old_replica_sets = {rs("v0", 1, 0, 2, 2, 7, 8), rs("v1", 2, 1, 2, 2, 7, 8), rs("v2", 3, 2, 2, 2, 7, 8)};
  in.new_replica_set = rs("v3", 4, 3, 2, 2, 7, 8);
  in.previous = {{8, 2, 8, 8, 0}, true};
  auto c = cluster(in);
  const auto plan = plan_ok(c.input());
  EXPECT_EQ(plan.path, sync_path::scaling_event);
  c.apply(plan);
  const auto [old_total, new_size] = c.sizes();
  EXPECT_EQ(old_total + new_size, 2) << ::testing::PrintToString(describe(plan.actions));
}

}  // namespace
}  // namespace rolloutd::strategy
