#pragma once

// The rolling-update planner: one sync of the Kubernetes Deployment controller (syncDeployment's
// paused / scaling-event / rollout branches, rolling.go, sync.go's scale and cleanup) as a pure
// function from the policy's spec and its observed ReplicaSets to the writes to make. Running the
// plan and planning again from the new observations walks a rollout through exactly the counts a
// Deployment goes through.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "strategy/progress.hpp"
#include "strategy/replica_math.hpp"

namespace rolloutd::strategy {

// What the planner reads from and writes to ReplicaSet annotations. desired-replicas is the
// policy's spec.replicas when the ReplicaSet was last scaled (it tells a scaling event from a
// rollout step); max-replicas is replicas + maxSurge at that moment (the base for proportional
// scaling; Kubernetes' deployment.kubernetes.io/max-replicas).
inline constexpr std::string_view revision_annotation = "rolloutd.io/revision";
inline constexpr std::string_view revision_history_annotation = "rolloutd.io/revision-history";
inline constexpr std::string_view desired_replicas_annotation = "rolloutd.io/desired-replicas";
inline constexpr std::string_view max_replicas_annotation = "rolloutd.io/max-replicas";
// When a ReplicaSet the canary and blue/green strategies keep around for a while (the old blue
// after a switch, an aborted canary) is due to be scaled to zero; RFC 3339. Recorded on the
// ReplicaSet so a restarted controller keeps the same deadline.
inline constexpr std::string_view scale_down_deadline_annotation = "rolloutd.io/scale-down-deadline";

// One ReplicaSet owned by the policy, as observed.
struct replica_set_state {
  std::string name{};
  std::string hash{};              // its rolloutd.io/pod-template-hash label
  std::int64_t revision = 0;       // rolloutd.io/revision; 0 when absent
  std::string revision_history{};  // rolloutd.io/revision-history, e.g. "1,3"
  std::chrono::system_clock::time_point created{};
  std::int32_t spec_replicas = 0;
  std::int32_t status_replicas = 0;
  std::int32_t ready_replicas = 0;
  std::int32_t available_replicas = 0;  // not-available pods = spec_replicas - available_replicas
  std::optional<std::int32_t> desired_replicas{};
  std::optional<std::int32_t> max_replicas{};
  bool status_current = true;  // status.observedGeneration >= metadata.generation
  bool being_deleted = false;  // metadata.deletionTimestamp is set
  std::optional<std::chrono::system_clock::time_point> scale_down_deadline{};
  // status.conditions ReplicaFailure=True: the ReplicaSet controller cannot create (or delete)
  // pods, e.g. a ResourceQuota or PodSecurity admission refuses them. Its reason (FailedCreate)
  // and message; empty reason when it reports none.
  std::string replica_failure_reason{};
  std::string replica_failure_message{};
};

// The policy's status as last written; the planner compares against it like Kubernetes does.
struct previous_status {
  rollout_counts counts{};
  bool generation_observed = false;  // status.observedGeneration >= metadata.generation
};

struct rolling_input {
  std::int32_t replicas = 1;
  int_or_percent max_surge = int_or_percent::percentage(25);
  int_or_percent max_unavailable = int_or_percent::percentage(25);
  bool paused = false;
  std::optional<std::int32_t> revision_history_limit = 10;  // nullopt or INT32_MAX: keep everything
  // The ReplicaSet whose template matches the policy's (absent until created), the name to create
  // it under (<policy>-<hash>), and every other ReplicaSet the policy owns.
  std::optional<replica_set_state> new_replica_set{};
  std::string new_replica_set_name{};
  std::vector<replica_set_state> old_replica_sets{};
  previous_status previous{};
  // An abort: the name of the stable ReplicaSet (one of old_replica_sets) to return to. The sync
  // then runs the rollout's arithmetic with the roles swapped: the stable ReplicaSet grows back to
  // `replicas` within maxSurge while the new one (and any other) shrinks within maxUnavailable, so
  // going back is as safe as going forward. No ReplicaSet is created, no revision renumbered and no
  // history cleaned up; spec.paused does not hold it (an abort is the way out of a bad release).
  std::optional<std::string> roll_back_to{};
};

struct replica_annotations {
  std::int32_t desired_replicas = 0;
  std::int32_t max_replicas = 0;
  friend bool operator==(const replica_annotations&, const replica_annotations&) = default;
};

// Create the new ReplicaSet with `replicas` pods.
struct create_replica_set {
  std::string name{};
  std::int32_t replicas = 0;
  std::int64_t revision = 0;
  replica_annotations annotations{};
  std::string event{};  // ScalingReplicaSet event message; empty when created at 0
  friend bool operator==(const create_replica_set&, const create_replica_set&) = default;
};

// Change spec.replicas, writing the annotations in the same update. A planner that also renumbers
// the ReplicaSet in this sync (a reused one: rollback) carries the revision here too, since every
// write of a sync carries the resourceVersion it observed and a second write would only conflict.
struct scale_replica_set {
  std::string name{};
  std::int32_t from = 0;
  std::int32_t to = 0;
  replica_annotations annotations{};
  std::string event{};  // "Scaled up replica set hello-abc from 1 to 3"
  std::optional<std::int64_t> revision{};
  std::optional<std::string> revision_history{};
  friend bool operator==(const scale_replica_set&, const scale_replica_set&) = default;
};

// Metadata only: stale replica annotations, or the revision of a reused ReplicaSet (rollback).
struct annotate_replica_set {
  std::string name{};
  std::optional<replica_annotations> annotations{};
  std::optional<std::int64_t> revision{};
  std::optional<std::string> revision_history{};
  // Sets rolloutd.io/scale-down-deadline (whole seconds), or removes it when clear_scale_down_deadline.
  std::optional<std::chrono::system_clock::time_point> scale_down_deadline{};
  bool clear_scale_down_deadline = false;
  friend bool operator==(const annotate_replica_set&, const annotate_replica_set&) = default;
};

// History cleanup: an old ReplicaSet beyond revisionHistoryLimit with no pods.
struct delete_replica_set {
  std::string name{};
  friend bool operator==(const delete_replica_set&, const delete_replica_set&) = default;
};

using replica_set_action =
    std::variant<create_replica_set, scale_replica_set, annotate_replica_set, delete_replica_set>;

// Which branch of the Deployment controller's sync ran.
enum class sync_path {
  paused,         // scaling only, no progress toward the new template; history cleaned up
  scaling_event,  // spec.replicas changed: every active ReplicaSet scaled in proportion
  rollout,        // create / grow the new ReplicaSet, shrink the old ones
};

struct rolling_plan {
  sync_path path = sync_path::rollout;
  std::vector<replica_set_action> actions{};  // in order
  fenceposts limits{};                        // maxSurge / maxUnavailable resolved
  rollout_counts counts{};                    // status counts, from the observed ReplicaSets
  std::int64_t revision = 0;                  // the new ReplicaSet's revision; 0 when there is none
  std::string new_replica_set{};              // its name; empty when there is none
  bool created_new_replica_set = false;
  bool complete = false;           // every desired replica updated and available, nothing else running
  bool minimum_available = false;  // available >= replicas - maxUnavailable
  // With roll_back_to: the stable ReplicaSet holds every replica, all available, and nothing else runs.
  bool rolled_back = false;
};

struct rolling_result {
  rolling_plan plan{};
  std::string error{};  // empty on success; otherwise nothing may be written

  [[nodiscard]] bool ok() const { return error.empty(); }
};

[[nodiscard]] rolling_result plan_rolling(const rolling_input& in);

}  // namespace rolloutd::strategy
