// spec.restartAt: which pods the restart planner evicts (strategy/restart.hpp), and how a pod's
// JSON becomes the planner's view of it (reconcile/pods.hpp).

#include <gtest/gtest.h>

#include "reconcile/pods.hpp"
#include "strategy/restart.hpp"

namespace rolloutd::strategy {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

const system_clock::time_point t0 = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};
const system_clock::time_point restart_at = t0 + 1h;

pod_state pod(std::string name, int minute, bool available = true, bool terminating = false) {
  return {.name = std::move(name),
          .created = t0 + std::chrono::minutes(minute),
          .available = available,
          .terminating = terminating};
}

restart_input input(std::vector<pod_state> pods, std::int32_t replicas = 4,
                    std::int32_t max_unavailable = 1) {
  return {.restart_at = restart_at,
          .restarted_at = std::nullopt,
          .now = restart_at + 1s,
          .replicas = replicas,
          .max_unavailable = max_unavailable,
          .rollout_complete = true,
          .pods = std::move(pods)};
}

TEST(RestartPlanner, EvictsWithinMaxUnavailableOldestFirst) {
  struct row {
    const char* name;
    restart_input in;
    restart_stage stage;
    std::vector<std::string> evict;
    std::int32_t remaining;
  };
  const row rows[] = {
      {"one at a time with maxUnavailable 1",
       input({pod("c", 30), pod("a", 10), pod("b", 20), pod("d", 40)}),
       restart_stage::replacing,
       {"a"},
       4},
      {"two with maxUnavailable 2",
       input({pod("a", 10), pod("b", 20), pod("c", 30), pod("d", 40)}, 4, 2),
       restart_stage::replacing,
       {"a", "b"},
       4},
      {"a replacement still starting is owed",
       input({pod("a", 10), pod("b", 20), pod("c", 30), pod("new", 61, false)}),
       restart_stage::replacing,
       {},
       3},
      {"not-available old pods go first and cost nothing",
       input({pod("a", 10), pod("b", 20, false), pod("c", 30), pod("d", 40)}),
       restart_stage::replacing,
       {"b"},
       4},
      {"a terminating pod is not evicted again and costs availability",
       input({pod("a", 10, true, true), pod("b", 20), pod("c", 30), pod("new", 61)}),
       restart_stage::replacing,
       {},
       3},
      {"pods created at or after restartAt stay",
       input({pod("a", 60), pod("b", 61), pod("c", 70), pod("d", 75)}),
       restart_stage::done,
       {},
       0},
      {"maxUnavailable 0 still replaces one at a time",
       input({pod("a", 10), pod("b", 20), pod("c", 30)}, 3, 0),
       restart_stage::replacing,
       {"a"},
       3},
      {"equal creation times: by name",
       input({pod("b", 10), pod("a", 10), pod("c", 70), pod("d", 70)}),
       restart_stage::replacing,
       {"a"},
       2},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    const auto plan = plan_restart(r.in);
    EXPECT_EQ(plan.stage, r.stage);
    EXPECT_EQ(plan.evict, r.evict);
    EXPECT_EQ(plan.remaining, r.remaining);
    EXPECT_EQ(plan.recheck_after.has_value(), r.stage == restart_stage::replacing);
  }
}

TEST(RestartPlanner, OnlyWhenAskedDueAndSettled) {
  auto in = input({pod("a", 10), pod("b", 20), pod("c", 30), pod("d", 40)});
  in.restart_at.reset();
  EXPECT_EQ(plan_restart(in).stage, restart_stage::idle);

  in.restart_at = restart_at;
  in.restarted_at = restart_at;  // this restart was done
  EXPECT_EQ(plan_restart(in).stage, restart_stage::idle);
  in.restarted_at = restart_at - 1h;  // an earlier one was; this one is new
  EXPECT_EQ(plan_restart(in).stage, restart_stage::replacing);

  in.now = restart_at - 30s;
  auto scheduled = plan_restart(in);
  EXPECT_EQ(scheduled.stage, restart_stage::scheduled);
  EXPECT_EQ(scheduled.recheck_after, system_clock::duration(30s));
  EXPECT_TRUE(scheduled.evict.empty());

  in.now = restart_at + 1s;
  in.rollout_complete = false;
  EXPECT_EQ(plan_restart(in).stage, restart_stage::waiting);
  EXPECT_TRUE(plan_restart(in).evict.empty());
}

