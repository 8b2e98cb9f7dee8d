#include "strategy/canary.hpp"

#include <gtest/gtest.h>

#include "canary_sim.hpp"

namespace rolloutd::strategy {
namespace {

using namespace canary_sim;  // NOLINT(google-build-using-namespace): this test's own helpers

using sizes_t = std::vector<std::pair<int, int>>;

// Syncs until settled, recording the (stable v1, canary v2) sizes after every change.
sizes_t walk(cluster& c, const std::string& stable = "v1", const std::string& canary = "v2") {
  sizes_t seen{{c.size(stable), c.size(canary)}};
  for (int i = 0; i < 40; ++i) {
    const auto plan = c.sync();
    const std::pair<int, int> now{c.size(stable), c.size(canary)};
    if (now != seen.back()) seen.push_back(now);
    const bool started = c.everything_available();
    if (plan.actions.empty() && !started) return seen;
  }
  ADD_FAILURE() << "did not settle";
  return seen;
}

TEST(CanaryPlanner, FirstDeployGoesStraightToFullSizeAndBecomesStable) {
  canary_input in;
  in.replicas = 4;
  in.steps = issue_steps();
  in.hash = "v1";
  in.new_replica_set_name = "hello-v1";
  cluster c(in);

  auto plan = c.sync();
  EXPECT_EQ(plan.stage, canary_stage::first_deploy);
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(std::get<create_replica_set>(plan.actions[0]),
            (create_replica_set{"hello-v1", 4, 1, {4, 5}, "Scaled up replica set hello-v1 from 0 to 4"}));
  EXPECT_TRUE(plan.created_new_replica_set);
  EXPECT_EQ(plan.memory.stable_hash, "");
  EXPECT_EQ(plan.stable_service_hash, "v1");
  EXPECT_EQ(plan.canary_service_hash, "v1");
  EXPECT_FALSE(plan.complete);

  c.everything_available();
  plan = c.sync();
  EXPECT_TRUE(plan.promoted);
  EXPECT_TRUE(has_event(plan, "RolloutCompleted"));
  EXPECT_EQ(plan.memory.stable_hash, "v1");
  EXPECT_EQ(plan.memory.step_index, 5);
  EXPECT_EQ(plan.stage, canary_stage::stable);
  EXPECT_TRUE(plan.complete);
  EXPECT_EQ(plan.served_weight, 100);

  plan = c.sync();  // level-triggered: nothing more to do or say
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_TRUE(plan.events.empty());
  EXPECT_FALSE(plan.promoted);
}

TEST(CanaryPlanner, WalksTheIssuesStepsWithPromoteAndATimedPause) {
  auto c = canary_of_v2(4);

  // Step 1, setWeight 25: one canary pod (the surge pod) and one stable pod fewer, in one sync.
  auto plan = c.sync();
  EXPECT_EQ(plan.stage, canary_stage::stepping);
  EXPECT_EQ(plan.target, (canary_split{1, 3}));
  EXPECT_EQ(plan.revision, 2);
  EXPECT_EQ(c.size("v1"), 3);
  EXPECT_EQ(c.size("v2"), 1);
  EXPECT_EQ(plan.stable_service_hash, "v1");
  EXPECT_EQ(plan.canary_service_hash, "v2");
  EXPECT_EQ(plan.memory.step_index, 0);
  EXPECT_EQ(plan.served_weight, 0);  // the canary pod is still starting

  // Its pod available: the step completes and the open pause begins.
  c.everything_available();
  plan = c.sync();
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_EQ(plan.stage, canary_stage::paused_step);
  EXPECT_EQ(plan.memory.step_index, 1);
  EXPECT_EQ(plan.memory.pause_start, c.now());
  EXPECT_EQ(plan.served_weight, 25);
  ASSERT_EQ(plan.events.size(), 2u);
  EXPECT_EQ(plan.events[0],
            (step_event{false, "RolloutStepCompleted", "step 1/5 (setWeight: 25) completed"}));
  EXPECT_EQ(plan.events[1],
            (step_event{false, "RolloutPaused", "paused at step 2/5 (pause: until promoted)"}));
  EXPECT_FALSE(plan.wake_after) << "an open pause is never polled";
  EXPECT_EQ(plan.message, "paused at step 2/5 (pause: until promoted)");

  // Time alone does not end it.
  c.advance(std::chrono::hours(5));
  plan = c.sync();
  EXPECT_EQ(plan.memory.step_index, 1);
  EXPECT_TRUE(plan.events.empty());

  // Promote: the pause ends and setWeight 50 starts at once.
  c.request(canary_operation::promote);
  plan = c.sync();
  EXPECT_TRUE(plan.operation_consumed);
  EXPECT_TRUE(has_event(plan, "RolloutPromoted"));
  EXPECT_EQ(plan.memory.step_index, 2);
  EXPECT_FALSE(plan.memory.pause_start);
  EXPECT_EQ(plan.target, (canary_split{2, 2}));
  EXPECT_EQ(c.size("v1"), 2);
  EXPECT_EQ(c.size("v2"), 2);
  EXPECT_FALSE(c.input().operation);

  // Available: the timed pause starts and asks to be woken when it ends.
  c.everything_available();
  plan = c.sync();
  EXPECT_EQ(plan.memory.step_index, 3);
  EXPECT_EQ(plan.served_weight, 50);
  EXPECT_EQ(plan.wake_after, std::chrono::seconds(10));
  c.advance(std::chrono::seconds(4));
  plan = c.sync();
  EXPECT_EQ(plan.memory.step_index, 3);
  EXPECT_EQ(plan.wake_after, std::chrono::seconds(6));
  EXPECT_EQ(plan.message, "paused at step 4/5 (pause: 10s) until 2026-01-05T09:00:10Z");

  // It ends by itself; setWeight 100 moves everything to v2, which then becomes stable.
  c.advance(std::chrono::seconds(6));
  plan = c.sync();
  EXPECT_EQ(plan.memory.step_index, 4);
  EXPECT_TRUE(has_event(plan, "RolloutStepCompleted"));
  EXPECT_EQ(walk(c), (sizes_t{{1, 4}, {0, 4}}));
  EXPECT_EQ(c.input().memory.stable_hash, "v2");
  EXPECT_EQ(c.input().memory.step_index, 5);
  plan = c.sync();
  EXPECT_EQ(plan.stage, canary_stage::stable);
  EXPECT_TRUE(plan.complete);
  EXPECT_EQ(plan.stable_service_hash, "v2");
  EXPECT_EQ(plan.canary_service_hash, "v2");
  EXPECT_EQ(plan.served_weight, 100);
}

TEST(CanaryPlanner, PromotionHappensOnceTheCanaryIsFullyAvailable) {
  auto c = canary_of_v2(4, {weight_step{100}});
  auto plan = c.sync();
  EXPECT_EQ(plan.target, (canary_split{4, 0}));
  // (3, 2): one stable pod may go, the canary takes it and the surge pod.
  EXPECT_EQ(c.size("v1"), 3);
  EXPECT_EQ(c.size("v2"), 2);
  bool promoted = false;
  for (int i = 0; i < 20 && !promoted; ++i) {
    c.everything_available();
    plan = c.sync();
    promoted = plan.promoted;
  }
  ASSERT_TRUE(promoted);
  EXPECT_EQ(plan.events.back().reason, "RolloutCompleted");
  EXPECT_EQ(plan.events.back().message, "revision 2 (v2) is stable after 1 canary steps");
  EXPECT_EQ(c.size("v1"), 0);
}

TEST(CanaryPlanner, PromoteFullSkipsTheRemainingSteps) {
  auto c = canary_of_v2(4);
  c.settle();
  ASSERT_EQ(c.input().memory.step_index, 1);  // at the open pause
  c.request(canary_operation::promote_full);
  auto plan = c.sync();
  EXPECT_EQ(plan.memory.step_index, 5);
  EXPECT_EQ(plan.stage, canary_stage::finishing);
  EXPECT_EQ(plan.target, (canary_split{4, 0}));
  EXPECT_EQ(plan.events.front(),
            (step_event{false, "RolloutPromoted", "full promotion by kubectl-rp: remaining steps skipped"}));
  c.everything_available();
  c.settle();
  EXPECT_EQ(c.input().memory.stable_hash, "v2");
  EXPECT_EQ(c.size("v1"), 0);
  EXPECT_EQ(c.size("v2"), 4);
}

// At 50% (step 4, the timed pause) with both revisions at 2 pods; the user's Service,
// stableService and canaryService named.
cluster at_fifty_percent(std::chrono::seconds abort_delay = std::chrono::seconds(30)) {
  auto c = canary_of_v2(4);
  c.name_services();
  c.input().abort_scale_down_delay = abort_delay;
  c.settle();
  c.request(canary_operation::promote);
  c.settle();
  EXPECT_EQ(c.input().memory.step_index, 3);
  EXPECT_EQ(c.size("v1"), 2);
  EXPECT_EQ(c.size("v2"), 2);
  return c;
}

// With a canaryService (docs/canary.md, "Abort in detail"): the canary waits out its delay behind
// it, out of the user's Service; without one it goes at once (canary_gates_test.cpp).
TEST(CanaryPlanner, AbortReturnsToStableAndRemovesTheCanaryAfterItsDelay) {
  auto c = at_fifty_percent();
  c.request(canary_operation::abort);
  auto plan = c.sync();
  EXPECT_TRUE(plan.operation_consumed);
  EXPECT_TRUE(plan.memory.aborted);
  EXPECT_EQ(plan.memory.step_index, 0);
  EXPECT_FALSE(plan.memory.pause_start);
  EXPECT_EQ(plan.memory.current_hash, "v2");  // the template is left as the user wrote it
  EXPECT_EQ(plan.stage, canary_stage::aborted);
  EXPECT_EQ(plan.weight, 0);
  EXPECT_EQ(plan.stable_service_hash, "v1");
  EXPECT_EQ(plan.canary_service_hash, "v2") << "the canary's pods are shown there during the delay";
  EXPECT_EQ(plan.service_hash, "") << "the stable is not fully available again yet";
  ASSERT_FALSE(plan.events.empty());
  EXPECT_EQ(
      plan.events[0],
      (step_event{true, "RolloutAborted",
                  "rollout aborted by kubectl-rp at step 4/5 (pause: 10s): traffic goes back to the stable "
                  "revision"}));
  // The stable grows back to full size; the canary keeps only what fits beside it (the surge pod).
  EXPECT_EQ(c.size("v1"), 4);
  EXPECT_EQ(c.size("v2"), 1);

  // Once the stable is fully available the canary's deadline is written, and the reconcile asks
  // to be woken then.
  c.everything_available();
  plan = c.sync();
  ASSERT_EQ(plan.actions.size(), 1u);
  const auto& mark = std::get<annotate_replica_set>(plan.actions[0]);
  EXPECT_EQ(mark.name, "hello-v2");
  EXPECT_EQ(mark.scale_down_deadline, c.now() + std::chrono::seconds(30));
  EXPECT_EQ(plan.wake_after, std::chrono::seconds(30));
  EXPECT_EQ(plan.served_weight, 20);  // 1 of 5 available pods
  EXPECT_EQ(plan.service_hash, "v1") << "the user's Service pinned to stable: the canary serves no user";

  c.advance(std::chrono::seconds(12));
  plan = c.sync();
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_EQ(plan.wake_after, std::chrono::seconds(18));
  c.advance(std::chrono::seconds(18));
  plan = c.sync();
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(std::get<scale_replica_set>(plan.actions[0]).to, 0);
  EXPECT_EQ(c.size("v2"), 0);
  EXPECT_EQ(plan.canary_service_hash, "v1");

  // Aborted stays aborted (Degraded) until retried, promoted in full, or the template changes.
  plan = c.sync();
  EXPECT_EQ(plan.service_hash, "") << "no canary pod left: the user's Service is unpinned";
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_TRUE(plan.memory.aborted);
  EXPECT_EQ(plan.served_weight, 0);
  EXPECT_FALSE(plan.complete);
}

TEST(CanaryPlanner, AbortWithoutDelayDrainsTheCanaryAsTheStableComesBack) {
  auto c = at_fifty_percent(std::chrono::seconds(0));
  c.request(canary_operation::abort);
  EXPECT_EQ(walk(c), (sizes_t{{2, 2}, {4, 1}, {4, 0}}));
  EXPECT_TRUE(c.input().memory.aborted);
}

TEST(CanaryPlanner, RetryAfterAbortStartsTheStepsAgain) {
  auto c = at_fifty_percent();
  c.request(canary_operation::abort);
  c.settle();
  ASSERT_TRUE(c.find("v2")->scale_down_deadline);
  c.request(canary_operation::retry);
  auto plan = c.sync();
  EXPECT_FALSE(plan.memory.aborted);
  EXPECT_EQ(plan.memory.step_index, 0);
  EXPECT_TRUE(has_event(plan, "RolloutRetried"));
  EXPECT_EQ(plan.canary_service_hash, "v2");
  EXPECT_FALSE(c.find("v2")->scale_down_deadline) << "the deadline of the abort no longer applies";
  EXPECT_EQ(plan.target, (canary_split{1, 3}));
  c.settle();
  EXPECT_EQ(c.input().memory.step_index, 1);
  EXPECT_EQ(c.size("v1"), 3);
  EXPECT_EQ(c.size("v2"), 1);
}

TEST(CanaryPlanner, RetryWithoutAbortRestartsFromTheFirstStep) {
  auto c = at_fifty_percent();
  c.request(canary_operation::retry);
  const auto plan = c.sync();
  EXPECT_EQ(plan.memory.step_index, 0);
  EXPECT_EQ(plan.target, (canary_split{1, 3}));
}

TEST(CanaryPlanner, PromoteWhileAbortedIsIgnoredButConsumed) {
  auto c = at_fifty_percent();
  c.request(canary_operation::abort);
  c.settle();
  c.request(canary_operation::promote);
  const auto plan = c.sync();
  EXPECT_TRUE(plan.operation_consumed);
  EXPECT_TRUE(plan.memory.aborted);
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0].reason, "OperationIgnored");
}

