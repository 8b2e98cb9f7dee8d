// The ways back in a blue/green release: abort before and after the switch, retry, undo within and
// after the scale-down delay, a green that never becomes ready (the progress deadline, with and
// without progressDeadlineAbort), and the guards on the active Service.

#include <gtest/gtest.h>

#include "blue_green_sim.hpp"

namespace rolloutd::blue_green_sim {
namespace {

namespace ct = api::condition_types;
namespace cs = api::condition_statuses;

bool touches(const blue_green_plan& plan, const std::string& name) {
  return std::any_of(plan.actions.begin(), plan.actions.end(), [&](const strategy::replica_set_action& a) {
    return std::visit([&](const auto& x) { return x.name == name; }, a);
  });
}

bool scales(const blue_green_plan& plan, const std::string& name) {
  return std::any_of(plan.actions.begin(), plan.actions.end(), [&](const strategy::replica_set_action& a) {
    const auto* s = std::get_if<strategy::scale_replica_set>(&a);
    return s != nullptr && s->name == name;
  });
}

// v2 previewed and waiting for promotion, v1 active.
cluster awaiting_v2() {
  auto c = cluster::deployed();
  c.update("v2");
  c.settle();
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
  c.events.clear();
  return c;
}

// v2 promoted and active; v1 kept for its scale-down delay.
cluster switched_to_v2() {
  auto c = awaiting_v2();
  c.request(api::operation_type::promote);
  c.settle();
  EXPECT_EQ(c.active.selected_hash, "v2");
  EXPECT_EQ(c.size("v1"), 3);
  c.events.clear();
  return c;
}

const api::condition& progressing(const cluster& c) {
  const auto* p = api::find_condition(c.policy.status.conditions, ct::progressing);
  EXPECT_NE(p, nullptr);
  static const api::condition none;
  return p != nullptr ? *p : none;
}

TEST(BlueGreenRollback, AbortBeforeTheSwitchKeepsActiveAndScalesGreenDownAfterItsDelay) {
  auto c = awaiting_v2();
  c.bg().abort_scale_down_delay_seconds = 20;
  c.request(api::operation_type::abort);
  auto plan = c.step();
  EXPECT_EQ(c.active.selected_hash, "v1");
  EXPECT_TRUE(c.policy.status.abort);
  EXPECT_FALSE(c.policy.status.operation.has_value());
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::degraded);
  EXPECT_EQ(progressing(c).status, cs::false_);
  EXPECT_EQ(progressing(c).reason, "RolloutAborted");
  EXPECT_TRUE(c.policy.status.pause_conditions.empty());
  EXPECT_TRUE(c.has_event("RolloutAborted"));
  EXPECT_FALSE(scales(plan, "hello-v1"));
  EXPECT_EQ(c.size("v2"), 3);
  EXPECT_EQ(plan.wake_at, c.now + 20s);

  c.now += 20s;
  plan = c.step();
  EXPECT_EQ(c.size("v2"), 0);
  EXPECT_EQ(c.size("v1"), 3);
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::degraded);  // until retried or replaced
  EXPECT_EQ(c.preview.selected_hash, "v2");

  // Retry: green comes back and waits for promotion again, from the start.
  c.request(api::operation_type::retry);
  c.settle();
  EXPECT_FALSE(c.policy.status.abort);
  EXPECT_EQ(c.size("v2"), 3);
  EXPECT_FALSE(c.find("v2")->scale_down_deadline.has_value());
  EXPECT_EQ(c.active.selected_hash, "v1");
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
  EXPECT_TRUE(c.has_event("RolloutRetried"));
}

