#include "strategy/rolling.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "rolling_sim.hpp"

namespace rolloutd::strategy {
namespace {

using namespace rolling_sim;  // NOLINT(google-build-using-namespace): this test's own helpers

TEST(RollingPlanner, WalksTheDeploymentControllersSteps) {
  struct row {
    std::string_view name;
    std::int32_t replicas;
    int_or_percent surge, unavailable;
    sizes_t want;
  };
  const row rows[] = {
      // surge ceil(0.75)=1, unavailable floor(0.75)=0: one extra pod at a time, never one fewer.
      {"3 replicas 25%/25%", 3, pct(25), pct(25), {{3, 0}, {3, 1}, {2, 1}, {2, 2}, {1, 2}, {1, 3}, {0, 3}}},
      // No surge: each step first frees a slot (old - 1), then fills it (new + 1).
      {"10 replicas surge 0 unavailable 1", 10, num(0), num(1), {{10, 0}, {9, 0}, {9, 1}, {8, 1}, {8, 2},
                                                                 {7, 2},  {7, 3}, {6, 3}, {6, 4}, {5, 4},
                                                                 {5, 5},  {4, 5}, {4, 6}, {3, 6}, {3, 7},
                                                                 {2, 7},  {2, 8}, {1, 8}, {1, 9}, {0, 9},
                                                                 {0, 10}}},
      // No unavailability: 3 new, then 3 old go once the new are available, and so on; the last step
      // grows the new set by only 1 (it may not exceed replicas).
      {"10 replicas surge 3 unavailable 0",
       10,
       num(3),
       num(0),
       {{10, 0}, {10, 3}, {7, 3}, {7, 6}, {4, 6}, {4, 9}, {1, 9}, {1, 10}, {0, 10}}},
      {"4 replicas 100% surge", 4, pct(100), num(0), {{4, 0}, {4, 4}, {0, 4}}},
      // surge 3, unavailable 2: the first sync creates 3 new pods AND removes 2 old ones (13 pods,
      // 8 must stay available, the 3 new are not yet).
      {"10 replicas 25%/25%", 10, pct(25), pct(25), {{10, 0}, {8, 3}, {8, 5}, {3, 5}, {3, 10}, {0, 10}}},
      {"1 replica 25%/25%", 1, pct(25), pct(25), {{1, 0}, {1, 1}, {0, 1}}},
      // surge 0 and unavailable floor(0.25) = 0: unavailable becomes 1, so the old pod goes first.
      {"1 replica 0%/25%", 1, pct(0), pct(25), {{1, 0}, {0, 0}, {0, 1}}},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    auto c = fresh_rollout(r.replicas, r.surge, r.unavailable);
    EXPECT_EQ(drive(c), r.want);
    const auto last = plan_ok(c.input());
    EXPECT_TRUE(last.complete);
    EXPECT_EQ(last.counts, (rollout_counts{r.replicas, r.replicas, r.replicas, r.replicas, 0}));
  }
}

TEST(RollingPlanner, FirstStepsCarryEventsAndAnnotations) {
  auto c = fresh_rollout(3, pct(25), pct(25));
  auto plan = plan_ok(c.input());
  EXPECT_EQ(plan.path, sync_path::rollout);
  EXPECT_TRUE(plan.created_new_replica_set);
  EXPECT_EQ(plan.new_replica_set, "hello-v2");
  EXPECT_EQ(plan.revision, 2);
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(std::get<create_replica_set>(plan.actions[0]),
            (create_replica_set{"hello-v2", 1, 2, {3, 4}, "Scaled up replica set hello-v2 from 0 to 1"}));
  // Status counts are the observed ones: the new ReplicaSet has no pods yet, but its spec counts
  // toward the unavailable ones.
  EXPECT_EQ(plan.counts, (rollout_counts{3, 0, 3, 3, 1}));
  EXPECT_FALSE(plan.complete);
  EXPECT_TRUE(plan.minimum_available);

  c.apply(plan);
  c.everything_available();
  plan = plan_ok(c.input());
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(std::get<scale_replica_set>(plan.actions[0]),
            (scale_replica_set{"hello-v1", 3, 2, {3, 4}, "Scaled down replica set hello-v1 from 3 to 2"}));
  c.apply(plan);
  plan = plan_ok(c.input());
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(std::get<scale_replica_set>(plan.actions[0]).event, "Scaled up replica set hello-v2 from 1 to 2");

  // Created at 0 (no room to surge): no event, as Kubernetes records none.
  auto zero = fresh_rollout(10, num(0), num(1));
  plan = plan_ok(zero.input());
  EXPECT_EQ(describe(plan.actions),
            (std::vector<std::string>{"create hello-v2 0 rev 2", "scale hello-v1 10->9"}));
  EXPECT_EQ(std::get<create_replica_set>(plan.actions[0]).event, "");
}

TEST(RollingPlanner, StallsSafelyWhenNewPodsNeverBecomeAvailable) {
  auto c = fresh_rollout(3, pct(25), pct(25));
  EXPECT_EQ(drive(c, false), (sizes_t{{3, 0}, {3, 1}}));
  EXPECT_EQ(c.available(), 3);
  // 10 replicas, surge 3, unavailable 2: the new pods crash-loop (Kubernetes' own example). Even a
  // lost old pod does not let more old pods go: 13 pods - 8 minimum - 5 unavailable new = 0.
  rolling_input in;
  in.replicas = 10;
  in.max_surge = num(3);
  in.max_unavailable = num(2);
  in.old_replica_sets = {rs("hello-v1", 1, 0, 8, 7, 10, 13)};
  in.new_replica_set = rs("hello-v2", 2, 1, 5, 0, 10, 13);
  EXPECT_TRUE(plan_ok(in).actions.empty());
}

TEST(RollingPlanner, RemovesUnhealthyOldPodsFirst) {
  struct row {
    std::string_view name;
    std::int32_t replicas;
    int_or_percent surge, unavailable;
    std::vector<replica_set_state> old;
    replica_set_state current;
    std::vector<std::string> want;
  };
  const row rows[] = {
      // Kubernetes' reconcileOldReplicaSets table: 10 replicas, 2 may be unavailable.
      {"2 unhealthy: only they go",
       10,
       num(0),
       num(2),
       {rs("v1", 1, 0, 10, 8, 10)},
       rs("v2", 2, 1, 0, 0, 10),
       {"scale v1 10->8"}},
      // One write for both (Kubernetes writes 10->9, then 9->8).
      {"1 unhealthy, then 1 healthy",
       10,
       num(0),
       num(2),
       {rs("v1", 1, 0, 10, 9, 10)},
       rs("v2", 2, 1, 0, 0, 10),
       {"scale v1 10->8"}},
      // Oldest ReplicaSet first, each giving up only its unhealthy pods (6 - 4 minimum = 2 may go).
      {"oldest first",
       6,
       num(0),
       num(2),
       {rs("v2", 2, 1, 4, 3, 6), rs("v1", 1, 0, 2, 1, 6)},
       rs("v3", 3, 2, 0, 0, 6),
       {"scale v1 2->1", "scale v2 4->3"}},
      {"bounded by maxUnavailable",
       6,
       num(0),
       num(1),
       {rs("v2", 2, 1, 4, 3, 6), rs("v1", 1, 0, 2, 1, 6)},
       rs("v3", 3, 2, 0, 0, 6),
       {"scale v1 2->1"}},
      // Every old pod unhealthy: they all go, which frees room for the new ReplicaSet next sync.
      // Every old pod unhealthy: still no more than 4 pods - 3 minimum - 0 unavailable new = 1 go.
      {"all unhealthy",
       3,
       num(1),
       num(0),
       {rs("v1", 1, 0, 3, 0, 3)},
       rs("v2", 2, 1, 1, 1, 3),
       {"scale v1 3->2"}},
  };
  for (const auto& r : rows) {
    rolling_input in;
    in.replicas = r.replicas;
    in.max_surge = r.surge;
    in.max_unavailable = r.unavailable;
    in.old_replica_sets = r.old;
    in.new_replica_set = r.current;
    EXPECT_EQ(describe(plan_ok(in).actions), r.want) << r.name;
  }
}

// Mid-rollout state of 10 replicas, surge 3, unavailable 0, both ReplicaSets last scaled for 10
// replicas (max 13).
rolling_input mid_rollout(std::int32_t old_size, std::int32_t new_size, std::int32_t replicas) {
  rolling_input in;
  in.replicas = replicas;
  in.max_surge = num(3);
  in.max_unavailable = num(0);
  in.old_replica_sets = {rs("hello-v1", 1, 0, old_size, old_size, 10, 13)};
  in.new_replica_set = rs("hello-v2", 2, 1, new_size, new_size, 10, 13);
  in.previous = {{old_size + new_size, new_size, old_size + new_size, old_size + new_size, 0}, true};
  return in;
}

TEST(RollingPlanner, ScalesEveryReplicaSetInProportionMidRollout) {
  struct row {
    std::string_view name;
    std::int32_t old_size, new_size, replicas;
    std::vector<std::string> want;
  };
  const row rows[] = {
      // (10, 3) -> 15: target 15 + 3 = 18, 5 to add. Largest first: v1 round(10*18/13) = 14 (+4),
      // v2 round(3*18/13) = round(4.15) = 4 (+1). Nothing left over.
      {"(10,3) up to 15", 10, 3, 15, {"scale hello-v1 10->14", "scale hello-v2 3->4"}},
      // (10, 3) -> 5: target 8, 5 to remove. v1 round(10*8/13) = round(6.15) = 6 (-4),
      // v2 round(3*8/13) = round(1.85) = 2 (-1).
      {"(10,3) down to 5", 10, 3, 5, {"scale hello-v1 10->6", "scale hello-v2 3->2"}},
      // (7, 6) -> 15: 5 to add. v1 round(7*18/13) = round(9.69) = 10 (+3), v2 round(6*18/13) =
      // round(8.31) = 8 (+2).
      {"(7,6) up to 15", 7, 6, 15, {"scale hello-v1 7->10", "scale hello-v2 6->8"}},
      // (7, 6) -> 5: 5 to remove. v1 round(7*8/13) = round(4.31) = 4 (-3), v2 round(6*8/13) =
      // round(3.69) = 4 (-2).
      {"(7,6) down to 5", 7, 6, 5, {"scale hello-v1 7->4", "scale hello-v2 6->4"}},
      // (7, 3) has only 10 of its 13 pods: 8 to add. v1 round(7*18/13) = 10 (+3), v2 round(3*18/13)
      // = 4 (+1); the 4 left over go to the largest, v1.
      {"(7,3) up to 15 with leftover", 7, 3, 15, {"scale hello-v1 7->14", "scale hello-v2 3->4"}},
  };
  for (const auto& r : rows) {
    const auto plan = plan_ok(mid_rollout(r.old_size, r.new_size, r.replicas));
    EXPECT_EQ(plan.path, sync_path::scaling_event) << r.name;
    EXPECT_EQ(describe(plan.actions), r.want) << r.name;
    for (const auto& a : plan.actions) {
      EXPECT_EQ(std::get<scale_replica_set>(a).annotations, (replica_annotations{r.replicas, r.replicas + 3}))
          << r.name;
    }
  }
}

TEST(RollingPlanner, ProportionalScaleOfKubernetesIssue28105) {
  // 40 replicas, surge 3, unavailable 2, at (38, 5); paused and scaled to 30. Kubernetes gives
  // (29, 4): target 33 from 43; round(38*33/43) = 29, round(5*33/43) = 4.
  rolling_input in;
  in.replicas = 30;
  in.paused = true;
  in.max_surge = num(3);
  in.max_unavailable = num(2);
  in.old_replica_sets = {rs("foo-1", 1, 0, 38, 38, 40, 43)};
  in.new_replica_set = rs("foo-2", 2, 1, 5, 5, 40, 43);
  EXPECT_EQ(describe(plan_ok(in).actions),
            (std::vector<std::string>{"scale foo-1 38->29", "scale foo-2 5->4"}));
}

TEST(RollingPlanner, FinishesTheRolloutAfterAMidRolloutScale) {
  for (const std::int32_t replicas : {15, 5}) {
    SCOPED_TRACE(replicas);
    cluster c(mid_rollout(10, 3, replicas));
    const auto seen = drive(c);
    ASSERT_GE(seen.size(), 2u);
    EXPECT_EQ(seen[1], replicas == 15 ? std::pair(14, 4) : std::pair(6, 2));
    EXPECT_EQ(seen.back(), std::pair(0, static_cast<int>(replicas)));
  }
}

TEST(RollingPlanner, ScalingEventWithOneActiveReplicaSet) {
  rolling_input in;
  in.replicas = 12;
  in.old_replica_sets = {rs("hello-v1", 1, 0, 0, 0, 10)};
  in.new_replica_set = rs("hello-v2", 2, 1, 10, 10, 10, 12);
  auto plan = plan_ok(in);
  EXPECT_EQ(plan.path, sync_path::scaling_event);
  EXPECT_EQ(describe(plan.actions), (std::vector<std::string>{"scale hello-v2 10->12"}));
  EXPECT_EQ(std::get<scale_replica_set>(plan.actions[0]).event,
            "Scaled up replica set hello-v2 from 10 to 12");

  // Sizes already right but one ReplicaSet still says it was scaled for 9: the proportional pass
  // only rewrites its annotations, so the next sync no longer sees a scaling event.
  rolling_input stale = mid_rollout(10, 3, 10);
  stale.old_replica_sets[0].desired_replicas = 9;
  plan = plan_ok(stale);
  EXPECT_EQ(plan.path, sync_path::scaling_event);
  EXPECT_EQ(describe(plan.actions), (std::vector<std::string>{"annotate hello-v1 desired 10 max 13"}));
  stale.old_replica_sets[0].desired_replicas = 10;
  EXPECT_EQ(plan_ok(stale).path, sync_path::rollout);
}

TEST(RollingPlanner, PausedMakesNoProgressButScales) {
  // The template changed while paused: no new ReplicaSet.
  auto c = fresh_rollout(3, pct(25), pct(25));
  c.input().paused = true;
  auto plan = plan_ok(c.input());
  EXPECT_EQ(plan.path, sync_path::paused);
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_FALSE(plan.created_new_replica_set);
  EXPECT_EQ(plan.new_replica_set, "");

  // Paused mid-rollout with every pod available: nothing moves, however often it is planned.
  rolling_input in = mid_rollout(10, 3, 10);
  in.paused = true;
  cluster frozen(in);
  EXPECT_EQ(drive(frozen), (sizes_t{{10, 3}}));

  // Kubernetes' paused sync tops the ReplicaSets up to replicas + surge (here 13 from 10); every
  // share rounds to its current size, so the 3 go to the largest, the old one. Reproduced as is.
  in = mid_rollout(7, 3, 10);
  in.paused = true;
  EXPECT_EQ(describe(plan_ok(in).actions), (std::vector<std::string>{"scale hello-v1 7->10"}));

  // A replica change still applies, with the same proportions as unpaused.
  in = mid_rollout(10, 3, 15);
  in.paused = true;
  plan = plan_ok(in);
  EXPECT_EQ(plan.path, sync_path::paused);
  EXPECT_EQ(describe(plan.actions),
            (std::vector<std::string>{"scale hello-v1 10->14", "scale hello-v2 3->4"}));

  // One active ReplicaSet simply takes the new count; resuming then rolls out as usual.
  c = fresh_rollout(3, pct(25), pct(25));
  c.input().paused = true;
  c.input().replicas = 5;
  plan = plan_ok(c.input());
  EXPECT_EQ(describe(plan.actions), (std::vector<std::string>{"scale hello-v1 3->5"}));
  c.apply(plan);
  c.everything_available();
  c.input().paused = false;
  // surge ceil(1.25) = 2, unavailable floor(1.25) = 1: 2 new at once and 1 old gone.
  EXPECT_EQ(drive(c), (sizes_t{{5, 0}, {4, 2}, {4, 3}, {1, 3}, {1, 5}, {0, 5}}));
}

TEST(RollingPlanner, SaturatedNewReplicaSetRetiresTheOldOnesWhenPaused) {
  rolling_input in;
  in.replicas = 4;
  in.paused = true;
  in.old_replica_sets = {rs("hello-v1", 1, 0, 1, 1, 4, 5), rs("hello-v0", 0, -1, 1, 1, 4, 5)};
  in.new_replica_set = rs("hello-v2", 2, 1, 4, 4, 4, 5);
  EXPECT_EQ(describe(plan_ok(in).actions),
            (std::vector<std::string>{"scale hello-v1 1->0", "scale hello-v0 1->0"}));  // newest first
}

// Four old revisions at zero; revision numbers deliberately out of creation order (hello-r4 was
// reused by a rollback, so it is the oldest object with the highest old revision).
std::vector<replica_set_state> history() {
  return {rs("hello-r4", 4, 0, 0, 0), rs("hello-r1", 1, 1, 0, 0), rs("hello-r2", 2, 2, 0, 0),
          rs("hello-r3", 3, 3, 0, 0)};
}

rolling_input complete_with_history(std::optional<std::int32_t> limit) {
  rolling_input in;
  in.replicas = 3;
  in.revision_history_limit = limit;
  in.old_replica_sets = history();
  in.new_replica_set = rs("hello-r5", 5, 4, 3, 3, 3, 4);
  in.previous = {{3, 3, 3, 3, 0}, true};
  return in;
}

TEST(RollingPlanner, CleansUpHistoryBeyondTheLimit) {
  struct row {
    std::string_view name;
    std::function<void(rolling_input&)> tweak;
    std::vector<std::string> want;
  };
  const row rows[] = {
      {"lowest revisions beyond the limit", [](rolling_input&) {}, {"delete hello-r1", "delete hello-r2"}},
      {"limit 0 keeps nothing old",
       [](rolling_input& in) { in.revision_history_limit = 0; },
       {"delete hello-r1", "delete hello-r2", "delete hello-r3", "delete hello-r4"}},
      {"no limit keeps everything", [](rolling_input& in) { in.revision_history_limit = std::nullopt; }, {}},
      {"INT32_MAX keeps everything",
       [](rolling_input& in) { in.revision_history_limit = std::numeric_limits<std::int32_t>::max(); },
       {}},
      {"within the limit", [](rolling_input& in) { in.revision_history_limit = 4; }, {}},
      // Kubernetes looks only at the `excess` oldest and skips any still holding pods.
      {"one with pods is skipped, not replaced",
       [](rolling_input& in) { in.old_replica_sets[1].status_replicas = 1; },
       {"delete hello-r2"}},
      // Paused, the saturated new ReplicaSet retires hello-r1's stray replica; cleanup judges by
      // the spec observed before this sync, so hello-r1 survives until the next one.
      {"one with a spec is skipped",
       [](rolling_input& in) {
         in.paused = true;
         in.old_replica_sets[1].spec_replicas = 1;
       },
       {"scale hello-r1 1->0", "delete hello-r2"}},
      {"one whose status is behind is skipped",
       [](rolling_input& in) { in.old_replica_sets[1].status_current = false; },
       {"delete hello-r2"}},
      {"one already being deleted does not count",
       [](rolling_input& in) { in.old_replica_sets[1].being_deleted = true; },
       {"delete hello-r2"}},
      {"not while the rollout is incomplete",
       [](rolling_input& in) { in.previous.counts.available = 2; },
       {}},
      {"not before the status caught up",
       [](rolling_input& in) { in.previous.generation_observed = false; },
       {}},
      {"but always when paused",
       [](rolling_input& in) {
         in.paused = true;
         in.previous.counts.available = 2;
       },
       {"delete hello-r1", "delete hello-r2"}},
  };
  for (const auto& r : rows) {
    auto in = complete_with_history(2);
    r.tweak(in);
    EXPECT_EQ(describe(plan_ok(in).actions), r.want) << r.name;
  }
}

TEST(RollingPlanner, RevisionsFollowKubernetes) {
  // Created above the highest old revision.
  auto c = fresh_rollout(3, pct(25), pct(25));
  c.input().old_replica_sets.push_back(rs("hello-v0", 7, -1, 0, 0));
  EXPECT_EQ(plan_ok(c.input()).revision, 8);

  // Rollback: the template of revision 1 again. Its ReplicaSet is reused and renumbered, keeping
  // the old number in the history, in the same write as its scale (one write per sync).
  rolling_input in;
  in.replicas = 3;
  in.old_replica_sets = {rs("hello-v2", 2, 1, 3, 3, 3, 4)};
  in.new_replica_set = rs("hello-v1", 1, 0, 0, 0, 3, 4);
  auto plan = plan_ok(in);
  EXPECT_EQ(describe(plan.actions), (std::vector<std::string>{"scale hello-v1 0->1 rev 3 history 1"}));
  EXPECT_EQ(plan.revision, 3);
  EXPECT_FALSE(plan.created_new_replica_set);

  in.new_replica_set->revision = 3;
  in.new_replica_set->revision_history = "1";
  in.old_replica_sets[0].revision = 4;
  EXPECT_EQ(describe(plan_ok(in).actions),
            (std::vector<std::string>{"scale hello-v1 0->1 rev 5 history 1,3"}));

  // Renumbered with nothing to grow (the surge is used up): a metadata write of its own, beside
  // the old ReplicaSet's scale-down.
  auto full = in;
  full.old_replica_sets[0] = rs("hello-v2", 4, 1, 4, 4, 3, 4);
  EXPECT_EQ(describe(plan_ok(full).actions),
            (std::vector<std::string>{"annotate hello-v1 rev 5 history 1,3", "scale hello-v2 4->3"}));

  // Already the highest: left alone.
  in.new_replica_set->revision = 9;
  EXPECT_EQ(describe(plan_ok(in).actions), (std::vector<std::string>{"scale hello-v1 0->1"}));
}

TEST(RollingPlanner, RejectsMalformedInput) {
  struct row {
    std::string_view name;
    std::function<void(rolling_input&)> tweak;
  };
  const row rows[] = {
      {"negative replicas", [](rolling_input& in) { in.replicas = -1; }},
      {"negative surge", [](rolling_input& in) { in.max_surge = num(-1); }},
      {"negative unavailable", [](rolling_input& in) { in.max_unavailable = pct(-5); }},
      {"negative history limit", [](rolling_input& in) { in.revision_history_limit = -1; }},
      {"negative counts", [](rolling_input& in) { in.old_replica_sets[0].available_replicas = -1; }},
      {"a name twice", [](rolling_input& in) { in.old_replica_sets.push_back(in.old_replica_sets[0]); }},
      {"no name to create", [](rolling_input& in) { in.new_replica_set_name.clear(); }},
      {"hash collision", [](rolling_input& in) { in.new_replica_set_name = "hello-v1"; }},
  };
  for (const auto& r : rows) {
    auto c = fresh_rollout(3, pct(25), pct(25));
    r.tweak(c.input());
    const auto result = plan_rolling(c.input());
    EXPECT_FALSE(result.ok()) << r.name;
    EXPECT_TRUE(result.plan.actions.empty()) << r.name;
  }
}

TEST(RollingPlanner, PlanningTwiceWithoutNewObservationsIsStable) {
  // Level-triggered: a sync whose writes have not landed yet plans the same writes again, and once
  // they have landed nothing more is due until pods become available.
  auto c = fresh_rollout(3, pct(25), pct(25));
  const auto first = plan_ok(c.input());
  EXPECT_EQ(describe(plan_ok(c.input()).actions), describe(first.actions));
  c.apply(first);
  EXPECT_TRUE(plan_ok(c.input()).actions.empty());
  EXPECT_TRUE(plan_ok(c.input()).actions.empty());
}

}  // namespace
}  // namespace rolloutd::strategy
