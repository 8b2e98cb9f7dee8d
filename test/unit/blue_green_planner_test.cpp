// The blue/green state machine walked through whole releases on the simulated cluster: first deploy,
// manual and automatic promotion, previewReplicaCount, spec.paused and operations that do nothing.
// Aborts, undo and the safety guards are in blue_green_rollback_test.cpp.

#include <gtest/gtest.h>

#include "blue_green_sim.hpp"

namespace rolloutd::blue_green_sim {
namespace {

namespace ct = api::condition_types;
namespace cs = api::condition_statuses;

bool wrote_to(const blue_green_plan& plan, const std::string& name) {
  return std::any_of(plan.actions.begin(), plan.actions.end(), [&](const strategy::replica_set_action& a) {
    return std::visit([&](const auto& x) { return x.name == name; }, a);
  });
}

TEST(BlueGreenPlanner, FirstDeployPointsActiveAtTheOnlyReplicaSetOnceAvailable) {
  struct row {
    const char* name;
    std::optional<std::int32_t> preview_replica_count;
    bool auto_promotion;
  };
  // A first deploy never waits for promotion and never runs at a preview size.
  for (const row r : {row{"manual", std::nullopt, false}, row{"auto", std::nullopt, true},
                      row{"previewReplicaCount", 1, false}}) {
    SCOPED_TRACE(r.name);
    cluster c;
    c.bg().preview_replica_count = r.preview_replica_count;
    c.bg().auto_promotion_enabled = r.auto_promotion;
    auto plan = c.sync();
    EXPECT_EQ(plan.stage, blue_green_stage::first_deploy);
    ASSERT_EQ(plan.actions.size(), 1u);
    const auto* create = std::get_if<strategy::create_replica_set>(&plan.actions[0]);
    ASSERT_NE(create, nullptr);
    EXPECT_EQ(create->name, "hello-v1");
    EXPECT_EQ(create->replicas, 3);
    EXPECT_EQ(create->revision, 1);
    EXPECT_EQ(c.active.selected_hash, "");  // nothing available yet
    EXPECT_EQ(c.preview.selected_hash, "v1");
    EXPECT_EQ(c.policy.status.phase, api::rollout_phase::progressing);

    c.converge();
    plan = c.sync();
    EXPECT_EQ(c.active.selected_hash, "v1");
    EXPECT_EQ(plan.stage, blue_green_stage::complete);
    EXPECT_EQ(c.policy.status.stable_pod_hash, "v1");
    EXPECT_EQ(c.policy.status.active_selector, "v1");
    EXPECT_EQ(c.policy.status.preview_selector, "v1");
    EXPECT_EQ(c.policy.status.phase, api::rollout_phase::healthy);
    EXPECT_TRUE(c.policy.status.pause_conditions.empty());
    EXPECT_TRUE(api::condition_is(c.policy.status.conditions, ct::available, cs::true_));

    // Level-triggered: nothing more to do, and the status stays as written.
    const auto before = c.policy.status;
    plan = c.sync();
    EXPECT_TRUE(plan.actions.empty());
    EXPECT_EQ(c.policy.status, before);
  }
}

TEST(BlueGreenPlanner, PartlyAvailableFirstDeployKeepsActiveUnpinned) {
  cluster c;
  c.sync();
  c.find("v1")->status_replicas = 3;
  c.find("v1")->available_replicas = 2;
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "");
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::progressing);
}

TEST(BlueGreenPlanner, NormalUpdateWaitsForAManualPromotion) {
  auto c = cluster::deployed();
  c.update("v2");
  auto plan = c.step();
  // Green at full size at once, behind the preview Service; active stays on blue.
  EXPECT_EQ(c.size("v2"), 3);
  EXPECT_EQ(c.preview.selected_hash, "v2");
  EXPECT_EQ(c.active.selected_hash, "v1");
  EXPECT_EQ(plan.stage, blue_green_stage::preview);
  EXPECT_EQ(c.find("v2")->revision, 2);

  plan = c.sync();
  EXPECT_EQ(plan.stage, blue_green_stage::awaiting_promotion);
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
  ASSERT_EQ(c.policy.status.pause_conditions.size(), 1u);
  EXPECT_EQ(c.policy.status.pause_conditions[0].reason, "BlueGreenPause");
  EXPECT_EQ(c.policy.status.pause_conditions[0].start_time, api::to_timestamp(c.now));
  EXPECT_TRUE(api::condition_is(c.policy.status.conditions, ct::paused, cs::true_));
  EXPECT_EQ(c.policy.status.stable_pod_hash, "v1");
  EXPECT_FALSE(plan.wake_at.has_value());  // a manual promotion is not waited for by a timer
  EXPECT_TRUE(c.has_event("RolloutPaused"));

  // A day later nothing has moved, and the pause keeps its start time.
  c.now += 24h;
  plan = c.sync();
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_EQ(c.active.selected_hash, "v1");
  EXPECT_EQ(c.policy.status.pause_conditions.at(0).start_time, api::to_timestamp(epoch));

  c.request(api::operation_type::promote);
  plan = c.sync();
  EXPECT_EQ(c.active.selected_hash, "v2");
  EXPECT_FALSE(c.policy.status.operation.has_value());  // removed with the switch it caused
  EXPECT_TRUE(c.policy.status.pause_conditions.empty());
  EXPECT_EQ(c.policy.status.stable_pod_hash, "v1");  // blue is still the way back
  EXPECT_TRUE(c.has_event("ServiceSwitched"));
  EXPECT_TRUE(c.has_event("RolloutPromoted"));

  // Blue keeps its pods for scaleDownDelaySeconds (30), its deadline on the ReplicaSet.
  EXPECT_EQ(c.size("v1"), 3);
  ASSERT_TRUE(c.find("v1")->scale_down_deadline.has_value());
  const auto deadline = *c.find("v1")->scale_down_deadline;
  EXPECT_EQ(deadline, c.now + 30s);
  EXPECT_EQ(plan.wake_at, deadline);
  EXPECT_EQ(plan.stage, blue_green_stage::scaling_down);

  c.now = deadline - 1s;
  plan = c.sync();
  EXPECT_EQ(c.size("v1"), 3);
  EXPECT_EQ(plan.wake_at, deadline);

  c.now = deadline;
  c.step();
  EXPECT_EQ(c.size("v1"), 0);
  EXPECT_EQ(c.policy.status.stable_pod_hash, "v2");
  plan = c.sync();  // blue's pods are gone
  EXPECT_EQ(plan.stage, blue_green_stage::complete);
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::healthy);
  EXPECT_TRUE(c.has_event("RolloutCompleted"));
  EXPECT_FALSE(plan.wake_at.has_value());
}

