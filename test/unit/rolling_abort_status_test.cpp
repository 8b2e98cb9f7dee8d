// Abort, retry and the other operations of a rolling-update policy: what decide_rolling_operation
// makes of status.abort / status.operation, and what rolling_status then records.

#include <gtest/gtest.h>

#include <algorithm>

#include "reconcile/policy_status.hpp"
#include "reconcile/rolling_operations.hpp"

namespace rolloutd::reconcile {
namespace {

using namespace std::chrono_literals;
namespace ct = api::condition_types;
namespace cs = api::condition_statuses;

const auto now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + 12h;

api::rollout_policy make_policy() {
  api::rollout_policy p;
  p.metadata.name = "hello";
  p.metadata.generation = 3;
  p.spec.replicas = 4;
  p.spec.selector.match_labels = {{"app", "hello"}};
  p.spec.progress_deadline_seconds = 10;
  p.status.stable_pod_hash = "v1hash";
  p.status.current_pod_hash = "v2hash";
  p.status.replicas = 5;
  p.status.updated_replicas = 2;
  p.status.ready_replicas = 3;
  p.status.available_replicas = 3;
  return p;
}

strategy::rolling_plan stalled_plan() {
  strategy::rolling_plan plan;
  plan.path = strategy::sync_path::rollout;
  plan.revision = 2;
  plan.new_replica_set = "hello-v2hash";
  plan.limits = {.max_surge = 1, .max_unavailable = 1};
  plan.counts = {.replicas = 5, .updated = 2, .ready = 3, .available = 3, .unavailable = 2};
  return plan;
}

bool has_event(const std::vector<event_note>& events, std::string_view reason) {
  return std::any_of(events.begin(), events.end(), [&](const event_note& e) { return e.reason == reason; });
}

api::operation_request op(api::operation_type type) {
  return {.type = type, .requested_at = std::nullopt, .requested_by = "kubectl-rp"};
}

TEST(RollingOperation, DecidesFromAbortAndTheRequest) {
  struct row {
    const char* name;
    bool abort = false;
    std::string abort_hash = "v2hash";  // the template status.abort was set for
    std::optional<api::operation_request> operation;
    std::string stable_hash = "v1hash";
    bool aborted, retried, consume;
    const char* event;
  };
  const row rows[] = {
      {"nothing asked", false, "v2hash", std::nullopt, "v1hash", false, false, false, nullptr},
      {"abort holds for its template", true, "v2hash", std::nullopt, "v1hash", true, false, false, nullptr},
      {"a new template clears it", true, "v0hash", std::nullopt, "v1hash", false, false, false, nullptr},
      {"Abort", false, "v2hash", op(api::operation_type::abort), "v1hash", true, false, true,
       "RolloutAborted"},
      {"Abort again", true, "v2hash", op(api::operation_type::abort), "v1hash", true, false, true, nullptr},
      {"Abort of the stable template", false, "v2hash", op(api::operation_type::abort), "v2hash", false,
       false, true, "AbortIgnored"},
      {"Abort of a first rollout", false, "v2hash", op(api::operation_type::abort), "", true, false, true,
       "RolloutAborted"},
      {"Retry", true, "v2hash", op(api::operation_type::retry), "v1hash", false, true, true,
       "RolloutRetried"},
      {"Retry without abort", false, "v2hash", op(api::operation_type::retry), "v1hash", false, true, true,
       "RolloutRetried"},
      {"Promote", false, "v2hash", op(api::operation_type::promote), "v1hash", false, false, true,
       "OperationIgnored"},
      {"PromoteFull while aborted", true, "v2hash", op(api::operation_type::promote_full), "v1hash", true,
       false, true, "OperationIgnored"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    api::rollout_status status;
    status.abort = r.abort;
    status.current_pod_hash = r.abort_hash;
    status.stable_pod_hash = r.stable_hash;
    status.operation = r.operation;
    const auto d = decide_rolling_operation({status, "v2hash", "hello-v1hash"});
    EXPECT_EQ(d.aborted, r.aborted);
    EXPECT_EQ(d.retried, r.retried);
    EXPECT_EQ(d.consume_operation, r.consume);
    if (r.event == nullptr) {
      EXPECT_TRUE(d.events.empty());
    } else {
      ASSERT_EQ(d.events.size(), 1U);
      EXPECT_EQ(d.events[0].reason, r.event);
    }
  }
}

TEST(RollingOperation, AbortNamesWhoAndWhere) {
  api::rollout_status status;
  status.stable_pod_hash = "v1hash";
  status.operation = op(api::operation_type::abort);
  const auto d = decide_rolling_operation({status, "v2hash", "hello-v1hash"});
  EXPECT_EQ(d.abort_cause, "aborted by kubectl-rp");
  ASSERT_EQ(d.events.size(), 1U);
  EXPECT_EQ(d.events[0].type, kube::event_type::warning);
  EXPECT_EQ(d.events[0].message,
            "rollout aborted by kubectl-rp; returning to stable ReplicaSet hello-v1hash");
}

TEST(RollingAbortStatus, AbortIsDegradedRolloutAbortedUntilRolledBack) {
  auto policy = make_policy();
  policy.status.operation = op(api::operation_type::abort);
  const auto plan = stalled_plan();
  auto first = rolling_status({.policy = policy,
                               .plan = plan,
                               .hash = "v2hash",
                               .aborted = true,
                               .now = now,
                               .abort_cause = "aborted by kubectl-rp",
                               .stable_replica_set = "hello-v1hash",
                               .consume_operation = true});
  EXPECT_TRUE(first.status.abort);
  EXPECT_FALSE(first.status.operation.has_value());
  EXPECT_EQ(first.status.phase, api::rollout_phase::degraded);
  EXPECT_EQ(first.status.message, "rollout aborted: rolling back to hello-v1hash");
  EXPECT_EQ(first.status.stable_pod_hash, "v1hash");
  EXPECT_EQ(first.status.current_pod_hash, "v2hash") << "the template is not touched";
  const auto* progressing = api::find_condition(first.status.conditions, ct::progressing);
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->status, cs::false_);
  EXPECT_EQ(progressing->reason, "RolloutAborted");
  EXPECT_EQ(progressing->message, "RolloutPolicy \"hello\" aborted by kubectl-rp; returning to hello-v1hash");
  EXPECT_FALSE(first.recheck_after.has_value()) << "no deadline runs while aborted";
  EXPECT_TRUE(api::condition_is(first.status.conditions, ct::ready, cs::false_));

  // The next looks keep the condition as it was and, once the stable set is whole, say so.
  policy.status = first.status;
  auto rolled_back_plan = plan;
  rolled_back_plan.rolled_back = true;
  rolled_back_plan.counts = {.replicas = 4, .updated = 0, .ready = 4, .available = 4, .unavailable = 0};
  auto later = rolling_status({.policy = policy,
                               .plan = rolled_back_plan,
                               .hash = "v2hash",
                               .aborted = true,
                               .now = now + 30s,
                               .stable_replica_set = "hello-v1hash"});
  EXPECT_EQ(*api::find_condition(later.status.conditions, ct::progressing), *progressing);
  EXPECT_EQ(later.status.message, "rollout aborted: rolled back to hello-v1hash");
  EXPECT_TRUE(api::condition_is(later.status.conditions, ct::available, cs::true_));
  EXPECT_TRUE(later.events.empty());
}

TEST(RollingAbortStatus, DeadlineAbortWarnsTwiceAndAbortsAtOnce) {
  auto policy = make_policy();
  policy.spec.progress_deadline_abort = true;
  policy.status.conditions.push_back(api::make_condition(ct::progressing, cs::true_, "ReplicaSetUpdated",
                                                         "progressing", api::to_timestamp(now - 20s)));
  auto d = rolling_status({.policy = policy,
                           .plan = stalled_plan(),
                           .hash = "v2hash",
                           .now = now,
                           .stable_replica_set = "hello-v1hash"});
  EXPECT_TRUE(d.status.abort);
  EXPECT_TRUE(has_event(d.events, "ProgressDeadlineExceeded"));
  EXPECT_TRUE(has_event(d.events, "RolloutAborted"));
  const auto* progressing = api::find_condition(d.status.conditions, ct::progressing);
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->reason, "RolloutAborted");
  EXPECT_NE(progressing->message.find("progress deadline exceeded"), std::string::npos)
      << progressing->message;
}

TEST(RollingAbortStatus, SwitchingAbortOnAfterTheDeadlineAborts) {
  auto policy = make_policy();
  policy.status.conditions.push_back(api::make_condition(
      ct::progressing, cs::false_, "ProgressDeadlineExceeded", "timed out", api::to_timestamp(now - 1min)));
  const rolling_status_input in{.policy = policy,
                                .plan = stalled_plan(),
                                .hash = "v2hash",
                                .now = now,
                                .stable_replica_set = "hello-v1hash"};
  auto reported = rolling_status(in);
  EXPECT_FALSE(reported.status.abort);
  EXPECT_TRUE(reported.events.empty()) << "the deadline was reported before";

  policy.spec.progress_deadline_abort = true;
  auto aborted = rolling_status(in);
  EXPECT_TRUE(aborted.status.abort);
  EXPECT_TRUE(has_event(aborted.events, "RolloutAborted"));
  EXPECT_FALSE(has_event(aborted.events, "ProgressDeadlineExceeded"));
}

TEST(RollingAbortStatus, RetryRestartsTheDeadlineClock) {
  auto policy = make_policy();
  policy.status.abort = true;
  policy.status.operation = op(api::operation_type::retry);
  policy.status.conditions.push_back(api::make_condition(ct::progressing, cs::false_, "RolloutAborted",
                                                         "aborted", api::to_timestamp(now - 1h)));
  auto d = rolling_status({.policy = policy,
                           .plan = stalled_plan(),
                           .hash = "v2hash",
                           .now = now,
                           .retried = true,
                           .consume_operation = true});
  EXPECT_FALSE(d.status.abort);
  EXPECT_FALSE(d.status.operation.has_value());
  EXPECT_EQ(d.status.phase, api::rollout_phase::progressing);
  const auto* progressing = api::find_condition(d.status.conditions, ct::progressing);
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->reason, "RolloutRetried");
  EXPECT_EQ(progressing->last_update_time, api::to_timestamp(now));
  ASSERT_TRUE(d.recheck_after.has_value());  // the deadline is 10s away again
  EXPECT_GT(*d.recheck_after, std::chrono::system_clock::duration(5s));
}