TEST(CanaryPlanner, PromoteFullLiftsAnAbort) {
  auto c = at_fifty_percent();
  c.request(canary_operation::abort);
  c.settle();
  c.request(canary_operation::promote_full);
  auto plan = c.sync();
  EXPECT_FALSE(plan.memory.aborted);
  EXPECT_EQ(plan.memory.step_index, 5);
  c.settle();
  EXPECT_EQ(c.input().memory.stable_hash, "v2");
  EXPECT_EQ(c.size("v2"), 4);
}

TEST(CanaryPlanner, ProgressDeadlineAbortAbortsByItself) {
  auto c = canary_of_v2(4);
  c.sync();
  c.input().deadline_abort = true;
  const auto plan = c.sync();
  EXPECT_TRUE(plan.memory.aborted);
  EXPECT_EQ(plan.stage, canary_stage::aborted);
  ASSERT_FALSE(plan.events.empty());
  EXPECT_TRUE(plan.events[0].warning);
  EXPECT_EQ(plan.events[0].message,
            "progress deadline exceeded at step 1/5: rollout aborted (progressDeadlineAbort)");
}

TEST(CanaryPlanner, SpecPausedHoldsStepsAndReplicaSetsButNotAnAbort) {
  auto c = canary_of_v2(4);
  c.sync();
  c.everything_available();
  c.input().paused = true;
  auto plan = c.sync();
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_EQ(plan.memory.step_index, 0) << "the reached weight does not complete the step while paused";
  c.input().paused = false;
  c.settle();
  ASSERT_EQ(c.input().memory.step_index, 1);
  c.request(canary_operation::promote);
  c.sync();
  ASSERT_EQ(c.size("v2"), 2);
  c.input().paused = true;
  c.request(canary_operation::abort);
  plan = c.sync();
  EXPECT_TRUE(plan.memory.aborted);
  EXPECT_EQ(c.size("v1"), 4) << "an abort returns to stable even while paused";
}

