#pragma once

// The blue/green planner's input from a parsed policy (spec, and status as the memory of earlier
// syncs and the pending `kubectl rp` request) and what the reconcile observed. Pure.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "api/rollout_policy.hpp"
#include "strategy/blue_green.hpp"

namespace rolloutd::reconcile {

struct blue_green_observed {
  std::string hash;                  // the current template's pod-template hash
  std::string new_replica_set_name;  // <policy>-<hash>
  std::optional<strategy::replica_set_state> new_replica_set;
  std::vector<strategy::replica_set_state> old_replica_sets;
  strategy::service_state active;
  strategy::service_state preview;
};

[[nodiscard]] strategy::blue_green_input make_blue_green_input(const api::rollout_policy& policy,
                                                               const api::blue_green_strategy& strategy,
                                                               blue_green_observed observed,
                                                               std::chrono::system_clock::time_point now);

}  // namespace rolloutd::reconcile
