#pragma once

// RolloutPolicy (rolloutd.io/v1alpha1) as plain values, with every default already applied by
// parse_rollout_policy, so planners read fields without asking whether they were set.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/int_or_percent.hpp"
#include "api/label_selector.hpp"
#include "api/status.hpp"
#include "api/timestamp.hpp"

namespace rolloutd::api {

struct object_meta {
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::int64_t generation = 0;
  std::optional<timestamp> deletion_timestamp;
  string_map labels;
  string_map annotations;
};

struct container_image {
  std::string name;
  std::string image;
  friend bool operator==(const container_image&, const container_image&) = default;
};

// A PodTemplateSpec. The JSON is the source of truth and is passed to ReplicaSets as written;
// parse_rollout_policy has checked the parts the accessors read, which tolerate anything anyway.
struct pod_template {
  nlohmann::json raw = nlohmann::json::object();

  [[nodiscard]] string_map labels() const;
  [[nodiscard]] string_map annotations() const;
  [[nodiscard]] std::vector<container_image> containers() const;
  [[nodiscard]] std::vector<container_image> init_containers() const;
};

struct workload_ref {
  std::string api_version = "apps/v1";
  std::string kind = "Deployment";
  std::string name;
};

// Service.spec.sessionAffinity for every Service a strategy names, so one client keeps one version.
struct session_affinity_config {
  std::string type = "ClientIP";  // ClientIP or None
  std::int32_t timeout_seconds = 10800;
};

struct rolling_update_strategy {
  int_or_percent max_surge = int_or_percent::percent(25);
  int_or_percent max_unavailable = int_or_percent::percent(25);
};

struct set_weight_step {
  std::int32_t weight = 0;  // 0..100
};

struct pause_step {
  std::optional<std::chrono::nanoseconds> duration;  // none: until promoted
};

// Exactly one of the three is set (parse guarantees it).
struct set_canary_scale_step {
  std::optional<std::int32_t> replicas;
  std::optional<std::int32_t> weight;
  bool match_traffic_weight = false;
};

// Metric analysis arrives with a later issue; the step is carried opaquely until then.
struct analysis_step {
  nlohmann::json spec = nlohmann::json::object();
};

using canary_step = std::variant<set_weight_step, pause_step, set_canary_scale_step, analysis_step>;

struct canary_strategy {
  std::vector<canary_step> steps;
  int_or_percent max_surge = int_or_percent::percent(25);
  int_or_percent max_unavailable = int_or_percent::percent(25);
  std::string service;  // what users reach; selects both revisions (pinned only during an abort's delay)
  std::string stable_service;  // selector pinned to the stable revision
  std::string canary_service;  // selector pinned to the canary revision
  std::optional<session_affinity_config> session_affinity;
  std::optional<nlohmann::json> traffic_routing;  // opaque until a traffic router exists
  std::int32_t scale_down_delay_seconds = 30;
  std::int32_t abort_scale_down_delay_seconds = 30;
};

struct blue_green_strategy {
  std::string active_service;
  std::string preview_service;
  bool auto_promotion_enabled = true;
  std::optional<std::int32_t> auto_promotion_seconds;
  std::optional<std::int32_t> preview_replica_count;  // none: the full replica count
  std::int32_t scale_down_delay_seconds = 30;
  std::int32_t abort_scale_down_delay_seconds = 30;
  std::optional<session_affinity_config> session_affinity;
};

using rollout_strategy = std::variant<rolling_update_strategy, canary_strategy, blue_green_strategy>;

struct rollout_policy_spec {
  std::int32_t replicas = 1;
  label_selector selector;
  std::optional<pod_template> template_spec;  // exactly one of template_spec and workload
  std::optional<workload_ref> workload;
  std::int32_t min_ready_seconds = 0;
  std::int32_t revision_history_limit = 10;
  std::int32_t progress_deadline_seconds = 600;
  bool progress_deadline_abort = false;
  bool paused = false;
  std::optional<timestamp> restart_at;
  rollout_strategy strategy = rolling_update_strategy{};
};

struct rollout_policy {
  object_meta metadata;
  rollout_policy_spec spec;
  rollout_status status;
};

[[nodiscard]] const char* strategy_name(const rollout_strategy& s);  // "rollingUpdate", "canary", ...

}  // namespace rolloutd::api
