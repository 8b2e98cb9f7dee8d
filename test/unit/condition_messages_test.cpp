// A condition's message follows what it describes (issue 14, defect 14): a condition restated with
// the same status and reason but a new message takes the new message (its lastTransitionTime stays,
// since only a status change is a transition), and restating it word for word changes nothing, so
// no status write happens that the user could not see.

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "api/status.hpp"
#include "canary_sim.hpp"
#include "reconcile/canary_status.hpp"
#include "reconcile/kstatus_conditions.hpp"
#include "reconcile/policy_status.hpp"
#include "strategy/progress.hpp"

namespace rolloutd {
namespace {

using namespace std::chrono_literals;
namespace ct = api::condition_types;
namespace cs = api::condition_statuses;

const std::chrono::system_clock::time_point t0{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + 12h};

const api::condition& condition(const api::rollout_status& s, std::string_view type) {
  static const api::condition none;
  const auto* c = api::find_condition(s.conditions, type);
  return c ? *c : none;
}

TEST(ConditionMessages, SetConditionTakesANewMessageAndKeepsTheTransitionTime) {
  std::vector<api::condition> conditions;
  const auto first = api::to_timestamp(t0);
  const auto later = api::to_timestamp(t0 + 1min);
  EXPECT_TRUE(api::set_condition(conditions, api::make_condition("Ready", "False", "Progressing",
                                                                 "Service hello-stable not found", first)));
  EXPECT_TRUE(api::set_condition(
      conditions, api::make_condition("Ready", "False", "Progressing", "stable 2/3 available", later)));
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].message, "stable 2/3 available");
  EXPECT_EQ(conditions[0].last_transition_time, first);
  EXPECT_EQ(conditions[0].last_update_time, later);

  // Word for word: nothing changes, not even lastUpdateTime.
  const auto before = conditions;
  EXPECT_FALSE(api::set_condition(conditions, api::make_condition("Ready", "False", "Progressing",
                                                                  "stable 2/3 available", later + 1min)));
  EXPECT_EQ(conditions, before);

  // A status change is a transition.
  EXPECT_TRUE(
      api::set_condition(conditions, api::make_condition("Ready", "True", "Healthy", "", later + 2min)));
  EXPECT_EQ(conditions[0].last_transition_time, later + 2min);
}

TEST(ConditionMessages, MergeConditionTakesTheMessageButKeepsTheDeadlineClock) {
  const strategy::condition current{strategy::condition_status::is_false, "RolloutAborted",
                                    "aborted: stable 2/3 available", t0, t0 - 1h};
  const strategy::condition next{strategy::condition_status::is_false, "RolloutAborted",
                                 "aborted: stable 3/3 available", t0 + 1min, t0 + 1min};
  const auto merged = strategy::merge_condition(current, next);
  EXPECT_EQ(merged.message, "aborted: stable 3/3 available");
  EXPECT_EQ(merged.last_update, t0);
  EXPECT_EQ(merged.last_transition, t0 - 1h);
}

// Rolling: Ready (False while progressing) says what status.message says, step after step.
TEST(ConditionMessages, RollingReadyFollowsTheProgressMessage) {
  api::rollout_policy policy;
  policy.metadata.name = "hello";
  policy.metadata.generation = 2;
  policy.spec.replicas = 3;
  policy.spec.selector.match_labels = {{"app", "hello"}};
  strategy::rolling_plan plan;
  plan.revision = 2;
  plan.new_replica_set = "hello-abc";
  plan.limits = {.max_surge = 1, .max_unavailable = 1};
  for (std::int32_t updated = 1; updated <= 2; ++updated) {
    plan.counts = {.replicas = 4, .updated = updated, .ready = 3, .available = 3, .unavailable = 0};
    const auto d =
        reconcile::rolling_status({policy, plan, "abc", false, t0 + std::chrono::minutes(updated)});
    EXPECT_EQ(d.status.phase, api::rollout_phase::progressing);
    EXPECT_EQ(condition(d.status, ct::ready).message, d.status.message) << updated;
    EXPECT_EQ(condition(d.status, "Reconciling").message, d.status.message) << updated;
    policy.status = d.status;
  }
}