TEST(RollingAbortStatus, ANewTemplateAfterAnAbortStartsAfresh) {
  auto policy = make_policy();
  policy.status.abort = true;
  policy.status.current_pod_hash = "v2hash";
  policy.status.conditions.push_back(api::make_condition(ct::progressing, cs::false_, "RolloutAborted",
                                                         "aborted", api::to_timestamp(now - 1h)));
  auto plan = stalled_plan();
  plan.new_replica_set = "hello-v3hash";
  auto d = rolling_status({.policy = policy, .plan = plan, .hash = "v3hash", .now = now});
  EXPECT_FALSE(d.status.abort);
  EXPECT_EQ(d.status.phase, api::rollout_phase::progressing);
  const auto* progressing = api::find_condition(d.status.conditions, ct::progressing);
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->reason, "FoundNewReplicaSet");
  EXPECT_EQ(progressing->status, cs::true_);
}

TEST(RollingAbortStatus, RestartIsRecordedOnce) {
  auto policy = make_policy();
  strategy::rolling_plan plan;
  plan.complete = true;
  plan.limits = {.max_surge = 1, .max_unavailable = 1};
  plan.counts = {.replicas = 4, .updated = 4, .ready = 4, .available = 4, .unavailable = 0};
  const api::timestamp at = api::to_timestamp(now - 1min);
  auto d = rolling_status({.policy = policy, .plan = plan, .hash = "v2hash", .now = now, .restarted_at = at});
  EXPECT_EQ(d.status.restarted_at, at);
  policy.status = d.status;
  auto again = rolling_status({.policy = policy, .plan = plan, .hash = "v2hash", .now = now + 1s});
  EXPECT_EQ(again.status.restarted_at, at) << "kept once recorded";
}

}  // namespace
}  // namespace rolloutd::reconcile
