#pragma once

// Pods as the restart planner sees them (strategy/restart.hpp): read on demand, only while a
// restart is pending, so the controller keeps no pod cache. Pure; no I/O.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "strategy/restart.hpp"

namespace rolloutd::reconcile {

struct observed_pod {
  strategy::pod_state state;
  std::string replica_set;  // the ReplicaSet controlling it; empty when none
};

// A pod is available once Ready for at least minReadySeconds (the ReplicaSet controller's rule).
// nullopt for an object without a name or a creationTimestamp.
[[nodiscard]] std::optional<observed_pod> observe_pod(const nlohmann::json& pod,
                                                      std::int32_t min_ready_seconds,
                                                      std::chrono::system_clock::time_point now);

}  // namespace rolloutd::reconcile