// Canary, driven through the planner and the status decision as the reconciler does.
class canary_run {
 public:
  canary_run() : c_(strategy::canary_sim::canary_of_v2(3)) {
    policy_.metadata.name = "hello";
    policy_.metadata.generation = 3;
    policy_.spec.replicas = 3;
    policy_.spec.selector.match_labels = {{"app", "hello"}};
    api::canary_strategy canary;
    canary.steps = {api::set_weight_step{34}, api::pause_step{}, api::set_weight_step{100}};
    canary.abort_scale_down_delay_seconds = 0;
    policy_.spec.strategy = canary;
    policy_.status.stable_pod_hash = policy_.status.current_pod_hash = "v1";
    policy_.status.current_step_index = 3;
    policy_.status.replicas = policy_.status.available_replicas = policy_.status.ready_replicas = 3;
    policy_.status.updated_replicas = 3;
    policy_.status.phase = api::rollout_phase::healthy;
    c_.input().steps = {strategy::weight_step{34}, strategy::pause_step{}, strategy::weight_step{100}};
    c_.input().memory.step_index = 3;
  }

  strategy::canary_sim::cluster& pods() { return c_; }
  api::rollout_policy& policy() { return policy_; }

  reconcile::status_decision reconcile(std::string services_problem = "") {
    now_ += 10s;
    reconcile::canary_observed observed{c_.input().hash, c_.input().new_replica_set_name,
                                        c_.input().new_replica_set, c_.input().old_replica_sets};
    auto made = reconcile::make_canary_input(policy_, std::get<api::canary_strategy>(policy_.spec.strategy),
                                             std::move(observed), now_);
    auto planned = strategy::plan_canary(made.input);
    EXPECT_TRUE(planned.ok()) << planned.error;
    c_.apply(planned.plan);
    auto d = reconcile::canary_status(
        {policy_, planned.plan, made.deadline_newly_passed, std::move(services_problem), now_});
    policy_.status = d.status;
    return d;
  }

 private:
  api::rollout_policy policy_;
  strategy::canary_sim::cluster c_;
  std::chrono::system_clock::time_point now_ = t0;
};

TEST(ConditionMessages, CanaryReadyForgetsAServiceProblemOnceItIsGone) {
  canary_run run;
  auto d = run.reconcile("Service \"hello-stable\" not found");
  ASSERT_NE(d.status.phase, api::rollout_phase::healthy);
  EXPECT_NE(condition(d.status, ct::ready).message.find("not found"), std::string::npos);
  const auto transition = condition(d.status, ct::ready).last_transition_time;

  d = run.reconcile();
  ASSERT_NE(d.status.phase, api::rollout_phase::healthy);
  EXPECT_EQ(condition(d.status, ct::ready).message, d.status.message);
  EXPECT_EQ(condition(d.status, ct::ready).message.find("not found"), std::string::npos)
      << condition(d.status, ct::ready).message;
  EXPECT_EQ(condition(d.status, ct::ready).last_transition_time, transition);
}

TEST(ConditionMessages, AnAbortedCanarysStalledAndProgressingFollowItsMessage) {
  canary_run run;
  run.reconcile();  // v2 created at 1 of 3
  run.pods().everything_available();
  run.reconcile();  // the step done: paused
  run.policy().status.operation = api::operation_request{api::operation_type::abort, std::nullopt, "test"};
  int checked = 0;
  for (int i = 0; i < 6; ++i) {
    const auto d = run.reconcile();
    run.policy().status.operation.reset();
    if (d.status.abort) {
      ++checked;
      EXPECT_EQ(condition(d.status, ct::progressing).reason, "RolloutAborted");
      EXPECT_EQ(condition(d.status, ct::progressing).message, d.status.message) << i;
      EXPECT_EQ(condition(d.status, "Stalled").message, d.status.message) << i;
      EXPECT_EQ(condition(d.status, ct::ready).message, d.status.message) << i;
    }
    run.pods().everything_available();
  }
  EXPECT_GT(checked, 1);
}