TEST(BlueGreenRollback, AbortAfterTheSwitchReturnsActiveToBlueInTheSameSyncWithoutTouchingItsPods) {
  auto c = switched_to_v2();
  const auto v1_before = *c.find("v1");
  c.now += 10s;  // within the 30 s delay
  c.request(api::operation_type::abort);
  auto plan = c.sync();
  EXPECT_EQ(c.active.selected_hash, "v1");
  EXPECT_FALSE(scales(plan, "hello-v1"));  // no pod of blue restarted or added
  EXPECT_EQ(c.find("v1")->spec_replicas, v1_before.spec_replicas);
  EXPECT_FALSE(c.find("v1")->scale_down_deadline.has_value());  // blue is kept for good
  EXPECT_EQ(c.policy.status.stable_pod_hash, "v1");
  EXPECT_TRUE(c.policy.status.abort);
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::degraded);
  EXPECT_TRUE(c.has_event("ServiceSwitched"));

  // Green goes after the abort delay (30 s by default), counted from the switch back.
  c.converge();
  plan = c.step();
  ASSERT_TRUE(c.find("v2")->scale_down_deadline.has_value());
  EXPECT_EQ(*c.find("v2")->scale_down_deadline, c.now + 30s);
  c.now += 30s;
  c.step();
  EXPECT_EQ(c.size("v2"), 0);
  EXPECT_EQ(c.size("v1"), 3);
  EXPECT_EQ(c.active.selected_hash, "v1");
}

TEST(BlueGreenRollback, ARetryAfterAnAbortAfterTheSwitchNeedsAPromotionAgain) {
  for (bool paused_while_retrying : {false, true}) {
    SCOPED_TRACE(paused_while_retrying ? "retried while paused" : "retried");
    auto c = cluster::deployed();
    c.bg().preview_replica_count = 1;
    c.update("v2");
    c.settle();
    c.request(api::operation_type::promote);
    c.settle();
    ASSERT_EQ(c.active.selected_hash, "v2");
    c.request(api::operation_type::abort);
    c.settle();
    ASSERT_EQ(c.active.selected_hash, "v1");
    ASSERT_EQ(c.size("v2"), 3);  // within its abort delay: still at full size

    c.policy.spec.paused = paused_while_retrying;
    c.request(api::operation_type::retry);
    c.settle();
    EXPECT_EQ(c.policy.status.operation.has_value(), paused_while_retrying);
    c.policy.spec.paused = false;
    c.settle();
    // Green starts over at its preview size and waits; its full size is not taken for a promotion.
    EXPECT_EQ(c.size("v2"), 1);
    EXPECT_EQ(c.active.selected_hash, "v1");
    EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
    EXPECT_FALSE(c.policy.status.abort);
  }
}

TEST(BlueGreenRollback, UndoWithinTheDelayIsAnInstantSwitchBack) {
  auto c = switched_to_v2();
  c.now += 10s;
  c.update("v1");  // spec.template equal to blue's again
  auto plan = c.sync();
  EXPECT_EQ(c.active.selected_hash, "v1");  // in this very sync: no preview, no promotion
  EXPECT_FALSE(scales(plan, "hello-v1"));
  EXPECT_FALSE(std::any_of(plan.actions.begin(), plan.actions.end(), [](const auto& a) {
    return std::holds_alternative<strategy::create_replica_set>(a);
  }));
  EXPECT_TRUE(c.policy.status.pause_conditions.empty());
  EXPECT_FALSE(c.policy.status.abort);

  // The green that was active is now the one kept for the delay, then scaled down; blue loses its
  // deadline and, an undo being a new revision as for a Deployment, gets the next number.
  c.converge();
  c.step();
  ASSERT_TRUE(c.find("v2")->scale_down_deadline.has_value());
  EXPECT_FALSE(c.find("v1")->scale_down_deadline.has_value());
  EXPECT_EQ(c.find("v1")->revision, 3);
  EXPECT_EQ(c.find("v1")->revision_history, "1");
  c.now += 30s;
  c.step();
  c.sync();
  EXPECT_EQ(c.size("v2"), 0);
  EXPECT_EQ(c.policy.status.stable_pod_hash, "v1");
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::healthy);
}

TEST(BlueGreenRollback, UndoAfterTheDelayIsAnOrdinaryUpdate) {
  auto c = switched_to_v2();
  c.now += 31s;
  c.settle();
  ASSERT_EQ(c.size("v1"), 0);
  ASSERT_EQ(c.policy.status.stable_pod_hash, "v2");
  c.update("v1");
  c.settle();
  // The old ReplicaSet is reused (no new one), grows again and waits for promotion.
  EXPECT_EQ(c.replica_sets.size(), 2u);
  EXPECT_EQ(c.size("v1"), 3);
  EXPECT_EQ(c.find("v1")->revision, 3);
  EXPECT_EQ(c.active.selected_hash, "v2");
  EXPECT_EQ(c.preview.selected_hash, "v1");
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
  c.request(api::operation_type::promote);
  c.settle();
  EXPECT_EQ(c.active.selected_hash, "v1");
}

