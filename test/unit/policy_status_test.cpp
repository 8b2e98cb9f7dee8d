#include "reconcile/policy_status.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace rolloutd::reconcile {
namespace {

using namespace std::chrono_literals;
namespace ct = api::condition_types;
namespace cs = api::condition_statuses;

const auto now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + 12h;

api::rollout_policy make_policy(std::int32_t replicas = 3) {
  api::rollout_policy p;
  p.metadata.namespace_name = "ns";
  p.metadata.name = "hello";
  p.metadata.generation = 2;
  p.spec.replicas = replicas;
  p.spec.selector.match_labels = {{"app", "hello"}};
  p.spec.progress_deadline_seconds = 10;
  return p;
}

strategy::rolling_plan make_plan(std::int32_t replicas, bool complete) {
  strategy::rolling_plan plan;
  plan.path = strategy::sync_path::rollout;
  plan.revision = 2;
  plan.new_replica_set = "hello-abc";
  plan.limits = {.max_surge = 1, .max_unavailable = 1};
  plan.counts = {.replicas = replicas,
                 .updated = complete ? replicas : 1,
                 .ready = replicas,
                 .available = replicas,
                 .unavailable = 0};
  plan.complete = complete;
  return plan;
}

bool has_event(const status_decision& d, std::string_view reason) {
  return std::any_of(d.events.begin(), d.events.end(),
                     [&](const event_note& e) { return e.reason == reason; });
}

TEST(PolicyStatus, CompleteRolloutIsHealthyAndReadyWithOneCompletedEvent) {
  auto policy = make_policy();
  const auto plan = make_plan(3, true);
  auto first = rolling_status({policy, plan, "abc", false, now});
  EXPECT_EQ(first.status.phase, api::rollout_phase::healthy);
  EXPECT_EQ(first.status.stable_pod_hash, "abc");
  EXPECT_EQ(first.status.current_pod_hash, "abc");
  EXPECT_EQ(first.status.current_revision, 2);
  EXPECT_EQ(first.status.observed_generation, 2);
  EXPECT_EQ(first.status.selector, "app=hello");
  EXPECT_TRUE(api::condition_is(first.status.conditions, ct::ready, cs::true_));
  EXPECT_TRUE(api::condition_is(first.status.conditions, ct::available, cs::true_));
  EXPECT_TRUE(has_event(first, "RolloutCompleted"));

  // Level-triggered: the same observation again changes nothing and says nothing.
  policy.status = first.status;
  auto second = rolling_status({policy, plan, "abc", false, now + 5s});
  EXPECT_EQ(second.status, first.status);
  EXPECT_TRUE(second.events.empty());
}

TEST(PolicyStatus, AScaleOrRestartOfTheStableRevisionCompletesNoRollout) {
  auto policy = make_policy();
  const auto done = rolling_status({policy, make_plan(3, true), "abc", false, now});
  policy.status = done.status;
  auto dip = make_plan(3, true);  // a pod being replaced: not complete for a moment
  dip.complete = false;
  dip.counts.available = 2;
  const auto replacing = rolling_status({policy, dip, "abc", false, now + 1s});
  EXPECT_EQ(replacing.status.phase, api::rollout_phase::progressing);
  policy.status = replacing.status;
  const auto again = rolling_status({policy, make_plan(3, true), "abc", false, now + 2s});
  EXPECT_EQ(again.status.phase, api::rollout_phase::healthy);
  EXPECT_FALSE(has_event(again, "RolloutCompleted"));

  // Returning to the same template after an abort is a rollout that completes.
  policy.status = replacing.status;
  policy.status.abort = true;
  EXPECT_TRUE(
      has_event(rolling_status({policy, make_plan(3, true), "abc", false, now + 3s}), "RolloutCompleted"));
}

TEST(PolicyStatus, MidRolloutKeepsTheStableHash) {
  auto policy = make_policy();
  policy.status.stable_pod_hash = "old";
  auto d = rolling_status({policy, make_plan(3, false), "abc", false, now});
  EXPECT_EQ(d.status.phase, api::rollout_phase::progressing);
  EXPECT_EQ(d.status.stable_pod_hash, "old");
  EXPECT_TRUE(api::condition_is(d.status.conditions, ct::ready, cs::false_));
}

TEST(PolicyStatus, PauseAndResumeAreConditionsAndEvents) {
  auto policy = make_policy();
  policy.spec.paused = true;
  auto paused = rolling_status({policy, make_plan(3, false), "abc", false, now});
  EXPECT_EQ(paused.status.phase, api::rollout_phase::paused);
  EXPECT_TRUE(api::condition_is(paused.status.conditions, ct::paused, cs::true_));
  EXPECT_TRUE(has_event(paused, "RolloutPaused"));

  policy.status = paused.status;
  policy.spec.paused = false;
  auto resumed = rolling_status({policy, make_plan(3, false), "abc", false, now + 1s});
  EXPECT_EQ(api::find_condition(resumed.status.conditions, ct::paused), nullptr);
  EXPECT_TRUE(has_event(resumed, "RolloutResumed"));
  EXPECT_FALSE(has_event(resumed, "RolloutPaused"));
}

struct deadline_case {
  const char* name;
  bool abort_on_deadline;
  bool want_abort;
  const char* want_reason;
};

class PolicyStatusDeadline : public ::testing::TestWithParam<deadline_case> {};

TEST_P(PolicyStatusDeadline, NoProgressPastTheDeadlineIsDegraded) {
  auto policy = make_policy();
  policy.spec.progress_deadline_abort = GetParam().abort_on_deadline;
  const auto plan = make_plan(3, false);
  policy.status.replicas = plan.counts.replicas;
  policy.status.updated_replicas = plan.counts.updated;
  policy.status.ready_replicas = plan.counts.ready;
  policy.status.available_replicas = plan.counts.available;
  policy.status.conditions.push_back(api::make_condition(ct::progressing, cs::true_, "ReplicaSetUpdated",
                                                         "progressing", api::to_timestamp(now - 20s)));
  auto d = rolling_status({policy, plan, "abc", false, now});
  const auto* p = api::find_condition(d.status.conditions, ct::progressing);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->status, cs::false_);
  EXPECT_EQ(p->reason, GetParam().want_reason);
  EXPECT_EQ(d.status.phase, api::rollout_phase::degraded);
  EXPECT_EQ(d.status.abort, GetParam().want_abort);
  EXPECT_TRUE(has_event(d, "ProgressDeadlineExceeded"));