TEST(CanaryPlanner, ANewTemplateMidFlightReplacesTheCanaryDrainingItFirst) {
  auto c = at_fifty_percent();
  c.change_template("v3");
  auto plan = c.sync();
  EXPECT_EQ(plan.memory.current_hash, "v3");
  EXPECT_EQ(plan.memory.step_index, 0);
  EXPECT_FALSE(plan.memory.pause_start);
  EXPECT_EQ(plan.canary_service_hash, "v2") << "stays on v2's pods until v3 has one available";
  EXPECT_EQ(plan.stable_service_hash, "v1");
  EXPECT_EQ(plan.revision, 3);
  // v2 (2 pods) gives up one pod (the budget); v1 and v3 grow into the room, neither shrinks.
  EXPECT_EQ(c.size("v2"), 1);
  EXPECT_EQ(c.size("v1"), 3);
  EXPECT_EQ(c.size("v3"), 1);
  // v3's pod is up, but the step is not done while v2 still serves: v2 goes first.
  c.everything_available();
  plan = c.sync();
  EXPECT_EQ(plan.memory.step_index, 0);
  EXPECT_EQ(c.size("v2"), 0);
  EXPECT_EQ(plan.canary_service_hash, "v3");
  c.settle();
  EXPECT_EQ(c.size("v2"), 0);
  EXPECT_EQ(c.size("v1"), 3);
  EXPECT_EQ(c.size("v3"), 1);
  EXPECT_EQ(c.input().memory.step_index, 1);
}

