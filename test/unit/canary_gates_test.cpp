// The canary planner at the gates the issue found open: a Service pinned to pods that are not
// there (defect 4), the deadline judged before progress (6), a promote that walked through
// spec.paused (8), and an aborted canary left in the user's traffic for its delay (13). Each test
// failed before its fix; docs/canary.md states the rules.

#include <gtest/gtest.h>

#include "canary_sim.hpp"
#include "strategy/canary.hpp"

namespace rolloutd::strategy {
namespace {

using namespace canary_sim;  // NOLINT(google-build-using-namespace): this test's own helpers
using std::chrono::seconds;

// v1 stable at 4 replicas, v2 at step 2/5 (the open pause) with 1 pod serving, Services pinned.
cluster paused_at_25_percent() {
  auto c = canary_of_v2(4);
  c.name_services();
  c.settle();
  EXPECT_EQ(c.input().memory.step_index, 1);
  EXPECT_EQ(c.input().canary_service.pinned_hash, "v2");
  EXPECT_EQ(c.input().stable_service.pinned_hash, "v1");
  return c;
}

// Defect 4: v3 replaces v2 mid-canary; the canaryService keeps v2's working pod until v3 has one.
TEST(CanaryGates, TheCanaryServiceMovesToANewTemplateOnlyOnceItHasAvailablePods) {
  auto c = paused_at_25_percent();
  c.change_template("v3");
  auto plan = c.sync();
  EXPECT_EQ(plan.canary_service_hash, "v2") << "v3 has no available pod yet";
  EXPECT_EQ(plan.stable_service_hash, "v1");
  EXPECT_EQ(c.size("v3"), 1);
  plan = c.sync();  // v3's pod is still starting: v2 keeps the pod the canaryService shows
  EXPECT_EQ(c.size("v2"), 1);
  EXPECT_EQ(plan.canary_service_hash, "v2");
  c.everything_available();
  plan = c.sync();
  EXPECT_EQ(plan.canary_service_hash, "v3");
  c.settle();
  EXPECT_EQ(c.size("v2"), 0);
}

// With no room beside it (maxSurge 0) the replaced canary cannot wait for the new one: it goes.
TEST(CanaryGates, AReplacedCanaryWithNoRoomBesideItStillGoes) {
  auto c = canary_of_v2(4, issue_steps(), num(0), num(1));
  c.name_services();
  c.settle();
  ASSERT_EQ(c.size("v2"), 1);
  c.change_template("v3");
  c.settle();
  EXPECT_EQ(c.size("v2"), 0);
  EXPECT_EQ(c.input().memory.step_index, 1);
  EXPECT_EQ(c.input().canary_service.pinned_hash, "v3");
}

// Defect 4: a first deploy pins an unmanaged stableService only to a fully available ReplicaSet.
TEST(CanaryGates, AFirstDeployAdoptsTheStableServiceOnlyWhenFullyAvailable) {
  canary_input in;
  in.replicas = 3;
  in.steps = issue_steps();
  in.hash = "v1";
  in.new_replica_set_name = "hello-v1";
  cluster c(in);
  c.name_services();
  auto plan = c.sync();
  EXPECT_EQ(plan.stable_service_hash, "") << "no pod of v1 exists yet: the Service stays as it is";
  EXPECT_EQ(plan.canary_service_hash, "");
  c.input().new_replica_set->available_replicas = 2;  // 2 of 3: not enough to adopt
  plan = c.sync();
  EXPECT_EQ(plan.stable_service_hash, "");
  c.everything_available();
  plan = c.sync();
  EXPECT_EQ(plan.stable_service_hash, "v1");
  EXPECT_EQ(plan.canary_service_hash, "v1");
}

// Defect 4: the stable ReplicaSet deleted; a managed stableService moves once the new one serves.
TEST(CanaryGates, AManagedStableServiceMovesOnceTheNewRevisionHasAvailablePods) {
  auto c = canary_of_v2(4);
  c.input().stable_service = pinned_service{true, true, "v1"};
  c.input().old_replica_sets.clear();
  auto plan = c.sync();
  EXPECT_EQ(plan.stage, canary_stage::first_deploy);
  EXPECT_EQ(plan.stable_service_hash, "v1") << "v2 has no available pod yet";
  c.input().new_replica_set->available_replicas = 1;
  plan = c.sync();
  EXPECT_EQ(plan.stable_service_hash, "v2") << "managed already: one available pod is enough";
}

// Defect 6: the deadline passed while nobody looked, and the canary's pod came up meanwhile: the
// step completes and nothing is aborted.
TEST(CanaryGates, ADeadlinePassedWhileTheCanaryProgressedDoesNotAbort) {
  auto c = canary_of_v2(4);
  c.sync();
  c.everything_available();
  c.input().deadline_abort = true;
  const auto plan = c.sync();
  EXPECT_FALSE(plan.memory.aborted);
  EXPECT_TRUE(plan.moved_on);
  EXPECT_EQ(plan.memory.step_index, 1);
  EXPECT_FALSE(has_event(plan, "RolloutAborted"));
}

// Defect 8: promote, promote --full and retry wait for the resume; abort does not.
TEST(CanaryGates, APromoteWhileSpecPausedIsHeldUntilTheResume) {
  auto c = paused_at_25_percent();
  c.input().paused = true;
  c.request(canary_operation::promote);
  auto plan = c.sync();
  EXPECT_EQ(plan.memory.step_index, 1) << "no step completes while paused";
  EXPECT_FALSE(plan.operation_consumed);
  EXPECT_TRUE(plan.operation_held);
  EXPECT_FALSE(has_event(plan, "RolloutStepCompleted"));
  EXPECT_NE(plan.message.find("promote requested, held until spec.paused is lifted"), std::string::npos)
      << plan.message;
  plan = c.sync();
  EXPECT_EQ(plan.memory.step_index, 1);
  c.input().paused = false;
  plan = c.sync();
  EXPECT_TRUE(plan.operation_consumed);
  EXPECT_EQ(plan.memory.step_index, 2);

  for (const auto op : {canary_operation::promote_full, canary_operation::retry}) {
    c.input().paused = true;
    c.request(op);
    plan = c.sync();
    EXPECT_FALSE(plan.operation_consumed) << to_string(op);
    EXPECT_EQ(plan.memory.step_index, 2) << to_string(op);
  }
  c.request(canary_operation::abort);
  plan = c.sync();
  EXPECT_TRUE(plan.operation_consumed);
  EXPECT_TRUE(plan.memory.aborted);
}

// Defect 13: without a canaryService the aborted canary leaves the user's Service at once, as fast
// as the stable's available pods allow (here maxUnavailable 1: its pod goes in the first sync).
TEST(CanaryGates, AnAbortWithoutACanaryServiceRemovesTheCanaryAtOnce) {
  auto c = canary_of_v2(4);
  c.settle();
  ASSERT_EQ(c.size("v2"), 1);
  c.request(canary_operation::abort);
  const auto plan = c.sync();
  EXPECT_TRUE(plan.memory.aborted);
  EXPECT_EQ(c.size("v2"), 0) << "abortScaleDownDelaySeconds (30) does not keep it in live traffic";
  EXPECT_EQ(c.size("v1"), 4);
  EXPECT_EQ(plan.service_hash, "");
}

// Defect 13, found by canary_random_test: the previous stable waiting out scaleDownDelaySeconds
// held every other ReplicaSet where it was, so an aborted canary stayed until that delay ended.
TEST(CanaryGates, AnAbortedCanaryDoesNotWaitForThePreviousStablesDelay) {
  auto c = canary_of_v2(4, {weight_step{50}});
  c.settle();
  ASSERT_EQ(c.input().memory.stable_hash, "v2");
  ASSERT_EQ(c.size("v1"), 1) << "kept for scaleDownDelaySeconds";
  c.change_template("v3");
  c.sync();
  c.everything_available();
  c.sync();
  ASSERT_GT(c.size("v3"), 0);
  c.request(canary_operation::abort);
  c.sync();
  c.everything_available();
  c.sync();
  EXPECT_EQ(c.size("v3"), 0);
  EXPECT_EQ(c.size("v2"), 4);
  EXPECT_EQ(c.size("v1"), 1) << "still waiting out its own delay";
}

// Defect 13, with maxUnavailable 0: the canary's pod stays until the stable's is back, no longer.
TEST(CanaryGates, AnAbortKeepsTheFloorWhileTheCanaryGoes) {
  auto c = canary_of_v2(4, issue_steps(), pct(25), num(0));
  c.settle();
  ASSERT_EQ(c.size("v2"), 1);
  ASSERT_EQ(c.size("v1"), 3);
  c.request(canary_operation::abort);
  c.sync();
  EXPECT_EQ(c.size("v2"), 1) << "4 available pods are the floor";
  EXPECT_EQ(c.size("v1"), 4);
  c.everything_available();
  c.sync();
  EXPECT_EQ(c.size("v2"), 0);
}

// Defect 13 with a canaryService: the canary waits out its delay behind it only, the user's
// Service pinned to stable meanwhile; then it goes and the pin is lifted.
TEST(CanaryGates, AnAbortedCanaryWaitsItsDelayBehindTheCanaryServiceOnly) {
  auto c = paused_at_25_percent();
  c.request(canary_operation::abort);
  auto plan = c.sync();
  EXPECT_EQ(c.size("v1"), 4);
  EXPECT_EQ(c.size("v2"), 1);
  EXPECT_EQ(plan.service_hash, "") << "the stable is not back yet";
  EXPECT_EQ(plan.canary_service_hash, "v2");
  c.everything_available();
  plan = c.sync();
  EXPECT_EQ(plan.service_hash, "v1") << "out of the user's Service";
  EXPECT_EQ(plan.canary_service_hash, "v2");
  EXPECT_EQ(plan.wake_after, seconds(30));
  c.advance(seconds(30));
  plan = c.sync();
  EXPECT_EQ(c.size("v2"), 0);
  EXPECT_EQ(plan.canary_service_hash, "v1");
  EXPECT_EQ(plan.service_hash, "v1") << "kept until the canary is seen without pods";
  plan = c.sync();
  EXPECT_EQ(plan.service_hash, "");
}

}  // namespace
}  // namespace rolloutd::strategy
