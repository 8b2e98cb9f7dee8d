// Reading back the status a previous reconcile or `kubectl rp` wrote (see parse_status in
// status.hpp): every problem becomes a warning and the field its zero value.

#include <array>
#include <limits>
#include <utility>

#include "api/json_reader.hpp"
#include "api/status.hpp"

namespace rolloutd::api {
namespace {

using detail::index_path;
using detail::object_reader;

constexpr std::int64_t int32_max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

template <class Enum, std::size_t N>
std::optional<Enum> one_of(object_reader& in, std::string_view key, const std::array<Enum, N>& values) {
  const auto text = in.string(key);
  if (!text) return std::nullopt;
  std::string names;
  for (const Enum v : values) {
    if (*text == to_string(v)) return v;
    names += std::string(names.empty() ? "" : ", ") + to_string(v);
  }
  in.error(key, detail::describe_value(nlohmann::json(*text)) + " is not one of " + names);
  return std::nullopt;
}

std::int32_t count(object_reader& in, std::string_view key) {
  return static_cast<std::int32_t>(in.integer(key, 0, int32_max).value_or(0));
}

std::vector<pause_condition> pause_conditions(object_reader& in, field_errors& warnings) {
  std::vector<pause_condition> out;
  const auto* list = in.array("pauseConditions");
  if (!list) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto before = warnings.size();
    object_reader entry((*list)[i], index_path(in.path_of("pauseConditions"), i), warnings);
    auto reason = entry.string("reason");
    const auto start = entry.time("startTime");
    if (!reason && entry.valid()) entry.required("reason");
    if (!start && entry.valid() && !entry.has("startTime")) entry.required("startTime");
    if (warnings.size() == before) out.push_back({std::move(*reason), *start});
  }
  return out;
}

std::vector<condition> conditions(object_reader& in, field_errors& warnings) {
  std::vector<condition> out;
  const auto* list = in.array("conditions");
  if (!list) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto before = warnings.size();
    object_reader entry((*list)[i], index_path(in.path_of("conditions"), i), warnings);
    condition c;
    c.type = entry.string("type").value_or("");
    c.status = entry.string("status").value_or("");
    c.reason = entry.string("reason").value_or("");
    c.message = entry.string("message").value_or("");
    c.last_update_time = entry.time("lastUpdateTime");
    c.last_transition_time = entry.time("lastTransitionTime");
    c.observed_generation = entry.integer("observedGeneration", 0, int64_max).value_or(0);
    if (entry.valid() && c.type.empty()) entry.required("type");
    if (entry.valid() && c.status.empty()) entry.required("status");
    if (warnings.size() == before) out.push_back(std::move(c));
  }
  return out;
}

std::optional<operation_request> operation(object_reader& in, field_errors& warnings) {
  const auto* value = in.find("operation");
  if (!value) return std::nullopt;
  const auto before = warnings.size();
  object_reader op(*value, in.path_of("operation"), warnings);
  static constexpr std::array types{operation_type::promote, operation_type::promote_full,
                                    operation_type::abort, operation_type::retry};
  const auto type = one_of(op, "type", types);
  if (!type && op.valid() && !op.has("type")) op.required("type");
  operation_request out;
  out.requested_at = op.time("requestedAt");
  out.requested_by = op.string("requestedBy").value_or("");
  if (warnings.size() != before || !type) return std::nullopt;
  out.type = *type;
  return out;
}

}  // namespace

checked<rollout_status> parse_status(const nlohmann::json& status) {
  field_errors warnings;
  rollout_status s;
  if (status.is_null()) return s;
  object_reader in(status, "status", warnings);
  static constexpr std::array phases{rollout_phase::progressing, rollout_phase::paused,
                                     rollout_phase::healthy, rollout_phase::degraded};

  s.observed_generation = in.integer("observedGeneration", 0, int64_max).value_or(0);
  s.phase = one_of(in, "phase", phases).value_or(rollout_phase::unset);
  s.message = in.string("message").value_or("");
  s.replicas = count(in, "replicas");
  s.updated_replicas = count(in, "updatedReplicas");
  s.ready_replicas = count(in, "readyReplicas");
  s.available_replicas = count(in, "availableReplicas");
  s.selector = in.string("selector").value_or("");
  s.current_revision = in.integer("currentRevision", 0, int64_max).value_or(0);
  s.current_pod_hash = in.string("currentPodHash").value_or("");
  s.stable_pod_hash = in.string("stablePodHash").value_or("");
  if (const auto step = in.integer("currentStepIndex", 0, int32_max)) {
    s.current_step_index = static_cast<std::int32_t>(*step);
  }
  if (const auto weight = in.integer("canaryWeight", 0, 100))
    s.canary_weight = static_cast<std::int32_t>(*weight);
  s.active_selector = in.string("activeSelector").value_or("");
  s.preview_selector = in.string("previewSelector").value_or("");
  s.promoted_pod_hash = in.string("promotedPodHash").value_or("");
  s.pause_conditions = pause_conditions(in, warnings);
  s.abort = in.boolean("abort").value_or(false);
  s.collision_count = count(in, "collisionCount");
  s.operation = operation(in, warnings);
  s.restarted_at = in.time("restartedAt");
  s.conditions = conditions(in, warnings);
  return checked<rollout_status>(std::move(s), std::move(warnings));
}

}  // namespace rolloutd::api