  // Noticed once: the next look emits nothing new.
  policy.status = d.status;
  auto again = rolling_status({policy, plan, "abc", d.status.abort, now + 1s});
  EXPECT_FALSE(has_event(again, "ProgressDeadlineExceeded"));
  EXPECT_EQ(again.status.phase, api::rollout_phase::degraded);
}

INSTANTIATE_TEST_SUITE_P(All, PolicyStatusDeadline,
                         ::testing::Values(deadline_case{"report", false, false, "ProgressDeadlineExceeded"},
                                           deadline_case{"abort", true, true, "RolloutAborted"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PolicyStatus, ProgressBeforeTheDeadlineAsksToBeWokenForIt) {
  auto policy = make_policy();
  auto d = rolling_status({policy, make_plan(3, false), "abc", false, now});
  ASSERT_TRUE(d.recheck_after.has_value());
  EXPECT_GT(*d.recheck_after, std::chrono::system_clock::duration(0s));
  EXPECT_LE(*d.recheck_after, std::chrono::system_clock::duration(11s)) << "about the 10s deadline";
}

TEST(PolicyStatus, InvalidSpecIsDegradedAndWarnsOncePerMessage) {
  api::rollout_status previous;
  auto first = invalid_status(previous, 3, "InvalidSpec", "spec.x: bad", now);
  EXPECT_TRUE(api::condition_is(first.status.conditions, ct::invalid_spec, cs::true_));
  EXPECT_TRUE(api::condition_is(first.status.conditions, ct::ready, cs::false_));
  EXPECT_EQ(first.status.phase, api::rollout_phase::degraded);
  EXPECT_EQ(first.status.observed_generation, 3);
  ASSERT_EQ(first.events.size(), 1u);
  EXPECT_EQ(first.events[0].type, kube::event_type::warning);

  auto same = invalid_status(first.status, 3, "InvalidSpec", "spec.x: bad", now + 1s);
  EXPECT_TRUE(same.events.empty());
  EXPECT_TRUE(same.status == first.status) << "restating the problem changes nothing";
  auto other = invalid_status(first.status, 4, "InvalidSpec", "spec.y: bad", now + 2s);
  EXPECT_EQ(other.events.size(), 1u);

  // Once the spec is valid again the condition goes away.
  auto policy = make_policy();
  policy.status = other.status;
  auto healed = rolling_status({policy, make_plan(3, true), "abc", false, now + 3s});
  EXPECT_EQ(api::find_condition(healed.status.conditions, ct::invalid_spec), nullptr);
}

}  // namespace
}  // namespace rolloutd::reconcile
