// blue_green_status on hand-made plans: what reaches status.* and the conditions that kubectl wait,
// kstatus and `kubectl rp` read. Whole releases are walked in blue_green_planner_test.cpp.

#include "reconcile/blue_green_status.hpp"

#include <gtest/gtest.h>

namespace rolloutd::reconcile {
namespace {

using namespace std::chrono_literals;
namespace ct = api::condition_types;
namespace cs = api::condition_statuses;
using strategy::blue_green_stage;

const auto now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + 12h;

api::rollout_policy make_policy() {
  api::rollout_policy p;
  p.metadata.namespace_name = "ns";
  p.metadata.name = "hello";
  p.metadata.generation = 4;
  p.spec.replicas = 3;
  p.spec.selector.match_labels = {{"app", "hello"}};
  api::blue_green_strategy bg;
  bg.active_service = "hello";
  bg.preview_service = "hello-preview";
  p.spec.strategy = bg;
  return p;
}

strategy::blue_green_plan make_plan(blue_green_stage stage) {
  strategy::blue_green_plan plan;
  plan.stage = stage;
  plan.current_hash = "v2";
  plan.stable_hash = "v1";
  plan.active_hash = "v1";
  plan.preview_hash = "v2";
  plan.revision = 2;
  plan.new_replica_set = "hello-v2";
  plan.counts = {.replicas = 6, .updated = 3, .ready = 6, .available = 6, .unavailable = 0};
  plan.active_available = 3;
  return plan;
}

status_decision decide(const api::rollout_policy& policy, const strategy::blue_green_plan& plan,
                       std::chrono::system_clock::time_point at = now) {
  return blue_green_status(
      {policy, std::get<api::blue_green_strategy>(policy.spec.strategy), plan, "v2", at});
}

const api::condition* find(const status_decision& d, std::string_view type) {
  return api::find_condition(d.status.conditions, type);
}

TEST(BlueGreenStatus, RecordsSelectorsHashesAndCounts) {
  const auto policy = make_policy();
  const auto d = decide(policy, make_plan(blue_green_stage::preview));
  EXPECT_EQ(d.status.active_selector, "v1");
  EXPECT_EQ(d.status.preview_selector, "v2");
  EXPECT_EQ(d.status.stable_pod_hash, "v1");
  EXPECT_EQ(d.status.current_pod_hash, "v2");
  EXPECT_EQ(d.status.current_revision, 2);
  EXPECT_EQ(d.status.observed_generation, 4);
  EXPECT_EQ(d.status.replicas, 6);
  EXPECT_EQ(d.status.updated_replicas, 3);
  EXPECT_EQ(d.status.selector, "app=hello");
  EXPECT_EQ(d.status.phase, api::rollout_phase::progressing);
  EXPECT_TRUE(
      api::condition_is(d.status.conditions, ct::available, cs::true_));  // the active revision's 3 of 3
  EXPECT_TRUE(api::condition_is(d.status.conditions, ct::ready, cs::false_));
}

TEST(BlueGreenStatus, TheOperationIsRemovedOnlyOnceItHasTakenEffect) {
  auto policy = make_policy();
  policy.status.operation =
      api::operation_request{api::operation_type::promote, api::to_timestamp(now), "me"};
  auto plan = make_plan(blue_green_stage::preview);
  EXPECT_TRUE(decide(policy, plan).status.operation.has_value());
  plan.operation_done = true;
  EXPECT_FALSE(decide(policy, plan).status.operation.has_value());
}

TEST(BlueGreenStatus, WaitingForPromotionIsAPauseConditionAndThePausedPhase) {
  const auto policy = make_policy();
  auto plan = make_plan(blue_green_stage::awaiting_promotion);
  plan.pause_start = now - 5s;
  auto d = decide(policy, plan);
  ASSERT_EQ(d.status.pause_conditions.size(), 1u);
  EXPECT_EQ(d.status.pause_conditions[0].reason, "BlueGreenPause");
  EXPECT_EQ(d.status.pause_conditions[0].start_time, api::to_timestamp(now - 5s));
  EXPECT_EQ(d.status.phase, api::rollout_phase::paused);
  EXPECT_NE(d.status.message.find("kubectl rp promote hello"), std::string::npos);
  ASSERT_NE(find(d, ct::paused), nullptr);
  EXPECT_EQ(find(d, ct::paused)->reason, "BlueGreenPause");
  // The progress deadline does not run while a person decides.
  ASSERT_NE(find(d, ct::progressing), nullptr);
  EXPECT_EQ(find(d, ct::progressing)->status, cs::unknown);

  plan.auto_promotion_at = now + 25s;
  plan.wake_at = now + 25s;
  d = decide(policy, plan);
  EXPECT_NE(d.status.message.find("promoting automatically at 2026-01-01T12:00:25Z"), std::string::npos);
  ASSERT_TRUE(d.recheck_after.has_value());
  EXPECT_EQ(*d.recheck_after, 25s);
}

TEST(BlueGreenStatus, AbortIsDegradedWithRolloutAborted) {
  const auto policy = make_policy();
  auto plan = make_plan(blue_green_stage::aborted);
  plan.aborted = true;
  const auto d = decide(policy, plan);
  EXPECT_TRUE(d.status.abort);
  EXPECT_EQ(d.status.phase, api::rollout_phase::degraded);
  ASSERT_NE(find(d, ct::progressing), nullptr);
  EXPECT_EQ(find(d, ct::progressing)->status, cs::false_);
  EXPECT_EQ(find(d, ct::progressing)->reason, "RolloutAborted");
  EXPECT_EQ(find(d, ct::ready)->reason, "Degraded");

  // Retried: the abort's condition is no progress history, the clock starts again.
  auto retried = make_policy();
  retried.status = d.status;
  const auto r = decide(retried, make_plan(blue_green_stage::preview), now + 1h);
  ASSERT_NE(find(r, ct::progressing), nullptr);
  EXPECT_EQ(find(r, ct::progressing)->status, cs::true_);
  EXPECT_EQ(r.status.phase, api::rollout_phase::progressing);
}

TEST(BlueGreenStatus, AMissingServiceIsNamedInTheProgressingCondition) {
  const auto policy = make_policy();
  auto plan = make_plan(blue_green_stage::service_missing);
  plan.missing_service = "hello";
  const auto d = decide(policy, plan);
  ASSERT_NE(find(d, ct::progressing), nullptr);
  EXPECT_EQ(find(d, ct::progressing)->reason, "ServiceNotFound");
  EXPECT_NE(find(d, ct::progressing)->message.find("\"hello\""), std::string::npos);
  EXPECT_EQ(d.status.phase, api::rollout_phase::degraded);

  // The same again writes nothing new.
  auto again = make_policy();
  again.status = d.status;
  EXPECT_EQ(decide(again, plan, now + 10s).status, d.status);
}

TEST(BlueGreenStatus, ProgressDeadlineAbortSetsAbortOnce) {
  auto policy = make_policy();
  policy.spec.progress_deadline_seconds = 60;
  policy.spec.progress_deadline_abort = true;
  auto plan = make_plan(blue_green_stage::preview);
  plan.progressing = true;
  policy.status.replicas = plan.counts.replicas;
  policy.status.updated_replicas = plan.counts.updated;
  policy.status.ready_replicas = plan.counts.ready;
  policy.status.available_replicas = plan.counts.available;
  policy.status.conditions.push_back(api::make_condition(ct::progressing, cs::true_, "ReplicaSetUpdated",
                                                         "progressing", api::to_timestamp(now - 61s)));
  const auto d = decide(policy, plan);
  EXPECT_TRUE(d.status.abort);
  EXPECT_EQ(d.status.phase, api::rollout_phase::degraded);
  EXPECT_EQ(find(d, ct::progressing)->reason, "ProgressDeadlineExceeded");
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].reason, "ProgressDeadlineExceeded");
  EXPECT_NE(d.events[0].message.find("stays on v1"), std::string::npos);
}