TEST(BlueGreenRollback, GreenThatNeverBecomesReadyHitsTheDeadlineAndActiveStaysOnBlue) {
  for (bool abort_on_deadline : {false, true}) {
    SCOPED_TRACE(abort_on_deadline ? "progressDeadlineAbort" : "no abort");
    auto c = cluster::deployed();
    c.bg().auto_promotion_enabled = true;  // even automatic promotion needs an available green
    c.policy.spec.progress_deadline_seconds = 60;
    c.policy.spec.progress_deadline_abort = abort_on_deadline;
    c.never_ready.insert("v2");
    c.update("v2");
    c.step();
    c.step();
    ASSERT_TRUE(c.last_status.recheck_after.has_value());
    EXPECT_LE(*c.last_status.recheck_after, 61s);
    c.now += 61s;
    c.step();
    EXPECT_EQ(c.active.selected_hash, "v1");
    EXPECT_EQ(c.size("v1"), 3);
    EXPECT_EQ(progressing(c).reason, "ProgressDeadlineExceeded");
    EXPECT_EQ(c.policy.status.phase, api::rollout_phase::degraded);
    EXPECT_TRUE(c.has_event("ProgressDeadlineExceeded"));
    EXPECT_EQ(c.policy.status.abort, abort_on_deadline);
    c.now += 1h;
    c.settle();
    c.now += 1h;
    c.settle();
    EXPECT_EQ(c.active.selected_hash, "v1");
    EXPECT_EQ(c.size("v1"), 3);
    EXPECT_EQ(c.size("v2"), abort_on_deadline ? 0 : 3);
  }
}

TEST(BlueGreenRollback, ActiveIsNeverLeftOnARevisionWithNoAvailablePod) {
  auto c = switched_to_v2();
  // Every green pod fails while blue is still kept: active goes back to blue at once.
  c.find("v2")->available_replicas = 0;
  c.find("v2")->ready_replicas = 0;
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "v1");
  EXPECT_TRUE(c.has_event("ActiveServiceRescued"));
}

TEST(BlueGreenRollback, ActiveIsNotSwitchedBackToABlueThatIsNotFullyAvailable) {
  auto c = switched_to_v2();
  c.find("v1")->available_replicas = 2;
  c.request(api::operation_type::abort);
  auto plan = c.sync();
  EXPECT_EQ(c.active.selected_hash, "v2");  // wait for blue rather than switch to 2 of 3 pods
  EXPECT_TRUE(c.policy.status.abort);
  EXPECT_EQ(c.size("v2"), 3);
  EXPECT_FALSE(touches(plan, "hello-v2"));
  c.converge();
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "v1");
}

TEST(BlueGreenRollback, AMissingServiceHoldsEverythingWithAClearCondition) {
  auto c = cluster::deployed();
  c.preview.exists = false;
  c.update("v2");
  auto plan = c.sync();
  EXPECT_EQ(plan.stage, blue_green_stage::service_missing);
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_EQ(progressing(c).reason, "ServiceNotFound");
  EXPECT_NE(progressing(c).message.find("hello-preview"), std::string::npos);
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::degraded);
  EXPECT_EQ(c.policy.status.active_selector, "v1");

  c.preview = {true, ""};  // created: the next sync carries on
  c.step();
  EXPECT_EQ(c.size("v2"), 3);
  EXPECT_EQ(c.preview.selected_hash, "v2");
  EXPECT_NE(progressing(c).reason, "ServiceNotFound");
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::progressing);
}

TEST(BlueGreenRollback, AnUnpinnedActiveServiceMidReleaseIsPointedAtStable) {
  auto c = awaiting_v2();
  c.active = {true, ""};  // re-created by someone without our selector
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "v1");
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
}

}  // namespace
}  // namespace rolloutd::blue_green_sim