TEST(CanaryPlanner, ATemplateEqualToStableReturnsAtOnceSkippingSteps) {
  auto c = at_fifty_percent();
  c.change_template("v1");
  auto plan = c.sync();
  EXPECT_TRUE(has_event(plan, "SkipSteps"));
  EXPECT_EQ(plan.stage, canary_stage::stable);
  EXPECT_EQ(plan.memory.step_index, 5);
  EXPECT_FALSE(plan.memory.pause_start);
  EXPECT_EQ(plan.canary_service_hash, "v1");
  // Reusing revision 1's template makes it revision 3, as `kubectl rollout undo` would.
  ASSERT_FALSE(plan.actions.empty());
  EXPECT_EQ(std::get<annotate_replica_set>(plan.actions[0]),
            (annotate_replica_set{"hello-v1", std::nullopt, 3, "1"}));
  // v1 keeps its size while its metadata is written (one write per ReplicaSet and sync); v2 drains.
  ASSERT_EQ(plan.actions.size(), 2u);
  EXPECT_EQ(std::get<scale_replica_set>(plan.actions[1]).name, "hello-v2");
  EXPECT_EQ(walk(c, "v2", "v1"), (sizes_t{{1, 2}, {1, 4}, {0, 4}}));
  plan = c.sync();
  EXPECT_TRUE(plan.complete);
  EXPECT_TRUE(plan.events.empty());
}

