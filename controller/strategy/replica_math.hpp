#pragma once

// The Deployment controller's replica arithmetic, reproduced number for number (its
// util/deployment_util.go): how maxSurge and maxUnavailable resolve against spec.replicas, how far
// the new ReplicaSet may grow, and how a change of spec.replicas in the middle of a rollout is
// shared out among the active ReplicaSets. Pure functions, no I/O.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rolloutd::strategy {

// An IntOrString field that holds either an absolute count (3) or a percentage ("25%").
struct int_or_percent {
  std::int32_t value = 0;
  bool percent = false;

  [[nodiscard]] static constexpr int_or_percent count(std::int32_t n) { return {n, false}; }
  [[nodiscard]] static constexpr int_or_percent percentage(std::int32_t p) { return {p, true}; }
  friend bool operator==(const int_or_percent&, const int_or_percent&) = default;
};

// "25%" -> 25 percent, "3" -> 3. Anything else ("", "-1", "2.5%", "25 %", "abc", out of int32 range)
// is nullopt, for the caller to report as an invalid spec.
[[nodiscard]] std::optional<int_or_percent> parse_int_or_percent(std::string_view text);

enum class rounding { down, up };

// The value against `total`: a count as is, a percentage of total rounded as told. Negative values
// (which validation rejects) count as 0, and results saturate at INT32_MAX rather than overflow.
[[nodiscard]] std::int32_t scaled_value(int_or_percent v, std::int32_t total, rounding r);

struct fenceposts {
  std::int32_t max_surge = 0;
  std::int32_t max_unavailable = 0;
  friend bool operator==(const fenceposts&, const fenceposts&) = default;
};

// Surge rounds up, unavailable rounds down; when both come to 0 unavailable becomes 1, because
// surge may be impossible (quota) and a rollout must still be able to move. Unavailable is then
// capped at replicas (and is 0 for 0 replicas), which is what every rolling step uses.
[[nodiscard]] fenceposts resolve_fenceposts(int_or_percent max_surge, int_or_percent max_unavailable,
                                            std::int32_t replicas);

// The size the new ReplicaSet may grow to now: toward `replicas`, without the sum of every
// ReplicaSet's spec.replicas (`total_spec`, the new one included) exceeding replicas + max_surge.
[[nodiscard]] std::int32_t new_replica_set_target(std::int32_t replicas, std::int32_t max_surge,
                                                  std::int32_t total_spec, std::int32_t new_spec);

// Kubernetes orders ReplicaSets by creation time, then by name; every "oldest first" below uses it.
[[nodiscard]] bool created_before(std::chrono::system_clock::time_point a_created, std::string_view a_name,
                                  std::chrono::system_clock::time_point b_created, std::string_view b_name);

// One active ReplicaSet (spec.replicas > 0) taking part in a proportional scale.
struct proportional_member {
  std::string name;
  std::chrono::system_clock::time_point created{};
  std::int32_t replicas = 0;
  // replicas + maxSurge of the policy when this ReplicaSet was last scaled (annotation), the base
  // its share is measured against.
  std::optional<std::int32_t> max_replicas{};
};

// One ReplicaSet's new size in a proportional scale.
struct proportional_step {
  std::size_t member = 0;  // index into the members passed in
  std::int32_t replicas = 0;
  friend bool operator==(const proportional_step&, const proportional_step&) = default;
};

// New sizes after spec.replicas changed while several ReplicaSets are active, one step per member
// in the order Kubernetes writes them. Target total: replicas + max_surge (0 when replicas is 0).
// Each member gets round(size * target / its max_replicas) - size, bounded by what is still left to
// add or remove, visiting the largest first (ties: newest first when growing, oldest first when
// shrinking); what rounding leaves over goes to the first visited, never below 0, and what that one
// cannot give up is taken from the next ones in the same order (Kubernetes stops at 0 and leaves the
// total above the target; docs/rolling-planner.md "Deliberate differences"). With nothing to
// add or remove the sizes stay and the order is the input's. `fallback_max_replicas` stands in for
// a missing annotation (Kubernetes uses the status.replicas last written).
[[nodiscard]] std::vector<proportional_step> proportional_scale(
    const std::vector<proportional_member>& members, std::int32_t replicas, std::int32_t max_surge,
    std::int32_t fallback_max_replicas);

}  // namespace rolloutd::strategy