TEST(RestartPlanner, ReplacingToTheEndKeepsTheFloor) {
  // Simulated: each evicted pod is replaced by one that becomes available on the next look.
  std::vector<pod_state> pods = {pod("a", 10), pod("b", 20), pod("c", 30), pod("d", 40), pod("e", 50)};
  int replaced = 0;
  for (int sync = 0; sync < 20; ++sync) {
    for (auto& p : pods) p.available = true;  // replacements came up
    auto in = input(pods, 5, 2);
    const auto plan = plan_restart(in);
    if (plan.stage == restart_stage::done) break;
    for (const auto& name : plan.evict) {
      std::erase_if(pods, [&](const pod_state& p) { return p.name == name; });
      ++replaced;
      pods.push_back(pod("new-" + std::to_string(replaced), 61 + replaced, false));
    }
    int available = 0;
    for (const auto& p : pods) available += p.available ? 1 : 0;
    EXPECT_GE(available, 3) << "sync " << sync;
  }
  EXPECT_EQ(replaced, 5);
  EXPECT_EQ(plan_restart(input(pods, 5, 2)).stage, restart_stage::done);
}

}  // namespace
}  // namespace rolloutd::strategy

namespace rolloutd::reconcile {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const auto now =
    std::chrono::system_clock::time_point(std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}) + 1h;

json pod_json(const char* ready, const char* ready_since) {
  return json::parse(
      std::string(R"({"metadata": {"name": "hello-abc-x", "creationTimestamp": "2026-01-01T00:10:00Z",
      "ownerReferences": [{"kind": "ReplicaSet", "name": "hello-abc", "controller": true}]},
    "status": {"conditions": [{"type": "Ready", "status": ")") +
      ready + R"(", "lastTransitionTime": ")" + ready_since + R"("}]}})");
}

TEST(ObservePod, AvailableAfterMinReadySeconds) {
  auto pod = observe_pod(pod_json("True", "2026-01-01T00:59:50Z"), 0, now);
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ(pod->state.name, "hello-abc-x");
  EXPECT_EQ(pod->replica_set, "hello-abc");
  EXPECT_EQ(pod->state.created, std::chrono::system_clock::time_point(
                                    std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + 10min));
  EXPECT_TRUE(pod->state.available);
  EXPECT_FALSE(pod->state.terminating);
  EXPECT_TRUE(observe_pod(pod_json("True", "2026-01-01T00:59:50Z"), 10, now)->state.available);
  EXPECT_FALSE(observe_pod(pod_json("True", "2026-01-01T00:59:50Z"), 11, now)->state.available);
  EXPECT_FALSE(observe_pod(pod_json("False", "2026-01-01T00:00:00Z"), 0, now)->state.available);
}

TEST(ObservePod, MalformedPodsAreSkippedOrReadSafely) {
  EXPECT_FALSE(observe_pod(json::parse(R"({"metadata": {"name": "x"}})"), 0, now).has_value());
  EXPECT_FALSE(observe_pod(json::array(), 0, now).has_value());
  auto bare =
      observe_pod(json::parse(R"({"metadata": {"name": "x", "creationTimestamp": "2026-01-01T00:00:00Z",
      "deletionTimestamp": "2026-01-01T00:30:00Z", "ownerReferences": "nope"}, "status": {"conditions": 7}})"),
                  0, now);
  ASSERT_TRUE(bare.has_value());
  EXPECT_TRUE(bare->state.terminating);
  EXPECT_FALSE(bare->state.available);
  EXPECT_EQ(bare->replica_set, "");
}

}  // namespace
}  // namespace rolloutd::reconcile
