#pragma once

// The Progressing and Available conditions, decided the way the Deployment controller decides them
// (progress.go, and sync.go's checkPausedConditions and getNewReplicaSet), so `kubectl wait`,
// `kubectl rollout status`-style tools and kstatus read a RolloutPolicy like a Deployment. Pure:
// the caller passes the condition last written and the time.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/condition_reasons.hpp"

namespace rolloutd::strategy {

using wall_time = std::chrono::system_clock::time_point;

enum class condition_status { is_true, is_false, unknown };

// "True", "False", "Unknown", as the API spells them.
[[nodiscard]] std::string_view to_string(condition_status s);

struct condition {
  condition_status status = condition_status::unknown;
  std::string reason{};
  std::string message{};
  wall_time last_update{};
  wall_time last_transition{};
  friend bool operator==(const condition&, const condition&) = default;
};

// The conditions' vocabulary is the api layer's (api/condition_reasons.hpp), one list for every layer.
namespace reasons = api::condition_reasons;

// The status counts, summed over the policy's ReplicaSets as observed (not as planned).
struct rollout_counts {
  std::int32_t replicas = 0;  // pods of every ReplicaSet (status.replicas)
  std::int32_t updated = 0;   // pods of the new ReplicaSet
  std::int32_t ready = 0;
  std::int32_t available = 0;
  std::int32_t unavailable = 0;  // spec.replicas summed, minus available, never below 0
  friend bool operator==(const rollout_counts&, const rollout_counts&) = default;
};

// Every desired replica is updated and available and nothing else runs.
[[nodiscard]] bool rollout_complete(const rollout_counts& c, std::int32_t replicas);

// More new pods, fewer old pods, or more ready or available pods than last written.
[[nodiscard]] bool made_progress(const rollout_counts& before, const rollout_counts& after);

// Kubernetes' rule for replacing a condition, except that the message follows: the same status and
// reason keep the current one's times (lastUpdateTime is the progress deadline's clock, which a
// reworded message must not restart) but take the new message; the same status keeps its
// lastTransitionTime.
[[nodiscard]] condition merge_condition(const std::optional<condition>& current, condition next);

// True once the Progressing condition already says ProgressDeadlineExceeded, or its
// lastUpdateTime + deadline lies strictly before now. Never for a completed rollout or without a
// deadline (nullopt or INT32_MAX, Kubernetes' "no deadline").
[[nodiscard]] bool deadline_exceeded(const std::optional<condition>& progressing,
                                     std::optional<std::int32_t> deadline_seconds, wall_time now);

struct progress_input {
  std::string policy_name{};
  std::optional<condition> current{};              // Progressing as last written
  std::optional<std::int32_t> deadline_seconds{};  // progressDeadlineSeconds
  bool paused = false;
  // The rollout itself ran this sync (not paused, not a pure scaling event); only then is progress
  // estimated, as only rolloutRolling calls syncRolloutStatus.
  bool estimate = false;
  std::string new_replica_set{};  // its name; empty when there is none
  bool created_new_replica_set = false;
  std::int32_t replicas = 0;
  rollout_counts previous{};  // status as last written
  rollout_counts next{};      // status computed this sync
  wall_time now{};
};

struct progress_result {
  std::optional<condition> progressing{};  // nullopt: the condition is to be removed
  bool deadline_exceeded = false;          // Progressing is False/ProgressDeadlineExceeded
  bool newly_exceeded = false;             // and it was not before: the moment for an event (and an abort)
  // When to look again so the deadline is noticed without other events; absent when it cannot
  // pass (complete, already exceeded, paused, no deadline).
  std::optional<std::chrono::system_clock::duration> recheck_after{};
};

// In Kubernetes' order: pausing sets Unknown/RolloutPaused and resuming Unknown/RolloutResumed (the
// Deployment controller's DeploymentPaused / DeploymentResumed, named for this kind)
// (whose fresh lastUpdateTime restarts the deadline clock); finding or creating the new ReplicaSet
// records FoundNewReplicaSet / NewReplicaSetCreated; then, on the rollout path, complete gives
// True/NewReplicaSetAvailable, progress True/ReplicaSetUpdated (lastUpdateTime refreshed), and a
// passed deadline False/ProgressDeadlineExceeded.
[[nodiscard]] progress_result evaluate_progress(const progress_input& in);

// True/MinimumReplicasAvailable when available >= replicas - max_unavailable, else
// False/MinimumReplicasUnavailable; merged with the current one by merge_condition.
[[nodiscard]] condition available_condition(const std::optional<condition>& current, std::int32_t available,
                                            std::int32_t replicas, std::int32_t max_unavailable,
                                            wall_time now);

}  // namespace rolloutd::strategy
