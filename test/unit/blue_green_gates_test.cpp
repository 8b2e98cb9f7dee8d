// The blue/green manual gate, which nothing may bypass or undo: a promotion once given survives a
// change of spec.replicas (an HPA, `kubectl scale`) and a controller restart before the switch, and
// an outage of the active revision never moves users to a revision that was not approved.
// The random sequences of events are in blue_green_random_test.cpp.

#include <gtest/gtest.h>

#include "blue_green_sim.hpp"

namespace rolloutd::blue_green_sim {
namespace {

namespace ct = api::condition_types;
namespace cs = api::condition_statuses;

// What a restarted controller reads: the status as stored (JSON) and nothing else.
void restart_controller(cluster& c) {
  auto parsed = api::parse_status(api::to_json(c.policy.status));
  ASSERT_TRUE(parsed.warnings().empty());
  c.policy.status = parsed.value();
}

// v1 active; v2 at previewReplicaCount 1 of 3, ready and waiting for a manual promotion.
cluster awaiting_small_preview() {
  auto c = cluster::deployed(3);
  c.bg().preview_replica_count = 1;
  c.update("v2");
  c.settle();
  EXPECT_EQ(c.size("v2"), 1);
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
  c.events.clear();
  return c;
}

std::int32_t count_events(const cluster& c, std::string_view reason) {
  return static_cast<std::int32_t>(std::count_if(
      c.events.begin(), c.events.end(), [&](const reconcile::event_note& e) { return e.reason == reason; }));
}

TEST(BlueGreenGates, APromotionSurvivesAReplicaChangeBeforeTheSwitch) {
  for (const std::int32_t resized : {5, 1, 2, 3}) {
    for (const bool restart : {false, true}) {
      SCOPED_TRACE("replicas 3 -> " + std::to_string(resized) + (restart ? ", controller restarted" : ""));
      auto c = awaiting_small_preview();
      c.request(api::operation_type::promote);
      c.sync();
      ASSERT_EQ(c.size("v2"), 3);  // promoted: green grows to full size, not available yet
      ASSERT_FALSE(c.policy.status.operation.has_value());
      ASSERT_EQ(c.active.selected_hash, "v1");

      // An HPA or `kubectl scale` before green's new pods are available.
      c.policy.spec.replicas = resized;
      if (restart) restart_controller(c);
      const auto plan = c.sync();
      EXPECT_EQ(c.size("v2"), resized) << "green went back to its preview size";
      EXPECT_NE(plan.stage, blue_green_stage::awaiting_promotion);
      // Down to 1, green's one available pod is all it needs: the switch is made at once.
      EXPECT_EQ(c.active.selected_hash, resized == 1 ? "v2" : "v1");
      EXPECT_TRUE(c.policy.status.pause_conditions.empty());
      EXPECT_NE(c.policy.status.phase, api::rollout_phase::paused);

      if (restart) restart_controller(c);
      c.converge();
      c.settle();
      EXPECT_EQ(c.active.selected_hash, "v2") << "the release waits for a second promote";
      EXPECT_EQ(c.size("v2"), resized);
      EXPECT_EQ(count_events(c, "RolloutPaused"), 0);
      EXPECT_FALSE(c.policy.status.operation.has_value());
    }
  }
}

TEST(BlueGreenGates, AnAutomaticPromotionIsNotWaitedForTwice) {
  auto c = awaiting_small_preview();
  c.bg().auto_promotion_enabled = true;
  c.bg().auto_promotion_seconds = 60;
  c.policy.status.pause_conditions.clear();
  c.sync();  // the wait starts now
  c.now += 61s;
  c.sync();
  ASSERT_EQ(c.size("v2"), 3);
  c.policy.spec.replicas = 4;
  restart_controller(c);
  auto plan = c.sync();
  EXPECT_EQ(c.size("v2"), 4);
  EXPECT_EQ(plan.stage, blue_green_stage::promoting);
  c.converge();
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "v2");
}

TEST(BlueGreenGates, ThePromotionBelongsToOneTemplateAndAnAbortOrRetryTakesItBack) {
  {
    SCOPED_TRACE("a new template");
    auto c = awaiting_small_preview();
    c.request(api::operation_type::promote);
    c.sync();
    c.update("v3");
    c.policy.spec.replicas = 4;
    c.settle();
    EXPECT_EQ(c.size("v3"), 1);
    EXPECT_EQ(c.active.selected_hash, "v1");
    EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
  }
  {
    SCOPED_TRACE("abort then retry");
    auto c = awaiting_small_preview();
    c.request(api::operation_type::promote);
    c.sync();
    c.request(api::operation_type::abort);
    c.settle();
    EXPECT_TRUE(c.policy.status.abort);
    c.request(api::operation_type::retry);
    c.policy.spec.replicas = 5;
    c.settle();
    EXPECT_EQ(c.size("v2"), 1);
    EXPECT_EQ(c.active.selected_hash, "v1");
    EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
  }
}

// Blue's pods all unavailable while green waits, fully available, for a promotion.
void blue_down(cluster& c) {
  c.find("v1")->available_replicas = 0;
  c.find("v1")->ready_replicas = 0;
}

TEST(BlueGreenGates, AnOutageOfBlueDoesNotShipAnUnpromotedGreen) {
  struct row {
    const char* name;
    bool auto_promotion;
    std::optional<std::int32_t> auto_promotion_seconds;
  };
  for (const row r :
       {row{"manual", false, std::nullopt}, row{"autoPromotionSeconds not yet passed", true, 600}}) {
    SCOPED_TRACE(r.name);
    auto c = cluster::deployed();
    c.bg().auto_promotion_enabled = r.auto_promotion;
    c.bg().auto_promotion_seconds = r.auto_promotion_seconds;
    c.update("v2");
    c.settle();
    ASSERT_EQ(c.size("v2"), 3);
    ASSERT_EQ(c.active.selected_hash, "v1");
    c.events.clear();

    blue_down(c);
    c.sync();
    EXPECT_EQ(c.active.selected_hash, "v1") << "the manual gate was bypassed";
    EXPECT_EQ(c.policy.status.stable_pod_hash, "v1");
    EXPECT_EQ(count_events(c, "ActiveServiceRescued"), 0);
    // Reported: a Warning event (once), the Available condition and the phase say why.
    EXPECT_EQ(count_events(c, "ActiveRevisionUnavailable"), 1);
    const auto* available = api::find_condition(c.policy.status.conditions, ct::available);
    ASSERT_NE(available, nullptr);
    EXPECT_EQ(available->status, cs::false_);
    EXPECT_EQ(available->reason, "ActiveRevisionUnavailable");
    EXPECT_NE(available->message.find("v2"), std::string::npos) << available->message;
    EXPECT_EQ(c.policy.status.phase, api::rollout_phase::degraded);

    restart_controller(c);
    c.sync();
    EXPECT_EQ(c.active.selected_hash, "v1");
    EXPECT_EQ(count_events(c, "ActiveRevisionUnavailable"), 1);  // not repeated every sync

    // Blue's pods come back: the release waits for its promotion as before.
    c.converge();
    c.sync();
    EXPECT_EQ(c.active.selected_hash, "v1");
    EXPECT_EQ(c.policy.status.phase, api::rollout_phase::paused);
    EXPECT_EQ(api::find_condition(c.policy.status.conditions, ct::available)->status, cs::true_);
  }
}

TEST(BlueGreenGates, DuringAnOutageAPromoteSwitchesAsUsual) {
  auto c = cluster::deployed();
  c.update("v2");
  c.settle();
  blue_down(c);
  c.sync();
  ASSERT_EQ(c.active.selected_hash, "v1");
  c.request(api::operation_type::promote);
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "v2");
  EXPECT_EQ(c.policy.status.phase, api::rollout_phase::progressing);
}