TEST(CanaryPlanner, ThePreviousStableKeepsLeftoverPodsForScaleDownDelay) {
  // Steps that end below 100%: the canary grows to full size after them, and the stable may still
  // have pods when the canary is promoted.
  auto c = canary_of_v2(4, {weight_step{50}});
  c.settle();
  ASSERT_EQ(c.input().memory.stable_hash, "v2");
  ASSERT_EQ(c.size("v1"), 1);
  const auto* v1 = c.find("v1");
  ASSERT_TRUE(v1->scale_down_deadline);
  EXPECT_EQ(*v1->scale_down_deadline, c.now() + std::chrono::seconds(30));
  auto plan = c.sync();
  EXPECT_FALSE(plan.complete);
  EXPECT_EQ(plan.message,
            "stable revision v2: 4 of 4 pods available; hello-v1 keeps 1 pods until 2026-01-05T04:00:30Z "
            "(scaleDownDelaySeconds)");
  EXPECT_EQ(plan.wake_after, std::chrono::seconds(30));
  EXPECT_EQ(plan.stable_service_hash, "v2");
  c.advance(std::chrono::seconds(30));
  c.settle();
  EXPECT_EQ(c.size("v1"), 0);
  EXPECT_TRUE(c.sync().complete);
}

TEST(CanaryPlanner, WithoutScaleDownDelayThePreviousStableGoesAtOnce) {
  auto c = canary_of_v2(4, {weight_step{50}});
  c.input().scale_down_delay = std::chrono::seconds(0);
  c.settle();
  EXPECT_EQ(c.size("v1"), 0);
  EXPECT_FALSE(c.find("v1")->scale_down_deadline);
  EXPECT_TRUE(c.sync().complete);
}

