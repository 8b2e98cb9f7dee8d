// One write per ReplicaSet per sync (issue 14, defect 10). Every write of a sync carries the
// resourceVersion the sync observed, so a second write to the same ReplicaSet can only meet a 409
// and the status write of that round is skipped. These cases wrote one ReplicaSet twice: the
// unhealthy-pod cleanup followed by the ordinary scale-down, the revision bump of a reused
// ReplicaSet (undo) followed by its scale, and a paused sync that scaled the newest old ReplicaSet
// up and then deleted it as history.

#include <gtest/gtest.h>

#include <map>

#include "reconcile/replica_sets.hpp"
#include "rolling_sim.hpp"
#include "strategy/rolling.hpp"

namespace rolloutd::strategy {
namespace {

using namespace rolling_sim;  // NOLINT(google-build-using-namespace): this test's own helpers

std::string target_of(const replica_set_action& a) {
  return std::visit([](const auto& x) { return x.name; }, a);
}

// Names written more than once, with how often.
std::map<std::string, int> written_twice(const rolling_plan& plan) {
  std::map<std::string, int> count;
  for (const auto& a : plan.actions) ++count[target_of(a)];
  std::erase_if(count, [](const auto& kv) { return kv.second < 2; });
  return count;
}

TEST(RollingSingleWrite, UnhealthyCleanupAndScaleDownAreOneWrite) {
  // 10 replicas, 2 may be unavailable, 1 old pod unhealthy: the unhealthy one goes and then one
  // available one, both from v1. Kubernetes writes v1 twice (10->9, 9->8); rolloutd writes 10->8.
  rolling_input in;
  in.replicas = 10;
  in.max_surge = num(0);
  in.max_unavailable = num(2);
  in.old_replica_sets = {rs("v1", 1, 0, 10, 9, 10, 10)};
  in.new_replica_set = rs("v2", 2, 1, 0, 0, 10, 10);
  const auto plan = plan_ok(in);
  EXPECT_TRUE(written_twice(plan).empty()) << ::testing::PrintToString(describe(plan.actions));
  ASSERT_EQ(plan.actions.size(), 1u) << ::testing::PrintToString(describe(plan.actions));
  EXPECT_EQ(std::get<scale_replica_set>(plan.actions[0]),
            (scale_replica_set{"v1", 10, 8, {10, 10}, "Scaled down replica set v1 from 10 to 8"}));
}

TEST(RollingSingleWrite, UndoRenumbersInTheScaleThatGrowsTheReusedReplicaSet) {
  // Undo to revision 1's template: hello-v1 is the new ReplicaSet again, renumbered 3 (history 1)
  // and grown 0 -> 1 within the surge, in one write.
  rolling_input in;
  in.replicas = 3;
  in.old_replica_sets = {rs("hello-v2", 2, 1, 3, 3, 3, 4)};
  in.new_replica_set = rs("hello-v1", 1, 0, 0, 0, 3, 4);
  const auto plan = plan_ok(in);
  EXPECT_TRUE(written_twice(plan).empty()) << ::testing::PrintToString(describe(plan.actions));
  ASSERT_EQ(plan.actions.size(), 1u) << ::testing::PrintToString(describe(plan.actions));
  scale_replica_set want{"hello-v1", 0, 1, {3, 4}, "Scaled up replica set hello-v1 from 0 to 1"};
  want.revision = 3;
  want.revision_history = "1";
  EXPECT_EQ(std::get<scale_replica_set>(plan.actions[0]), want);
  EXPECT_EQ(plan.revision, 3);
}

TEST(RollingSingleWrite, UndoDuringAScalingEventRenumbersInTheProportionalWrite) {
  // Mid-rollout back to v1 (reused, revision 1 -> 3) while spec.replicas goes 10 -> 20: the
  // proportional scale writes v1 once, with its size, annotations and new revision.
  rolling_input in;
  in.replicas = 20;
  in.max_surge = num(3);
  in.max_unavailable = num(0);
  in.old_replica_sets = {rs("v2", 2, 1, 7, 7, 10, 13)};
  in.new_replica_set = rs("v1", 1, 0, 6, 6, 10, 13);
  const auto plan = plan_ok(in);
  EXPECT_EQ(plan.path, sync_path::scaling_event);
  EXPECT_TRUE(written_twice(plan).empty()) << ::testing::PrintToString(describe(plan.actions));
  for (const auto& a : plan.actions) {
    if (target_of(a) != "v1") continue;
    const auto* scale = std::get_if<scale_replica_set>(&a);
    ASSERT_NE(scale, nullptr) << describe(a);
    EXPECT_EQ(scale->revision, 3);
    EXPECT_EQ(scale->revision_history, "1");
  }
}

TEST(RollingSingleWrite, PausedUndoWithStaleAnnotationsIsOneMetadataWrite) {
  // Paused at the same sizes but last scaled for 10 replicas, now 10 again with a new surge: the
  // proportional scale rewrites every active ReplicaSet's annotations; the reused one also gets
  // its new revision, in the same write.
  rolling_input in;
  in.replicas = 10;
  in.paused = true;
  in.max_surge = num(2);
  in.max_unavailable = num(0);
  in.old_replica_sets = {rs("v2", 2, 1, 6, 6, 9, 12)};
  in.new_replica_set = rs("v1", 1, 0, 6, 6, 9, 12);
  const auto plan = plan_ok(in);
  EXPECT_TRUE(written_twice(plan).empty()) << ::testing::PrintToString(describe(plan.actions));
}

TEST(RollingSingleWrite, PausedHistoryCleanupSparesTheReplicaSetItJustScaled) {
  // Paused with a template that has no ReplicaSet yet, every old one at 0 and replicas raised to
  // 3: the newest old ReplicaSet takes the 3 (Kubernetes' FindActiveOrLatest), so the cleanup of a
  // zero history limit must not delete it in the same sync (a delete would undo the scale).
  rolling_input in;
  in.replicas = 3;
  in.paused = true;
  in.revision_history_limit = 0;
  in.old_replica_sets = {rs("v1", 1, 0, 0, 0, 0, 1), rs("v2", 2, 1, 0, 0, 0, 1)};
  in.new_replica_set_name = "v3";
  const auto plan = plan_ok(in);
  EXPECT_TRUE(written_twice(plan).empty()) << ::testing::PrintToString(describe(plan.actions));
  EXPECT_EQ(describe(plan.actions), (std::vector<std::string>{"scale v2 0->3", "delete v1"}));
}

TEST(RollingSingleWrite, ScalePatchCarriesTheRevision) {
  scale_replica_set s{"x", 0, 1, {3, 4}, "Scaled up replica set x from 0 to 1"};
  s.revision = 3;
  s.revision_history = "1";
  EXPECT_EQ(reconcile::scale_patch(s, "42"), nlohmann::json::parse(R"({"metadata": {"resourceVersion": "42",
      "annotations": {"rolloutd.io/desired-replicas": "3", "rolloutd.io/max-replicas": "4",
      "rolloutd.io/revision": "3", "rolloutd.io/revision-history": "1"}}, "spec": {"replicas": 1}})"));
}

}  // namespace
}  // namespace rolloutd::strategy
