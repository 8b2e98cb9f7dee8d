#pragma once

// spec.restartAt: every pod of the policy created before that time is replaced, by evicting it
// (the Eviction API, so PodDisruptionBudgets are respected) and letting its ReplicaSet start a new
// one, as `kubectl rollout restart` replaces a Deployment's pods, but without a new revision.
// Pure: which pods to evict now, from the pods observed and the time.
//
// Availability: evicting an available pod costs one; the planner evicts only as many as keep
// replicas - maxUnavailable available (counting the pods available right now, so replacements
// still starting are owed). Pods that are not available cost nothing and go first. A ReplicaSet
// cannot surge to cover an eviction, so with maxUnavailable 0 (possible with a maxSurge) one pod
// at a time is replaced anyway, as Argo Rollouts does; otherwise a restart could never progress.
// A restart waits while a rollout is replacing pods (they are replaced by then anyway) and is
// recorded in status.restartedAt once no pod created before restartAt remains.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rolloutd::strategy {

struct pod_state {
  std::string name{};
  std::chrono::system_clock::time_point created{};
  bool available = false;    // Ready for at least minReadySeconds
  bool terminating = false;  // metadata.deletionTimestamp is set
};

enum class restart_stage {
  idle,       // no restart asked for, or the one asked for is recorded as done
  scheduled,  // restartAt lies in the future
  waiting,    // a rollout is under way; the restart follows it
  replacing,  // pods created before restartAt remain
  done,       // none remain: record status.restartedAt
};

using wall_time = std::chrono::system_clock::time_point;

// Whether spec.restartAt asks for something not yet recorded as done.
[[nodiscard]] bool restart_requested(std::optional<wall_time> restart_at,
                                     std::optional<wall_time> restarted_at);

struct restart_input {
  std::optional<wall_time> restart_at{};    // spec.restartAt
  std::optional<wall_time> restarted_at{};  // status.restartedAt
  wall_time now{};
  std::int32_t replicas = 0;
  std::int32_t max_unavailable = 0;  // resolved against replicas (fenceposts)
  bool rollout_complete = false;     // every pod runs the current template and is available
  std::vector<pod_state> pods{};     // the pods of the policy's ReplicaSets
};

struct restart_plan {
  restart_stage stage = restart_stage::idle;
  std::vector<std::string> evict{};  // in order: unavailable pods, then the oldest available ones
  std::int32_t remaining = 0;        // pods created before restartAt, this sync's evictions included
  // When to look again: at restartAt when scheduled; soon while replacing, since pod events do
  // not wake the controller (ReplicaSet status changes usually do first).
  std::optional<std::chrono::system_clock::duration> recheck_after{};
};

[[nodiscard]] restart_plan plan_restart(const restart_input& in);

}  // namespace rolloutd::strategy