TEST(CanaryPlanner, NoStepsMeansStraightToFullSize) {
  auto c = canary_of_v2(3, {});
  auto plan = c.sync();
  EXPECT_EQ(plan.stage, canary_stage::finishing);
  EXPECT_FALSE(plan.memory.step_index);
  c.settle();
  EXPECT_EQ(c.input().memory.stable_hash, "v2");
}

TEST(CanaryPlanner, OperationsWithoutACanaryAreConsumedAndExplained) {
  auto c = canary_of_v2(4);
  c.change_template("v1");
  c.settle();
  c.request(canary_operation::abort);
  const auto plan = c.sync();
  EXPECT_TRUE(plan.operation_consumed);
  EXPECT_FALSE(plan.memory.aborted);
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0], (step_event{false, "OperationIgnored",
                                        "abort requested by kubectl-rp ignored: no canary in progress"}));
}

TEST(CanaryPlanner, AMissingStableReplicaSetIsAFirstDeploy) {
  auto c = canary_of_v2(4);
  c.input().old_replica_sets.clear();
  const auto plan = c.sync();
  EXPECT_EQ(plan.stage, canary_stage::first_deploy);
  EXPECT_EQ(plan.memory.stable_hash, "");
  EXPECT_EQ(c.size("v2"), 4);
}

TEST(CanaryPlanner, SetCanaryScaleSizesTheCanaryBesideAWholeStable) {
  auto c = canary_of_v2(4, {canary_scale_step{2, std::nullopt, false}, weight_step{50}, pause_step{}});
  auto plan = c.sync();
  EXPECT_EQ(plan.target, (canary_split{2, 4}));
  EXPECT_EQ(c.size("v1"), 4);
  EXPECT_EQ(c.size("v2"), 2);
  c.everything_available();
  plan = c.sync();
  // setWeight 50 with the setCanaryScale still in force: the canary stays at 2, the stable whole.
  EXPECT_EQ(plan.memory.step_index, 2);
  EXPECT_EQ(plan.target, (canary_split{2, 4}));
}

TEST(CanaryPlanner, RejectsWhatItCannotPlan) {
  auto c = canary_of_v2(4);
  auto in = c.input();
  in.old_replica_sets.push_back(in.old_replica_sets.front());
  EXPECT_EQ(plan_canary(in).error, "ReplicaSet hello-v1 is listed twice");
  in = c.input();
  in.hash.clear();
  EXPECT_FALSE(plan_canary(in).ok());
  in = c.input();
  in.old_replica_sets.push_back(rs("other", 2, 0, 0));
  in.old_replica_sets.back().name = "hello-v2";
  EXPECT_EQ(plan_canary(in).error,
            "ReplicaSet hello-v2 already exists with another template (hash collision)");
  in = c.input();
  in.replicas = -1;
  EXPECT_FALSE(plan_canary(in).ok());
}

}  // namespace
}  // namespace rolloutd::strategy