TEST(ConditionMessages, RestatingTheSameStateWritesNothing) {
  canary_run run;
  auto d = run.reconcile();
  for (int i = 0; i < 10 && d.status.phase != api::rollout_phase::paused; ++i) {
    run.pods().everything_available();
    d = run.reconcile();
  }
  ASSERT_EQ(d.status.phase, api::rollout_phase::paused);
  // Time passes, nothing else changes: the status (conditions included) is what it was.
  for (int i = 0; i < 3; ++i) {
    const auto again = run.reconcile();
    EXPECT_EQ(api::merge_patch(d.status, again.status), nlohmann::json::object()) << i;
    d = again;
  }
}

// set_condition on seeded random sequences against the rules as a user states them: the condition
// then says exactly what was last set; lastTransitionTime is the time of the last status change;
// lastUpdateTime the time of the last change of anything; a call changes the list only when status,
// reason or message differ; the list order never changes.
TEST(ConditionMessages, SetConditionOnRandomSequences) {
  const auto seed = static_cast<std::uint64_t>(::testing::UnitTest::GetInstance()->random_seed()) * 31u + 14u;
  std::mt19937_64 rng(seed);
  const std::vector<std::string> types{"Ready", "Available", "Stalled"};
  const std::vector<std::string> statuses{"True", "False", "Unknown"};
  const std::vector<std::string> reasons{"Healthy", "Progressing", "RolloutAborted"};
  const std::vector<std::string> messages{"", "stable 2/3 available", "stable 3/3 available",
                                          "Service x not found"};
  for (int run = 0; run < 300; ++run) {
    std::vector<api::condition> list;
    struct expectation {
      std::string status, reason, message;
      api::timestamp transition, update;
    };
    std::map<std::string, expectation> want;
    std::vector<std::string> order;
    std::string trail;
    auto t = api::to_timestamp(t0);
    for (int step = 0; step < 40; ++step) {
      t += std::chrono::seconds(1 + rng() % 5);
      const auto& type = types[rng() % types.size()];
      const auto& status = statuses[rng() % 2 == 0 ? 0 : rng() % statuses.size()];
      const auto& reason = reasons[rng() % reasons.size()];
      const auto& message = messages[rng() % messages.size()];
      trail += type + "=" + status + "/" + reason + "/'" + message + "' ";
      const bool changed = api::set_condition(list, api::make_condition(type, status, reason, message, t));
      auto it = want.find(type);
      bool expect_change = true;
      if (it == want.end()) {
        want[type] = {status, reason, message, t, t};
        order.push_back(type);
      } else {
        auto& w = it->second;
        expect_change = w.status != status || w.reason != reason || w.message != message;
        if (w.status != status) w.transition = t;
        if (expect_change) w.update = t;
        w.status = status;
        w.reason = reason;
        w.message = message;
      }
      ASSERT_EQ(changed, expect_change) << "seed " << seed << " run " << run << ": " << trail;
      ASSERT_EQ(list.size(), order.size()) << "seed " << seed << ": " << trail;
      for (std::size_t i = 0; i < order.size(); ++i) {
        const auto& c = list[i];
        const auto& w = want[order[i]];
        ASSERT_EQ(c.type, order[i]) << "seed " << seed << ": " << trail;
        ASSERT_EQ(c.status, w.status) << "seed " << seed << ": " << trail;
        ASSERT_EQ(c.reason, w.reason) << "seed " << seed << ": " << trail;
        ASSERT_EQ(c.message, w.message) << "seed " << seed << ": " << trail;
        ASSERT_EQ(c.last_transition_time, w.transition) << "seed " << seed << ": " << trail;
        ASSERT_EQ(c.last_update_time, w.update) << "seed " << seed << ": " << trail;
      }
    }
  }
}

}  // namespace
}  // namespace rolloutd
