#pragma once

// The reasons rolloutd writes in conditions and events: the Deployment controller's vocabulary, so
// `kubectl wait` and kstatus-based tools read a RolloutPolicy like a Deployment, plus this kind's
// own words. One list for every layer: the status code (api), the planners (strategy) and the
// reconciler use these names and no others. Header-only constants, so the pure planners need
// nothing else from the api layer.

#include <string_view>

namespace rolloutd::api {

namespace condition_reasons {
// Available
inline constexpr std::string_view minimum_replicas_available = "MinimumReplicasAvailable";
inline constexpr std::string_view minimum_replicas_unavailable = "MinimumReplicasUnavailable";
// Progressing
inline constexpr std::string_view new_replica_set_created = "NewReplicaSetCreated";
inline constexpr std::string_view found_new_replica_set = "FoundNewReplicaSet";
inline constexpr std::string_view replica_set_updated = "ReplicaSetUpdated";
inline constexpr std::string_view new_replica_set_available = "NewReplicaSetAvailable";
inline constexpr std::string_view progress_deadline_exceeded = "ProgressDeadlineExceeded";
inline constexpr std::string_view replica_set_create_error = "ReplicaSetCreateError";
// The Deployment controller's DeploymentPaused / DeploymentResumed, named for this kind in the
// Progressing condition as in the matching events.
inline constexpr std::string_view rollout_paused = "RolloutPaused";
inline constexpr std::string_view rollout_resumed = "RolloutResumed";
inline constexpr std::string_view rollout_aborted = "RolloutAborted";
inline constexpr std::string_view rollout_retried = "RolloutRetried";
inline constexpr std::string_view rollout_completed = "RolloutCompleted";
// InvalidSpec
inline constexpr std::string_view invalid_spec = "InvalidSpec";
// Pause conditions (status.pauseConditions[].reason)
inline constexpr std::string_view canary_pause_step = "CanaryPauseStep";
inline constexpr std::string_view blue_green_pause = "BlueGreenPause";
}  // namespace condition_reasons

}  // namespace rolloutd::api