TEST(BlueGreenPlanner, AutoPromotionFiresAfterItsSecondsAndWakesTheReconcileThen) {
  auto c = cluster::deployed();
  c.bg().auto_promotion_enabled = true;
  c.bg().auto_promotion_seconds = 60;
  c.update("v2");
  c.step();
  auto plan = c.sync();
  EXPECT_EQ(plan.stage, blue_green_stage::awaiting_promotion);
  const auto at = epoch + 60s;
  EXPECT_EQ(plan.auto_promotion_at, at);
  EXPECT_EQ(plan.wake_at, at);
  ASSERT_TRUE(c.last_status.recheck_after.has_value());
  EXPECT_EQ(*c.last_status.recheck_after, 60s);
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);

  c.now = at - 1s;
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "v1");

  c.now = at;
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "v2");
  EXPECT_TRUE(c.policy.status.pause_conditions.empty());
  EXPECT_TRUE(c.has_event("RolloutPromoted"));
}

TEST(BlueGreenPlanner, AutoPromotionWithoutSecondsSwitchesAsSoonAsGreenIsAvailable) {
  auto c = cluster::deployed();
  c.bg().auto_promotion_enabled = true;
  c.update("v2");
  c.step();
  EXPECT_EQ(c.active.selected_hash, "v1");
  const auto plan = c.sync();
  EXPECT_EQ(c.active.selected_hash, "v2");
  EXPECT_TRUE(c.policy.status.pause_conditions.empty());
  EXPECT_EQ(plan.stage, blue_green_stage::scaling_down);
}

TEST(BlueGreenPlanner, PreviewReplicaCountRunsGreenSmallUntilPromotedThenFullBeforeTheSwitch) {
  auto c = cluster::deployed(4);
  c.bg().preview_replica_count = 1;
  c.update("v2");
  auto plan = c.step();
  EXPECT_EQ(c.size("v2"), 1);
  EXPECT_EQ(c.preview.selected_hash, "v2");
  plan = c.sync();
  EXPECT_EQ(plan.stage, blue_green_stage::awaiting_promotion);

  c.request(api::operation_type::promote_full);  // the same as promote for blue/green
  plan = c.sync();
  EXPECT_EQ(c.size("v2"), 4);
  EXPECT_EQ(c.active.selected_hash, "v1");              // not before the 3 new pods are available
  EXPECT_FALSE(c.policy.status.operation.has_value());  // recorded by green's new size
  EXPECT_EQ(plan.stage, blue_green_stage::promoting);
  EXPECT_TRUE(c.policy.status.pause_conditions.empty());

  // Two of the three new pods available: still not.
  c.find("v2")->status_replicas = 4;
  c.find("v2")->available_replicas = 3;
  plan = c.sync();
  EXPECT_EQ(c.active.selected_hash, "v1");
  EXPECT_EQ(plan.stage, blue_green_stage::promoting);
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::progressing);

  c.converge();
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "v2");
}

TEST(BlueGreenPlanner, APromoteBeforeGreenIsReadyWaitsForIt) {
  for (std::optional<std::int32_t> preview :
       {std::optional<std::int32_t>{}, std::optional<std::int32_t>{1}}) {
    SCOPED_TRACE(preview ? "previewReplicaCount 1" : "full-size preview");
    auto c = cluster::deployed();
    c.bg().preview_replica_count = preview;
    c.update("v2");
    c.request(api::operation_type::promote);
    c.sync();
    EXPECT_TRUE(c.policy.status.operation.has_value());  // nothing to record yet: kept
    EXPECT_EQ(c.active.selected_hash, "v1");
    c.converge();
    c.settle();
    EXPECT_EQ(c.active.selected_hash, "v2");
    EXPECT_FALSE(c.policy.status.operation.has_value());
    EXPECT_FALSE(c.has_event("RolloutPaused"));
  }
}