TEST(BlueGreenGates, AnAbortedGreenIsNeverARescue) {
  auto c = cluster::deployed();
  c.update("v2");
  c.settle();
  c.request(api::operation_type::abort);
  c.sync();
  ASSERT_TRUE(c.policy.status.abort);
  ASSERT_EQ(c.size("v2"), 3);  // kept for abortScaleDownDelaySeconds
  blue_down(c);
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "v1");
  EXPECT_EQ(count_events(c, "ActiveServiceRescued"), 0);
}

TEST(BlueGreenGates, AfterTheSwitchAnOutageOfGreenStillReturnsToStable) {
  auto c = cluster::deployed();
  c.update("v2");
  c.settle();
  c.request(api::operation_type::promote);
  c.settle();
  ASSERT_EQ(c.active.selected_hash, "v2");
  c.find("v2")->available_replicas = 0;
  c.sync();
  EXPECT_EQ(c.active.selected_hash, "v1");  // the approved, stable revision
  EXPECT_EQ(count_events(c, "ActiveServiceRescued"), 1);
  // Green was promoted: once its pods are back, it is switched to again without a second promote.
  c.converge();
  c.settle();
  EXPECT_EQ(c.active.selected_hash, "v2");
}

}  // namespace
}  // namespace rolloutd::blue_green_sim
