#include "reconcile/canary_status.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "canary_sim.hpp"

namespace rolloutd::reconcile {
namespace {

using namespace std::chrono_literals;
namespace ct = api::condition_types;
namespace cs = api::condition_statuses;
using strategy::canary_sim::cluster;

api::canary_strategy issue_canary() {
  api::canary_strategy c;
  c.steps = {api::set_weight_step{25}, api::pause_step{}, api::set_weight_step{50}, api::pause_step{10s},
             api::set_weight_step{100}};
  c.abort_scale_down_delay_seconds = 0;
  return c;
}

bool has_event(const status_decision& d, std::string_view reason) {
  return std::any_of(d.events.begin(), d.events.end(),
                     [&](const event_note& e) { return e.reason == reason; });
}

const api::condition& condition(const api::rollout_status& s, std::string_view type) {
  static const api::condition none;
  const auto* c = api::find_condition(s.conditions, type);
  return c ? *c : none;
}

// A policy whose stable v1 runs 4 replicas, with its template just changed to v2; each reconcile
// plans from the status the previous one wrote (after a round trip through its JSON), applies the
// plan to simulated ReplicaSets and writes the status.
class harness {
 public:
  harness() : c_(strategy::canary_sim::canary_of_v2(4)) {
    policy_.metadata.name = "hello";
    policy_.metadata.generation = 3;
    policy_.spec.replicas = 4;
    policy_.spec.selector.match_labels = {{"app", "hello"}};
    policy_.spec.strategy = issue_canary();
    policy_.status.stable_pod_hash = "v1";
    policy_.status.current_pod_hash = "v1";
    policy_.status.current_step_index = 5;
    policy_.status.replicas = policy_.status.available_replicas = policy_.status.ready_replicas = 4;
    policy_.status.updated_replicas = 4;
    policy_.status.phase = api::rollout_phase::healthy;
  }

  api::rollout_policy& policy() { return policy_; }
  cluster& pods() { return c_; }
  std::chrono::system_clock::time_point now() const { return now_; }
  void advance(std::chrono::system_clock::duration d) { now_ += d; }

  void request(api::operation_type t) {
    policy_.status.operation = api::operation_request{t, std::nullopt, "test"};
  }

  status_decision reconcile(std::string services_problem = "") {
    canary_observed observed{c_.input().hash,
                             c_.input().new_replica_set_name,
                             c_.input().new_replica_set,
                             c_.input().old_replica_sets,
                             c_.input().service,
                             c_.input().stable_service,
                             c_.input().canary_service};
    auto made = make_canary_input(policy_, std::get<api::canary_strategy>(policy_.spec.strategy),
                                  std::move(observed), now_);
    auto planned = strategy::plan_canary(made.input);
    EXPECT_TRUE(planned.ok()) << planned.error;
    last_plan_ = planned.plan;
    c_.apply(planned.plan);
    auto d =
        canary_status({policy_, planned.plan, made.deadline_newly_passed, std::move(services_problem), now_});
    auto round_trip = api::parse_status(api::to_json(d.status));
    EXPECT_TRUE(round_trip.warnings().empty());
    EXPECT_EQ(round_trip.value(), d.status) << api::to_json(d.status).dump();
    policy_.status = round_trip.value();
    return d;
  }

  // Reconciles, letting pods become available in between, until nothing changes.
  status_decision settle() {
    for (int i = 0; i < 30; ++i) {
      auto d = reconcile();
      const bool started = c_.everything_available();
      if (last_plan_.actions.empty() && !started) return d;
    }
    ADD_FAILURE() << "did not settle";
    return reconcile();
  }