TEST(BlueGreenPlanner, ANewTemplateDuringThePreviewStartsOverAtThePreviewSize) {
  auto c = cluster::deployed();
  c.bg().preview_replica_count = 1;
  c.update("v2");
  c.step();
  c.request(api::operation_type::promote);
  c.step();  // v2 at full size: promoted
  ASSERT_EQ(c.size("v2"), 3);
  c.update("v3");
  c.step();
  EXPECT_EQ(c.size("v3"), 1);
  EXPECT_EQ(c.active.selected_hash, "v1");
  EXPECT_EQ(c.preview.selected_hash, "v3");
  // v2 never served; it is retired like any other revision.
  EXPECT_TRUE(c.find("v2")->scale_down_deadline.has_value());
  const auto plan = c.sync();
  EXPECT_EQ(plan.stage, blue_green_stage::awaiting_promotion);
}

TEST(BlueGreenPlanner, SpecPausedHoldsEverything) {
  auto c = cluster::deployed();
  c.policy.spec.paused = true;
  c.update("v2");
  auto plan = c.step();
  EXPECT_EQ(plan.stage, blue_green_stage::paused);
  EXPECT_TRUE(plan.actions.empty());  // no green while paused
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
  EXPECT_TRUE(c.has_event("RolloutPaused"));
  c.request(api::operation_type::promote);
  c.sync();
  EXPECT_TRUE(c.policy.status.operation.has_value());  // waits for resume

  c.policy.spec.paused = false;
  c.settle();
  EXPECT_EQ(c.active.selected_hash, "v2");  // the held promote took effect
  EXPECT_TRUE(c.has_event("RolloutResumed"));

  // Paused after the switch: blue is kept past its deadline until resumed.
  c.policy.spec.paused = true;
  c.now += 1h;
  c.step();
  EXPECT_EQ(c.size("v1"), 3);
  c.policy.spec.paused = false;
  c.step();
  EXPECT_EQ(c.size("v1"), 0);
}

TEST(BlueGreenPlanner, OperationsWithNothingToActOnAreRemovedWithAnEvent) {
  for (auto type : {api::operation_type::promote, api::operation_type::abort, api::operation_type::retry}) {
    SCOPED_TRACE(api::to_string(type));
    auto c = cluster::deployed();
    c.request(type);
    const auto plan = c.sync();
    EXPECT_TRUE(plan.actions.empty());
    EXPECT_FALSE(c.policy.status.operation.has_value());
    EXPECT_FALSE(c.policy.status.abort);
    EXPECT_TRUE(c.has_event("OperationIgnored"));
    EXPECT_EQ(c.policy.status.phase, api::rollout_phase::healthy);
  }
}

TEST(BlueGreenPlanner, ReplicaCountChangesResizeActiveAndKeptRevisions) {
  auto c = cluster::deployed();
  c.update("v2");
  c.step();
  c.request(api::operation_type::promote);
  c.step();
  ASSERT_EQ(c.active.selected_hash, "v2");
  c.policy.spec.replicas = 5;
  const auto plan = c.step();
  EXPECT_EQ(c.size("v2"), 5);
  EXPECT_EQ(c.size("v1"), 5);  // blue stays ready to take all the traffic back
  EXPECT_TRUE(wrote_to(plan, "hello-v1"));
}

TEST(BlueGreenPlanner, HistoryBeyondTheLimitIsDeleted) {
  auto c = cluster::deployed();
  c.policy.spec.revision_history_limit = 1;
  c.bg().auto_promotion_enabled = true;
  c.bg().scale_down_delay_seconds = 0;
  for (const char* v : {"v2", "v3", "v4"}) {
    c.update(v);
    c.settle();
    c.settle();
  }
  std::vector<std::string> left;
  for (const auto& rs : c.replica_sets) left.push_back(rs.hash);
  EXPECT_EQ(left, (std::vector<std::string>{"v3", "v4"}));
  EXPECT_EQ(c.active.selected_hash, "v4");
}

TEST(BlueGreenPlanner, BadInputIsAnErrorNotAPlan) {
  cluster c;
  auto in = c.input();
  in.replicas = -1;
  EXPECT_FALSE(strategy::plan_blue_green(in).ok());
  in = c.input();
  in.new_hash.clear();
  EXPECT_FALSE(strategy::plan_blue_green(in).ok());
  in = c.input();
  replica_set_state bad;
  bad.name = "x";
  bad.spec_replicas = -3;
  in.old_replica_sets.push_back(bad);
  EXPECT_FALSE(strategy::plan_blue_green(in).ok());
}

}  // namespace
}  // namespace rolloutd::blue_green_sim