TEST(BlueGreenStatus, HealthyNeedsOnlyGreenRunningAndFullyAvailable) {
  const auto policy = make_policy();
  auto plan = make_plan(blue_green_stage::complete);
  plan.complete = true;
  plan.active_hash = "v2";
  plan.stable_hash = "v2";
  plan.counts = {.replicas = 3, .updated = 3, .ready = 3, .available = 3, .unavailable = 0};
  auto d = decide(policy, plan);
  EXPECT_EQ(d.status.phase, api::rollout_phase::healthy);
  EXPECT_TRUE(api::condition_is(d.status.conditions, ct::ready, cs::true_));
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].reason, "RolloutCompleted");

  plan.active_available = 2;
  d = decide(policy, plan);
  EXPECT_EQ(d.status.phase, api::rollout_phase::progressing);
  EXPECT_TRUE(api::condition_is(d.status.conditions, ct::available, cs::false_));
}

TEST(BlueGreenStatus, PlannerNotesBecomeEvents) {
  const auto policy = make_policy();
  auto plan = make_plan(blue_green_stage::scaling_down);
  plan.notes.push_back({false, "ServiceSwitched", "active Service hello switched from v1 to v2"});
  plan.notes.push_back({true, "ActiveServiceRescued", "..."});
  const auto d = decide(policy, plan);
  ASSERT_GE(d.events.size(), 2u);
  EXPECT_EQ(d.events[0].reason, "ServiceSwitched");
  EXPECT_EQ(d.events[0].type, kube::event_type::normal);
  EXPECT_EQ(d.events[1].type, kube::event_type::warning);
}

}  // namespace
}  // namespace rolloutd::reconcile