 private:
  api::rollout_policy policy_;
  cluster c_;
  std::chrono::system_clock::time_point now_ = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + 12h;
  strategy::canary_plan last_plan_;
};

TEST(CanaryStatus, RecordsEachStepOfTheIssuesCanary) {
  harness h;
  auto d = h.reconcile();
  EXPECT_EQ(d.status.phase, api::rollout_phase::progressing);
  EXPECT_EQ(d.status.current_pod_hash, "v2");
  EXPECT_EQ(d.status.stable_pod_hash, "v1");
  EXPECT_EQ(d.status.current_step_index, 0);
  EXPECT_EQ(d.status.canary_weight, 0);
  EXPECT_EQ(d.status.current_revision, 2);
  EXPECT_EQ(condition(d.status, ct::progressing).reason, "NewReplicaSetCreated");

  d = h.settle();  // 25% reached, then the open pause
  EXPECT_EQ(d.status.phase, api::rollout_phase::paused);
  EXPECT_EQ(d.status.current_step_index, 1);
  EXPECT_EQ(d.status.canary_weight, 25);
  ASSERT_EQ(d.status.pause_conditions.size(), 1u);
  EXPECT_EQ(d.status.pause_conditions[0].reason, "CanaryPauseStep");
  EXPECT_EQ(condition(d.status, ct::paused).reason, "CanaryPauseStep");
  EXPECT_EQ(condition(d.status, ct::paused).message, "paused at step 2/5 (pause: until promoted)");
  EXPECT_EQ(condition(d.status, ct::progressing).reason, "RolloutPaused");
  EXPECT_EQ(condition(d.status, ct::ready).status, cs::false_);
  EXPECT_FALSE(d.recheck_after) << "an open pause is not polled, and its deadline clock is stopped";

  // A long pause does not run into the progress deadline.
  h.advance(2h);
  d = h.reconcile();
  EXPECT_EQ(d.status.phase, api::rollout_phase::paused);
  EXPECT_TRUE(d.events.empty());

  h.request(api::operation_type::promote);
  d = h.reconcile();
  EXPECT_FALSE(d.status.operation) << "handled, so removed in the same patch";
  EXPECT_EQ(d.status.current_step_index, 2);
  EXPECT_TRUE(d.status.pause_conditions.empty());
  EXPECT_FALSE(api::find_condition(d.status.conditions, ct::paused));
  EXPECT_EQ(d.status.phase, api::rollout_phase::progressing);
  EXPECT_TRUE(has_event(d, "RolloutPromoted"));

  d = h.settle();  // 50% reached, the timed pause starts and asks to be woken when it ends
  EXPECT_EQ(d.status.current_step_index, 3);
  EXPECT_EQ(d.status.canary_weight, 50);
  EXPECT_EQ(d.status.phase, api::rollout_phase::paused);
  EXPECT_EQ(d.recheck_after, std::chrono::system_clock::duration(10s));

  h.advance(10s);
  d = h.settle();
  EXPECT_EQ(d.status.phase, api::rollout_phase::healthy);
  EXPECT_EQ(d.status.stable_pod_hash, "v2");
  EXPECT_EQ(d.status.current_step_index, 5);
  EXPECT_EQ(d.status.canary_weight, 100);
  EXPECT_EQ(condition(d.status, ct::ready).status, cs::true_);
  EXPECT_EQ(condition(d.status, ct::progressing).reason, "NewReplicaSetAvailable");

  const auto again = h.reconcile();  // level-triggered: nothing to change or say
  EXPECT_EQ(again.status, d.status);
  EXPECT_TRUE(again.events.empty());
}

TEST(CanaryStatus, AbortIsDegradedWithReasonRolloutAbortedUntilRetried) {
  harness h;
  h.settle();
  h.request(api::operation_type::abort);
  auto d = h.reconcile();
  EXPECT_TRUE(d.status.abort);
  EXPECT_FALSE(d.status.operation);
  EXPECT_EQ(d.status.phase, api::rollout_phase::degraded);
  EXPECT_EQ(d.status.current_step_index, 0);
  EXPECT_EQ(d.status.current_pod_hash, "v2");
  EXPECT_EQ(condition(d.status, ct::progressing).status, cs::false_);
  EXPECT_EQ(condition(d.status, ct::progressing).reason, "RolloutAborted");
  EXPECT_EQ(condition(d.status, ct::ready).reason, "RolloutAborted");
  ASSERT_TRUE(has_event(d, "RolloutAborted"));
  EXPECT_EQ(d.events.front().type, kube::event_type::warning);

  d = h.settle();
  EXPECT_EQ(d.status.canary_weight, 0);
  EXPECT_EQ(h.pods().size("v2"), 0);
  EXPECT_EQ(d.status.phase, api::rollout_phase::degraded);

  h.request(api::operation_type::retry);
  d = h.reconcile();
  EXPECT_FALSE(d.status.abort);
  // Leaving the abort restarts the deadline clock, as resuming does.
  EXPECT_EQ(condition(d.status, ct::progressing).reason, "RolloutResumed");
  EXPECT_EQ(condition(d.status, ct::progressing).last_update_time, api::to_timestamp(h.now()));
  EXPECT_EQ(d.status.phase, api::rollout_phase::progressing);
  d = h.settle();
  EXPECT_EQ(d.status.current_step_index, 1);
}

TEST(CanaryStatus, ProgressDeadlineAbortAbortsOnceTheDeadlinePasses) {
  harness h;
  h.policy().spec.progress_deadline_seconds = 60;
  h.policy().spec.progress_deadline_abort = true;
  h.reconcile();  // the canary pod never becomes available
  h.reconcile();  // its creation is the last progress
  h.advance(30s);
  auto d = h.reconcile();
  EXPECT_FALSE(d.status.abort);
  EXPECT_EQ(d.recheck_after, std::chrono::system_clock::duration(31s));
  h.advance(31s);
  d = h.reconcile();
  EXPECT_TRUE(d.status.abort);
  EXPECT_EQ(d.status.phase, api::rollout_phase::degraded);
  EXPECT_TRUE(has_event(d, "ProgressDeadlineExceeded"));
  EXPECT_TRUE(has_event(d, "RolloutAborted"));
  d = h.reconcile();
  EXPECT_FALSE(has_event(d, "ProgressDeadlineExceeded")) << "reported once";
}

TEST(CanaryStatus, WithoutProgressDeadlineAbortTheDeadlineOnlyDegrades) {
  harness h;
  h.policy().spec.progress_deadline_seconds = 60;
  h.reconcile();
  h.reconcile();
  h.advance(61s);
  auto d = h.reconcile();
  EXPECT_FALSE(d.status.abort);
  EXPECT_EQ(d.status.phase, api::rollout_phase::degraded);
  EXPECT_EQ(condition(d.status, ct::progressing).reason, "ProgressDeadlineExceeded");
  EXPECT_TRUE(has_event(d, "ProgressDeadlineExceeded"));
  // The pod comes up after all: the step completes, which is progress, and the pause begins.
  h.pods().everything_available();
  d = h.settle();
  EXPECT_EQ(d.status.phase, api::rollout_phase::paused);
}

TEST(CanaryStatus, SpecPausedIsAConditionAndEvents) {
  harness h;
  h.reconcile();
  h.policy().spec.paused = true;
  auto d = h.reconcile();
  EXPECT_EQ(d.status.phase, api::rollout_phase::paused);
  EXPECT_EQ(condition(d.status, ct::paused).reason, "RolloutPaused");
  EXPECT_TRUE(has_event(d, "RolloutPaused"));
  h.policy().spec.paused = false;
  d = h.reconcile();
  EXPECT_TRUE(has_event(d, "RolloutResumed"));
  EXPECT_FALSE(api::find_condition(d.status.conditions, ct::paused));
}

TEST(CanaryStatus, AMissingServiceIsAConditionAndOneWarning) {
  harness h;
  auto d = h.reconcile("Service hello-canary not found");
  const auto& c = condition(d.status, "ServicesReady");
  EXPECT_EQ(c.status, cs::false_);
  EXPECT_EQ(c.reason, "ServiceNotFound");
  EXPECT_EQ(c.message, "Service hello-canary not found");
  EXPECT_TRUE(has_event(d, "ServiceNotFound"));
  EXPECT_NE(d.status.message.find("Service hello-canary not found"), std::string::npos);
  d = h.reconcile("Service hello-canary not found");
  EXPECT_FALSE(has_event(d, "ServiceNotFound"));
  d = h.reconcile();
  EXPECT_FALSE(api::find_condition(d.status.conditions, "ServicesReady"));
}

TEST(CanaryStatus, AnOperationWithNothingToDoIsStillRemoved) {
  harness h;
  h.policy().status.operation = api::operation_request{api::operation_type::promote_full, std::nullopt, "x"};
  h.pods().change_template("v1");
  const auto d = h.reconcile();
  EXPECT_FALSE(d.status.operation);
  EXPECT_TRUE(has_event(d, "OperationIgnored"));
}

// Defect 5: replicas 4, maxSurge 100%, maxUnavailable 0, steps [setWeight: 25],
// scaleDownDelaySeconds 1800. Promoted, the previous stable keeps its pods for the delay: the
// rollout is done and no deadline runs, so it never turns Degraded / Stalled meanwhile.
TEST(CanaryStatus, APromotedCanaryHasNoDeadlineWhileThePreviousStableWaitsOutItsDelay) {
  harness h;
  auto& canary = std::get<api::canary_strategy>(h.policy().spec.strategy);
  canary.steps = {api::set_weight_step{25}};
  canary.max_surge = api::int_or_percent::percent(100);
  canary.max_unavailable = api::int_or_percent::count(0);
  canary.scale_down_delay_seconds = 1800;
  auto d = h.settle();
  ASSERT_EQ(d.status.stable_pod_hash, "v2");
  ASSERT_EQ(h.pods().size("v1"), 3) << "the previous stable keeps its pods";
  EXPECT_EQ(condition(d.status, ct::progressing).reason, "NewReplicaSetAvailable");
  h.advance(601s);
  d = h.reconcile();
  EXPECT_NE(d.status.phase, api::rollout_phase::degraded) << d.status.message;
  EXPECT_EQ(condition(d.status, ct::progressing).status, cs::true_);
  EXPECT_EQ(condition(d.status, ct::progressing).reason, "NewReplicaSetAvailable");
  EXPECT_FALSE(api::find_condition(d.status.conditions, "Stalled"));
  EXPECT_FALSE(has_event(d, "ProgressDeadlineExceeded"));
  h.advance(1200s);
  d = h.settle();
  EXPECT_EQ(h.pods().size("v1"), 0);
  EXPECT_EQ(d.status.phase, api::rollout_phase::healthy);
}

// Defect 6: the controller was down past the deadline while the canary's pod came up: the first
// reconcile sees progress, not a timeout, and with progressDeadlineAbort aborts nothing.
TEST(CanaryStatus, PodsThatCameUpWhileNobodyLookedAreProgressNotATimeout) {
  harness h;
  h.policy().spec.progress_deadline_seconds = 60;
  h.policy().spec.progress_deadline_abort = true;
  h.reconcile();
  h.reconcile();
  h.advance(120s);
  h.pods().everything_available();
  const auto d = h.reconcile();
  EXPECT_FALSE(d.status.abort);
  EXPECT_NE(d.status.phase, api::rollout_phase::degraded) << d.status.message;
  EXPECT_FALSE(has_event(d, "ProgressDeadlineExceeded"));
  EXPECT_FALSE(has_event(d, "RolloutAborted"));
  EXPECT_EQ(d.status.current_step_index, 1);
}

// Defect 6, when the counts moved but no step completed: 2 canary pods wanted, 1 came up.
TEST(CanaryStatus, APartialPodCountGainIsProgressToo) {
  harness h;
  std::get<api::canary_strategy>(h.policy().spec.strategy).steps = {api::set_weight_step{50}};
  h.policy().spec.progress_deadline_seconds = 60;
  h.policy().spec.progress_deadline_abort = true;
  h.reconcile();
  h.reconcile();
  ASSERT_EQ(h.pods().size("v2"), 2);
  h.advance(120s);
  h.pods().input().new_replica_set->available_replicas = 1;
  const auto d = h.reconcile();
  EXPECT_FALSE(d.status.abort);
  EXPECT_EQ(condition(d.status, ct::progressing).reason, "ReplicaSetUpdated");
}

// Defect 8: a promote while spec.paused stays in status.operation, says so, and applies on resume.
TEST(CanaryStatus, APromoteWhileSpecPausedWaitsInStatusForTheResume) {
  harness h;
  h.settle();
  ASSERT_EQ(h.policy().status.current_step_index, 1);
  h.policy().spec.paused = true;
  h.request(api::operation_type::promote);
  auto d = h.reconcile();
  EXPECT_TRUE(d.status.operation);
  EXPECT_EQ(d.status.current_step_index, 1);
  EXPECT_EQ(d.status.phase, api::rollout_phase::paused);
  EXPECT_NE(d.status.message.find("promote requested, held until spec.paused is lifted"), std::string::npos)
      << d.status.message;
  EXPECT_FALSE(has_event(d, "RolloutStepCompleted"));
  h.policy().spec.paused = false;
  d = h.reconcile();
  EXPECT_FALSE(d.status.operation);
  EXPECT_EQ(d.status.current_step_index, 2);
}

}  // namespace
}  // namespace rolloutd::reconcile
