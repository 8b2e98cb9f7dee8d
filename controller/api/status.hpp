#pragma once

// RolloutPolicy status: the values, their JSON, the conditions' vocabulary (the Deployment
// controller's, so `kubectl wait --for=condition=Available` and kstatus-based tools read it as they
// read a Deployment), and the minimal merge patch the reconciler sends to the status subresource.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/condition_reasons.hpp"
#include "api/errors.hpp"
#include "api/timestamp.hpp"

namespace rolloutd::api {

namespace condition_types {
inline constexpr std::string_view available = "Available";
inline constexpr std::string_view progressing = "Progressing";
inline constexpr std::string_view paused = "Paused";
inline constexpr std::string_view ready = "Ready";
inline constexpr std::string_view invalid_spec = "InvalidSpec";
}  // namespace condition_types

namespace condition_statuses {
inline constexpr std::string_view true_ = "True";
inline constexpr std::string_view false_ = "False";
inline constexpr std::string_view unknown = "Unknown";
}  // namespace condition_statuses

struct condition {
  std::string type;
  std::string status;  // True, False, Unknown
  std::string reason;
  std::string message;
  std::optional<timestamp> last_update_time;
  std::optional<timestamp> last_transition_time;
  std::int64_t observed_generation = 0;  // the metadata.generation it was computed from; 0: not recorded

  friend bool operator==(const condition&, const condition&) = default;
};

// A condition whose times are both `now`; set_condition keeps the old transition time if due.
[[nodiscard]] condition make_condition(std::string_view type, std::string_view status,
                                       std::string_view reason, std::string message, timestamp now);

[[nodiscard]] const condition* find_condition(const std::vector<condition>& conditions,
                                              std::string_view type);
[[nodiscard]] bool condition_is(const std::vector<condition>& conditions, std::string_view type,
                                std::string_view status);

// Sets a condition the way a user reads it: nothing changes when the condition of that type already
// says the same (status, reason and message), so restating it costs no status write; otherwise it
// is replaced, message included, and keeps its lastTransitionTime while the status holds (the
// Kubernetes convention: the transition time moves only with the status). Unlike the Deployment
// controller's SetDeploymentCondition, a new message with the same reason is not dropped: a Ready
// condition still saying "Service hello-stable not found" after the Service appeared is a lie.
// No message rolloutd writes embeds the clock, only names and counts, and the counts are status
// fields themselves, so a message that follows them adds no write of its own. Replaced in place,
// so the list keeps its order. Returns whether the list changed.
bool set_condition(std::vector<condition>& conditions, condition c);

// How Progressing records progress: everything is replaced, including lastUpdateTime (which restarts
// the progress deadline) and the message, and only lastTransitionTime survives when the status is
// unchanged. Returns whether the list changed.
bool update_condition(std::vector<condition>& conditions, condition c);

bool remove_condition(std::vector<condition>& conditions, std::string_view type);

enum class rollout_phase { unset, progressing, paused, healthy, degraded };
[[nodiscard]] const char* to_string(rollout_phase phase);  // "" for unset

struct pause_condition {
  std::string reason;  // condition_reasons::canary_pause_step, blue_green_pause
  timestamp start_time{};

  friend bool operator==(const pause_condition&, const pause_condition&) = default;
};

// A request from `kubectl rp promote|abort|retry`, written through the status subresource so the
// spec (and a GitOps tool's view of it) never changes. One slot: a newer request replaces one not
// yet handled. The reconciler removes it in the same status patch that records its effect (so a
// crash between the two cannot apply it twice), sent with_precondition (so a request written
// meanwhile is not lost).
enum class operation_type { promote, promote_full, abort, retry };
[[nodiscard]] const char* to_string(operation_type type);  // "Promote", "PromoteFull", ...

struct operation_request {
  operation_type type = operation_type::promote;
  std::optional<timestamp> requested_at;
  std::string requested_by;  // for events and logs, e.g. "kubectl-rp"

  friend bool operator==(const operation_request&, const operation_request&) = default;
};

struct rollout_status {
  std::int64_t observed_generation = 0;
  rollout_phase phase = rollout_phase::unset;
  std::string message;
  std::int32_t replicas = 0;
  std::int32_t updated_replicas = 0;
  std::int32_t ready_replicas = 0;
  std::int32_t available_replicas = 0;
  std::string selector;  // label-selector string for the scale subresource and HPAs
  std::int64_t current_revision = 0;
  std::string current_pod_hash;
  std::string stable_pod_hash;
  std::optional<std::int32_t> current_step_index;
  std::optional<std::int32_t> canary_weight;  // the weight actually served (canary only)
  std::string active_selector;                // pod hash the active Service selects (blue/green)
  std::string preview_selector;
  std::string promoted_pod_hash;  // blue/green: the template promoted, from the promotion until stable
  std::vector<pause_condition> pause_conditions;
  bool abort = false;
  std::int32_t collision_count = 0;  // mixed into the template hash after a collision
  std::optional<operation_request> operation;
  // spec.restartAt once every pod created before it has been replaced, so a restart runs once.
  std::optional<timestamp> restarted_at;
  std::vector<condition> conditions;

  friend bool operator==(const rollout_status&, const rollout_status&) = default;
};

// Zero values are omitted (as Go's omitempty would), except the four replica counts, which printer
// columns and `kubectl rollout status`-style readers expect to see as 0.
[[nodiscard]] nlohmann::json to_json(const rollout_status& status);

// The status a previous reconcile (or `kubectl rp`) wrote. The controller owns this data, so a
// malformed field does not block the policy: it reads as its zero value and is reported as a
// warning, and the next status patch overwrites it. Never fails; never throws.
[[nodiscard]] checked<rollout_status> parse_status(const nlohmann::json& status);

// The RFC 7386 merge patch that turns `from` into `to`: changed members, null for removed ones,
// arrays and non-objects replaced whole; an empty object when they are equal.
[[nodiscard]] nlohmann::json merge_diff(const nlohmann::json& from, const nlohmann::json& to);

// The body for PATCH .../status (application/merge-patch+json), {"status": {...}}, or an empty
// object when nothing changed and no request should be sent. Diffing against the status as it is
// stored (`observed`, the raw JSON) also removes fields this version does not write.
[[nodiscard]] nlohmann::json merge_patch(const nlohmann::json& observed, const rollout_status& desired);
[[nodiscard]] nlohmann::json merge_patch(const rollout_status& old, const rollout_status& desired);

// The patch with metadata.resourceVersion set, so the API server answers 409 Conflict if the object
// changed since it was read. Needed when the patch removes or replaces status.operation, which a
// user may have rewritten in the meantime; an empty patch stays empty.
[[nodiscard]] nlohmann::json with_precondition(nlohmann::json patch, std::string_view resource_version);

}  // namespace rolloutd::api
