#include "strategy/canary_weights.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace rolloutd::strategy {
namespace {

constexpr auto pct = int_or_percent::percentage;
constexpr auto num = int_or_percent::count;

TEST(CanaryWeights, SplitIsTheClosestWeightWithBothRevisionsRunning) {
  struct row {
    std::string_view name;
    std::int32_t replicas, weight, surge;
    canary_split want;
  };
  const row rows[] = {
      {"10 at 10%", 10, 10, 1, {1, 9}},
      // 0.6 canary pods: 1 of 3 is 33%, 1 of 4 (one surge pod) is 25%, closer to 20%.
      {"3 at 20%", 3, 20, 1, {1, 3}},
      {"3 at 20% without surge", 3, 20, 0, {1, 2}},
      // One pod cannot be split: a surge pod lets both revisions run, one each.
      {"1 at 50%", 1, 50, 1, {1, 1}},
      {"1 at 10%", 1, 10, 1, {1, 1}},
      {"1 at 90%", 1, 90, 1, {1, 1}},
      // No room for a second pod: the canary takes the only one rather than never running.
      {"1 at 50% without surge", 1, 50, 0, {1, 0}},
      {"100 at 1%", 100, 1, 25, {1, 99}},
      {"4 at 75%", 4, 75, 1, {3, 1}},
      {"4 at 25%", 4, 25, 1, {1, 3}},
      {"4 at 50%", 4, 50, 1, {2, 2}},
      // 3 at 50%: 1 or 2 of 3 are equally far; 2 of 4 is exact.
      {"3 at 50%", 3, 50, 1, {2, 2}},
      // Without surge the tie between 1 and 2 canary pods of 3 goes to the larger canary.
      {"3 at 50% without surge", 3, 50, 0, {2, 1}},
      // 10 at 15%: 2 of 10 (20%) and 1 of 10 (10%) are 5 off; 2 of 11 (18.2%) is closer.
      {"10 at 15%", 10, 15, 1, {2, 9}},
      {"10 at 15% without surge", 10, 15, 0, {2, 8}},
      // Never all canary for 1-99: 99% of 10 keeps one stable pod.
      {"10 at 99%", 10, 99, 1, {10, 1}},
      {"10 at 99% without surge", 10, 99, 0, {9, 1}},
      {"2 at 1%", 2, 1, 0, {1, 1}},
      {"weight 0", 5, 0, 1, {0, 5}},
      {"weight 100", 5, 100, 1, {5, 0}},
      {"no replicas", 0, 50, 1, {0, 0}},
      {"out of range weight is clamped", 5, 150, 1, {5, 0}},
      {"huge", 2147483647, 50, 1, {1073741824, 1073741823}},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(split_for_weight(r.replicas, r.weight, r.surge), r.want);
  }
}

TEST(CanaryWeights, EveryWeightFromOneTo99RunsBothRevisions) {
  for (std::int32_t replicas = 2; replicas <= 30; ++replicas) {
    for (std::int32_t weight = 1; weight <= 99; ++weight) {
      for (std::int32_t surge : {0, 1, 5}) {
        const auto s = split_for_weight(replicas, weight, surge);
        SCOPED_TRACE(std::to_string(replicas) + " at " + std::to_string(weight) + "% surge " +
                     std::to_string(surge));
        EXPECT_GE(s.canary, 1);
        EXPECT_GE(s.stable, 1);
        EXPECT_LE(s.canary + s.stable, replicas + (surge > 0 ? 1 : 0));
        EXPECT_GE(s.canary + s.stable, replicas);
      }
    }
  }
}

// One sync's sizes for the ReplicaSets, from a stable-only start unless stated.
struct sizing_row {
  std::string_view name;
  std::int32_t replicas;
  int_or_percent surge, unavailable;
  canary_split target;
  replica_count canary;
  std::optional<replica_count> stable;
  std::vector<replica_count> others;
  sizing want;
};

void check(const sizing_row& r) {
  SCOPED_TRACE(r.name);
  sizing_input in;
  in.replicas = r.replicas;
  in.limits = resolve_fenceposts(r.surge, r.unavailable, r.replicas);
  in.target = r.target;
  in.canary = r.canary;
  in.stable = r.stable;
  in.others = r.others;
  EXPECT_EQ(size_replica_sets(in), r.want);
}

TEST(CanaryWeights, FirstSyncTowardAWeight) {
  const sizing_row rows[] = {
      // The example: surge 1 / unavailable 1 allow one canary up and one stable down at once.
      {"10 at 10%, surge 1 unavailable 1",
       10,
       num(1),
       num(1),
       {1, 9},
       {0, 0},
       replica_count{10, 10},
       {},
       {1, 9, {}}},
      // surge 1, unavailable 0: the canary comes as the surge pod; the stable stays whole.
      {"3 at 20%", 3, pct(25), pct(25), {1, 3}, {0, 0}, replica_count{3, 3}, {}, {1, 3, {}}},
      {"1 at 50%", 1, pct(25), pct(25), {1, 1}, {0, 0}, replica_count{1, 1}, {}, {1, 1, {}}},
      {"100 at 1%", 100, pct(25), pct(25), {1, 99}, {0, 0}, replica_count{100, 100}, {}, {1, 99, {}}},
      // 4 at 75%: one stable pod may go (unavailable 1), so two canary pods fit (surge 1).
      {"4 at 75%", 4, pct(25), pct(25), {3, 1}, {0, 0}, replica_count{4, 4}, {}, {2, 3, {}}},
      // Without surge the canary only gets the room the stable frees.
      {"10 at 30%, surge 0 unavailable 2",
       10,
       num(0),
       num(2),
       {3, 7},
       {0, 0},
       replica_count{10, 10},
       {},
       {2, 8, {}}},
      // Without unavailability the stable waits for canary pods to be available.
      {"10 at 30%, surge 3 unavailable 0",
       10,
       num(3),
       num(0),
       {3, 7},
       {0, 0},
       replica_count{10, 10},
       {},
       {3, 10, {}}},
  };
  for (const auto& r : rows) check(r);
}

TEST(CanaryWeights, FollowingSyncs) {
  const sizing_row rows[] = {
      {"4 at 75%, canary pods starting: nothing may go",
       4,
       pct(25),
       pct(25),
       {3, 1},
       {2, 0},
       replica_count{3, 3},
       {},
       {2, 3, {}}},
      {"4 at 75%, canary pods available",
       4,
       pct(25),
       pct(25),
       {3, 1},
       {2, 2},
       replica_count{3, 3},
       {},
       {3, 1, {}}},
      {"4 at 75%, reached", 4, pct(25), pct(25), {3, 1}, {3, 3}, replica_count{1, 1}, {}, {3, 1, {}}},
      // The weight rose from 25% to 50% while the first canary pod is still starting: the stable
      // keeps its 3 (only 3 pods are available, the floor), the canary takes the surge pod.
      {"25% to 50% while starting", 4, pct(25), pct(25), {2, 2}, {1, 0}, replica_count{3, 3}, {}, {2, 3, {}}},
      {"25% to 50%, started", 4, pct(25), pct(25), {2, 2}, {2, 2}, replica_count{3, 3}, {}, {2, 2, {}}},
      // The weight fell (50% to 25%) while canary pods are starting: not-available canary pods
      // cost nothing to remove, and the stable grows back into the room.
      {"50% to 25% while starting", 4, pct(25), pct(25), {1, 3}, {2, 0}, replica_count{2, 2}, {}, {1, 3, {}}},
      // Unavailable stable pods go first when the stable shrinks (they would hold the step).
      {"crashing stable pods", 4, pct(25), pct(25), {2, 2}, {1, 1}, replica_count{3, 1}, {}, {2, 2, {}}},
      // A scale-down still in flight: the stable reports more available pods than its spec keeps.
      {"scale-down in flight", 4, pct(25), pct(25), {2, 2}, {2, 0}, replica_count{2, 3}, {}, {2, 2, {}}},
  };
  for (const auto& r : rows) check(r);
}

TEST(CanaryWeights, OlderReplicaSetsDrainFirst) {
  const sizing_row rows[] = {
      // v3 replaces a v2 canary (2 pods) over stable v1 (2 pods): v2 gives up what availability
      // allows; stable and the new canary grow into the room, neither shrinks while v2 runs.
      {"replaced canary", 4, pct(25), pct(25), {1, 3}, {0, 0}, replica_count{2, 2}, {{2, 2}}, {1, 3, {1}}},
      {"replaced canary, second sync",
       4,
       pct(25),
       pct(25),
       {1, 3},
       {1, 1},
       replica_count{3, 3},
       {{1, 1}},
       {1, 3, {0}}},
      // Unavailable older pods go at once; available ones only within the budget; oldest first.
      {"unhealthy older pods",
       4,
       pct(25),
       pct(25),
       {1, 3},
       {0, 0},
       replica_count{3, 3},
       {{1, 0}, {2, 1}},
       {1, 3, {0, 0}}},
      // One budget for all: 6 available, 3 must stay, so only 3 of the 4 older pods may go.
      {"shared budget",
       4,
       pct(25),
       pct(25),
       {1, 3},
       {0, 0},
       replica_count{2, 2},
       {{2, 2}, {2, 2}},
       {1, 3, {0, 1}}},
      {"stable would shrink but waits",
       4,
       pct(25),
       pct(25),
       {2, 2},
       {2, 2},
       replica_count{3, 3},
       {{1, 1}},
       {2, 3, {0}}},
      // Back to stable (the template is stable again): the canary is an older ReplicaSet now.
      {"back to stable", 4, pct(25), pct(25), {4, 0}, {2, 2}, std::nullopt, {{2, 2}}, {4, 0, {1}}},
  };
  for (const auto& r : rows) check(r);
}

TEST(CanaryWeights, KeptReplicaSetsHoldTheirPodsButCountAgainstTheSurge) {
  sizing_input in;
  in.replicas = 4;
  in.limits = {1, 1};
  in.target = {4, 0};
  in.canary = {4, 4};
  in.others = {{1, 1}, {2, 2}};
  in.keep = {true, false};
  EXPECT_EQ(size_replica_sets(in), (sizing{4, 0, {1, 0}}));
}

TEST(CanaryWeights, AnExplicitTotalLetsTheCanaryGrowBesideAWholeStable) {
  sizing_input in;
  in.replicas = 4;
  in.limits = {1, 1};
  in.target = {3, 4};
  in.canary = {0, 0};
  in.stable = replica_count{4, 4};
  EXPECT_EQ(size_replica_sets(in), (sizing{1, 4, {}}));
  in.max_total = 7;
  EXPECT_EQ(size_replica_sets(in), (sizing{3, 4, {}}));
}

TEST(CanaryWeights, ZeroReplicasEmptiesEverything) {
  sizing_input in;
  in.replicas = 0;
  in.limits = resolve_fenceposts(pct(25), pct(25), 0);
  in.target = {0, 0};
  in.canary = {2, 2};
  in.stable = replica_count{2, 2};
  EXPECT_EQ(size_replica_sets(in), (sizing{0, 0, {}}));
}

}  // namespace
}  // namespace rolloutd::strategy
