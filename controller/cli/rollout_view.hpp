#pragma once

// What `kubectl rp get` and `list` show about a policy, computed from the objects the API server
// returned (the policy, the ReplicaSets it controls, their pods). A policy whose spec cannot be
// parsed is still shown, from its metadata and status. Pure; the renderers turn it into text.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/timestamp.hpp"

namespace rolloutd::cli {

struct pod_view {
  std::string name;
  std::string state;     // kubectl's STATUS column: Running, Pending, ContainerCreating, Terminating, ...
  bool healthy = false;  // running with every container ready
  bool failing = false;  // a state that needs attention: CrashLoopBackOff, ErrImagePull, Failed, ...
  int ready = 0;
  int containers = 0;
  int restarts = 0;
  std::optional<api::timestamp> created;
};

struct replica_set_view {
  std::string name;
  std::string hash;
  std::int64_t revision = 0;
  std::int32_t desired = 0;
  std::int32_t current = 0;
  std::int32_t ready = 0;
  std::int32_t available = 0;
  std::vector<std::string> roles;  // stable, canary, new, active, preview
  std::vector<std::string> images;
  std::optional<api::timestamp> created;
  std::vector<pod_view> pods;  // by name
};

struct image_view {
  std::string image;
  std::vector<std::string> roles;
};

struct rollout_view {
  std::string name;
  std::string namespace_name;
  std::string strategy;  // RollingUpdate, Canary, BlueGreen; "Unknown" when the spec cannot be read
  std::string phase;     // status.phase; "Unknown" before the controller has written one
  std::string message;
  bool stale = false;  // status.observedGeneration < metadata.generation
  bool aborted = false;
  bool paused = false;                        // spec.paused
  std::optional<std::int32_t> step;           // canary: steps completed (status.currentStepIndex)
  std::optional<std::int32_t> steps;          // canary: steps in the spec
  std::optional<std::int32_t> set_weight;     // canary: the weight the steps call for now
  std::optional<std::int32_t> actual_weight;  // canary: status.canaryWeight
  std::vector<image_view> images;
  std::int32_t desired = 0;
  std::int32_t current = 0;
  std::int32_t updated = 0;
  std::int32_t ready = 0;
  std::int32_t available = 0;
  std::optional<api::timestamp> created;
  std::vector<replica_set_view> replica_sets;  // newest revision first
};

// `replica_sets` and `pods` may hold anything from the namespace: only those the policy controls
// (and their pods) are kept.
[[nodiscard]] rollout_view make_rollout_view(const nlohmann::json& policy,
                                             const std::vector<nlohmann::json>& replica_sets,
                                             const std::vector<nlohmann::json>& pods);

// kubectl's pod STATUS column for one pod.
[[nodiscard]] pod_view make_pod_view(const nlohmann::json& pod);

}  // namespace rolloutd::cli
