#include "strategy/progress.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <limits>

namespace rolloutd::strategy {
namespace {

using std::chrono::seconds;

const wall_time t0{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};

wall_time at(int s) {
  return t0 + seconds(s);
}

condition cond(condition_status status, std::string_view reason, int updated, int transition,
               std::string message = "") {
  return {status, std::string(reason), std::move(message), at(updated), at(transition)};
}

constexpr auto yes = condition_status::is_true;
constexpr auto no = condition_status::is_false;
constexpr auto unknown = condition_status::unknown;

TEST(Progress, ConditionStatusSpelling) {
  EXPECT_EQ(to_string(yes), "True");
  EXPECT_EQ(to_string(no), "False");
  EXPECT_EQ(to_string(unknown), "Unknown");
}

TEST(Progress, CompleteMeansAllUpdatedAvailableAndNothingElse) {
  // Kubernetes' TestDeploymentComplete: (replicas, updated, available) against 5 desired.
  struct row {
    std::string_view name;
    rollout_counts c;
    std::int32_t replicas;
    bool want;
  };
  const row rows[] = {
      {"min but not all available", {5, 5, 0, 4, 0}, 5, false},
      {"all available but not updated", {5, 4, 0, 5, 0}, 5, false},
      {"complete", {5, 5, 0, 5, 0}, 5, true},
      {"old pods still running", {2, 1, 0, 1, 0}, 1, false},
      {"one replica never comes up", {1, 1, 0, 0, 0}, 1, false},
      {"zero replicas, nothing running", {0, 0, 0, 0, 0}, 0, true},
  };
  for (const auto& r : rows) EXPECT_EQ(rollout_complete(r.c, r.replicas), r.want) << r.name;
}

TEST(Progress, MadeProgressCountsNewPodsOldPodsGoneReadyAndAvailable) {
  // Kubernetes' TestDeploymentProgressing: {replicas, updated, ready, available}.
  struct row {
    std::string_view name;
    rollout_counts before, after;
    bool want;
  };
  const row rows[] = {
      {"updated pods", {10, 4, 4, 4, 0}, {10, 6, 4, 4, 0}, true},
      {"nothing changed", {10, 4, 4, 4, 0}, {10, 4, 4, 4, 0}, false},
      {"old pods removed", {10, 4, 6, 6, 0}, {8, 4, 6, 6, 0}, true},
      {"fewer new pods", {10, 7, 3, 3, 0}, {10, 6, 3, 3, 0}, false},
      {"fewer overall but more new", {10, 4, 7, 7, 0}, {8, 8, 5, 5, 0}, true},
      {"more ready", {10, 10, 9, 8, 0}, {10, 10, 10, 8, 0}, true},
      {"more available", {10, 10, 10, 9, 0}, {10, 10, 10, 10, 0}, true},
  };
  for (const auto& r : rows) EXPECT_EQ(made_progress(r.before, r.after), r.want) << r.name;
}

TEST(Progress, MergeConditionKeepsTimesLikeKubernetes) {
  const auto current = cond(yes, reasons::replica_set_updated, 10, 5, "old");
  // Same status and reason: the times stay (lastUpdateTime is the deadline's clock); the message
  // follows, unlike Kubernetes, so a condition never states what no longer holds.
  EXPECT_EQ(merge_condition(current, cond(yes, reasons::replica_set_updated, 50, 50, "new")),
            cond(yes, reasons::replica_set_updated, 10, 5, "new"));
  // Same status, new reason: lastTransitionTime stays.
  EXPECT_EQ(merge_condition(current, cond(yes, reasons::new_replica_set_available, 50, 50)),
            cond(yes, reasons::new_replica_set_available, 50, 5));
  // New status: both times move.
  EXPECT_EQ(merge_condition(current, cond(no, reasons::progress_deadline_exceeded, 50, 50)),
            cond(no, reasons::progress_deadline_exceeded, 50, 50));
  EXPECT_EQ(merge_condition(std::nullopt, cond(yes, reasons::found_new_replica_set, 50, 50)),
            cond(yes, reasons::found_new_replica_set, 50, 50));
}

TEST(Progress, DeadlineExceeded) {
  // Kubernetes' TestDeploymentTimedOut, with lastUpdateTime at 00:01:09 or 00:01:11, now 00:01:20.
  const std::optional<std::int32_t> none, infinite = std::numeric_limits<std::int32_t>::max(), ten = 10;
  struct row {
    std::string_view name;
    std::optional<condition> c;
    std::optional<std::int32_t> deadline;
    int now;
    bool want;
  };
  const row rows[] = {
      {"no deadline", cond(yes, "", 69, 69), none, 80, false},
      {"infinite deadline", cond(yes, "", 69, 69), infinite, 80, false},
      {"11s since progress, 10s allowed", cond(yes, "", 69, 69), ten, 80, true},
      {"9s since progress", cond(yes, "", 71, 71), ten, 80, false},
      {"exactly at the deadline is not past it", cond(yes, "", 70, 70), ten, 80, false},
      {"a completed rollout never times out", cond(yes, reasons::new_replica_set_available, 0, 0), ten, 800,
       false},
      {"once reported, stays reported", cond(no, reasons::progress_deadline_exceeded, 79, 79), ten, 80, true},
      {"no condition, no base", std::nullopt, ten, 800, false},
  };
  for (const auto& r : rows) EXPECT_EQ(deadline_exceeded(r.c, r.deadline, at(r.now)), r.want) << r.name;
}

// A rollout of hello-v2 at 3 replicas with a 600 s deadline, half done.
progress_input rollout_input() {
  progress_input in;
  in.policy_name = "hello";
  in.deadline_seconds = 600;
  in.estimate = true;
  in.new_replica_set = "hello-v2";
  in.replicas = 3;
  in.previous = {4, 1, 4, 3, 1};
  in.next = in.previous;
  in.now = at(1000);
  return in;
}

TEST(Progress, EvaluatesInKubernetesOrder) {
  struct row {
    std::string_view name;
    std::function<void(progress_input&)> tweak;
    std::optional<condition> want;
    bool exceeded, newly;
  };
  const row rows[] = {
      {"creating the new ReplicaSet starts the clock",
       [](progress_input& in) {
         in.current = cond(yes, reasons::new_replica_set_available, 10, 10);
         in.created_new_replica_set = true;
       },
       cond(yes, reasons::new_replica_set_created, 1000, 10, "Created new replica set \"hello-v2\""), false,
       false},
      {"a found ReplicaSet starts the clock only when nothing else has",
       [](progress_input& in) { in.estimate = false; },
       cond(yes, reasons::found_new_replica_set, 1000, 1000, "Found new replica set \"hello-v2\""), false,
       false},
      {"a found ReplicaSet leaves an existing condition alone",
       [](progress_input& in) { in.current = cond(yes, reasons::replica_set_updated, 900, 100); },
       cond(yes, reasons::replica_set_updated, 900, 100), false, false},
      {"progress refreshes lastUpdateTime, keeps lastTransitionTime",
       [](progress_input& in) {
         in.current = cond(yes, reasons::replica_set_updated, 900, 100);
         in.next.updated = 2;
       },
       cond(yes, reasons::replica_set_updated, 1000, 100, "ReplicaSet \"hello-v2\" is progressing."), false,
       false},
      {"complete",
       [](progress_input& in) {
         in.current = cond(yes, reasons::replica_set_updated, 900, 100);
         in.next = {3, 3, 3, 3, 0};
       },
       cond(yes, reasons::new_replica_set_available, 1000, 100,
            "ReplicaSet \"hello-v2\" has successfully progressed."),
       false, false},
      {"a completed rollout seen again is not re-judged",
       [](progress_input& in) {
         in.current = cond(yes, reasons::new_replica_set_available, 10, 10);
         in.next = {3, 3, 2, 2, 1};  // a pod went unready: not a new rollout
       },
       cond(yes, reasons::new_replica_set_available, 10, 10), false, false},
      {"no progress within the deadline",
       [](progress_input& in) { in.current = cond(yes, reasons::replica_set_updated, 399, 100); },
       cond(no, reasons::progress_deadline_exceeded, 1000, 1000,
            "ReplicaSet \"hello-v2\" has timed out progressing."),
       true, true},
      {"no progress, deadline not yet passed",
       [](progress_input& in) { in.current = cond(yes, reasons::replica_set_updated, 400, 100); },
       cond(yes, reasons::replica_set_updated, 400, 100), false, false},
      {"already exceeded stays exceeded, not newly",
       [](progress_input& in) { in.current = cond(no, reasons::progress_deadline_exceeded, 500, 500); },
       cond(no, reasons::progress_deadline_exceeded, 500, 500, "ReplicaSet \"hello-v2\" has timed out progressing."),
       true, false},
      {"progress after the deadline recovers",
       [](progress_input& in) {
         in.current = cond(no, reasons::progress_deadline_exceeded, 500, 500);
         in.next.available = 4;
       },
       cond(yes, reasons::replica_set_updated, 1000, 1000, "ReplicaSet \"hello-v2\" is progressing."), false,
       false},
      {"pausing",
       [](progress_input& in) {
         in.current = cond(yes, reasons::replica_set_updated, 900, 100);
         in.paused = true;
         in.estimate = false;
       },
       cond(unknown, reasons::rollout_paused, 1000, 1000, "RolloutPolicy is paused"), false, false},
      {"paused long past the deadline: no timeout while paused",
       [](progress_input& in) {
         in.current = cond(unknown, reasons::rollout_paused, 10, 10);
         in.paused = true;
         in.estimate = false;
       },
       cond(unknown, reasons::rollout_paused, 10, 10), false, false},
      {"pausing never hides a reported timeout",
       [](progress_input& in) {
         in.current = cond(no, reasons::progress_deadline_exceeded, 500, 500);
         in.paused = true;
         in.estimate = false;
       },
       cond(no, reasons::progress_deadline_exceeded, 500, 500), true, false},
      {"resuming restarts the clock",
       [](progress_input& in) { in.current = cond(unknown, reasons::rollout_paused, 10, 10); },
       cond(unknown, reasons::rollout_resumed, 1000, 10, "RolloutPolicy is resumed"), false, false},
      {"no deadline: the condition is removed",
       [](progress_input& in) {
         in.current = cond(yes, reasons::replica_set_updated, 900, 100);
         in.deadline_seconds = std::nullopt;
       },
       std::nullopt, false, false},
      {"INT32_MAX is no deadline",
       [](progress_input& in) {
         in.current = cond(yes, reasons::replica_set_updated, 10, 10);
         in.deadline_seconds = std::numeric_limits<std::int32_t>::max();
       },
       std::nullopt, false, false},
      {"no deadline while paused: left as it was",
       [](progress_input& in) {
         in.current = cond(yes, reasons::replica_set_updated, 900, 100);
         in.deadline_seconds = std::nullopt;
         in.paused = true;
         in.estimate = false;
       },
       cond(yes, reasons::replica_set_updated, 900, 100), false, false},
      {"a scaling event estimates nothing",
       [](progress_input& in) {
         in.current = cond(yes, reasons::replica_set_updated, 10, 10);
         in.estimate = false;
       },
       cond(yes, reasons::replica_set_updated, 10, 10), false, false},
      {"without a new ReplicaSet the policy is named",
       [](progress_input& in) {
         in.new_replica_set.clear();
         in.current = cond(yes, reasons::replica_set_updated, 900, 100);
         in.next.updated = 2;
       },
       cond(yes, reasons::replica_set_updated, 1000, 100, "RolloutPolicy \"hello\" is progressing."), false,
       false},
  };
  for (const auto& r : rows) {
    auto in = rollout_input();
    r.tweak(in);
    const auto out = evaluate_progress(in);
    EXPECT_EQ(out.progressing, r.want) << r.name;
    EXPECT_EQ(out.deadline_exceeded, r.exceeded) << r.name;
    EXPECT_EQ(out.newly_exceeded, r.newly) << r.name;
  }
}

TEST(Progress, ResumeThenStallTimesOutOneDeadlineAfterResume) {
  // Paused at t=10 for far longer than the deadline; resumed at t=1000. The deadline counts from
  // the resume, so the rollout fails at 1601 and not before.
  auto in = rollout_input();
  in.current = cond(unknown, reasons::rollout_paused, 10, 10);
  auto out = evaluate_progress(in);
  ASSERT_TRUE(out.progressing);
  EXPECT_EQ(out.progressing->reason, reasons::rollout_resumed);
  EXPECT_FALSE(out.deadline_exceeded);
  EXPECT_EQ(out.recheck_after, seconds(601));

  in.current = out.progressing;
  in.now = at(1600);
  out = evaluate_progress(in);
  EXPECT_FALSE(out.deadline_exceeded);
  EXPECT_EQ(out.recheck_after, std::chrono::system_clock::duration::zero());

  in.now = at(1601);
  out = evaluate_progress(in);
  EXPECT_TRUE(out.deadline_exceeded);
  EXPECT_TRUE(out.newly_exceeded);
  EXPECT_FALSE(out.recheck_after);
}

TEST(Progress, RecheckAfterPointsJustPastTheDeadline) {
  auto in = rollout_input();
  in.current = cond(yes, reasons::replica_set_updated, 401, 100);
  EXPECT_EQ(evaluate_progress(in).recheck_after, seconds(2));  // 1 s to go, plus 1 s of slack

  in.current = cond(yes, reasons::replica_set_updated, 900, 100);
  EXPECT_EQ(evaluate_progress(in).recheck_after, seconds(501));

  in.next = {3, 3, 3, 3, 0};  // complete: nothing to wait for
  EXPECT_FALSE(evaluate_progress(in).recheck_after);
  in = rollout_input();
  in.current = cond(yes, reasons::replica_set_updated, 900, 100);
  in.paused = true;
  in.estimate = false;
  EXPECT_FALSE(evaluate_progress(in).recheck_after);
}

TEST(Progress, AvailableCondition) {
  const auto available =
      cond(yes, reasons::minimum_replicas_available, 10, 10, "RolloutPolicy has minimum availability.");
  EXPECT_EQ(available_condition(std::nullopt, 2, 3, 1, at(10)), available);
  EXPECT_EQ(available_condition(available, 3, 3, 0, at(50)), available);  // unchanged: times kept
  EXPECT_EQ(available_condition(available, 2, 3, 0, at(50)),
            cond(no, reasons::minimum_replicas_unavailable, 50, 50,
                 "RolloutPolicy does not have minimum availability."));
}

}  // namespace
}  // namespace rolloutd::strategy
