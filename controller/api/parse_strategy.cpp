// spec.strategy: rollingUpdate, canary (with its steps) or blueGreen.

#include <limits>

#include "api/duration.hpp"
#include "api/parse_parts.hpp"
#include "api/time_bounds.hpp"

namespace rolloutd::api::detail {
namespace {

constexpr std::int64_t int32_max = std::numeric_limits<std::int32_t>::max();

// A wait in whole seconds: 0 to 30 days.
std::int32_t read_wait_seconds(object_reader& in, std::string_view key, std::int32_t fallback) {
  return static_cast<std::int32_t>(in.integer(key, 0, max_wait_seconds).value_or(fallback));
}

std::optional<std::int32_t> read_optional_int32(object_reader& in, std::string_view key, std::int64_t min,
                                                std::int64_t max = int32_max) {
  const auto n = in.integer(key, min, max);
  if (!n) return std::nullopt;
  return static_cast<std::int32_t>(*n);
}

// The members of `in` among `names` that are set, for "exactly one of" checks.
std::vector<std::string_view> present(const object_reader& in,
                                      std::initializer_list<std::string_view> names) {
  std::vector<std::string_view> out;
  for (const auto name : names) {
    if (in.has(name)) out.push_back(name);
  }
  return out;
}

std::string join(const std::vector<std::string_view>& names, std::string_view last_separator) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? last_separator : std::string_view(", ");
    out += names[i];
  }
  return out;
}

std::optional<session_affinity_config> read_session_affinity(object_reader& parent, field_errors& errors) {
  const auto* value = parent.find("sessionAffinity");
  if (!value) return std::nullopt;
  object_reader in(*value, parent.path_of("sessionAffinity"), errors);
  session_affinity_config out;
  if (const auto type = in.string("type")) {
    if (*type == "ClientIP" || *type == "None") {
      out.type = *type;
    } else {
      in.error("type", describe_value(nlohmann::json(*type)) + " is not one of ClientIP, None");
    }
  }
  // Service.spec.sessionAffinityConfig.clientIP.timeoutSeconds accepts 1..86400.
  out.timeout_seconds = read_optional_int32(in, "timeoutSeconds", 1, 86400).value_or(out.timeout_seconds);
  return out;
}

rolling_update_strategy read_rolling_update(const nlohmann::json& value, const std::string& path,
                                            field_errors& errors) {
  object_reader in(value, path, errors);
  rolling_update_strategy out;
  out.max_surge =
      read_int_or_percent(in, "maxSurge", out.max_surge, std::numeric_limits<std::int32_t>::max());
  out.max_unavailable = read_int_or_percent(in, "maxUnavailable", out.max_unavailable, 100);
  return out;
}

std::optional<std::chrono::nanoseconds> read_pause_duration(object_reader& in) {
  const auto* value = in.find("duration");
  if (!value) return std::nullopt;
  // A bare number means seconds, as Argo Rollouts reads it.
  if (value->is_number()) {
    const auto seconds = in.integer("duration", 0, max_wait_seconds);
    if (!seconds) return std::nullopt;
    return std::chrono::seconds(*seconds);
  }
  if (!value->is_string()) {
    in.type_error("duration", "a duration like \"30s\" or \"1m30s\"");
    return std::nullopt;
  }
  std::string why;
  const auto d = parse_duration(value->get_ref<const std::string&>(), &why);
  if (!d) {
    in.error("duration",
             describe_value(*value) + " is not a duration (" + why + "); write it like 30s, 1m30s or 2h");
    return std::nullopt;
  }
  if (d->count() < 0) {
    in.error("duration", "must not be negative, got " + describe_value(*value));
    return std::nullopt;
  }
  if (*d > max_pause_duration) {
    in.error("duration", "must be at most 720h (30 days), got " + describe_value(*value));
    return std::nullopt;
  }
  return d;
}

set_canary_scale_step read_set_canary_scale(object_reader& step, field_errors& errors) {
  object_reader in(*step.find("setCanaryScale"), step.path_of("setCanaryScale"), errors);
  set_canary_scale_step out;
  out.replicas = read_optional_int32(in, "replicas", 0);
  out.weight = read_optional_int32(in, "weight", 0, 100);
  out.match_traffic_weight = in.boolean("matchTrafficWeight").value_or(false);
  if (!in.valid()) return out;
  auto set = present(in, {"replicas", "weight"});
  if (out.match_traffic_weight) set.push_back("matchTrafficWeight");
  if (set.size() != 1) {
    errors.push_back({in.path(), "exactly one of replicas, weight or matchTrafficWeight: true must be set" +
                                     (set.empty() ? std::string() : ", found " + join(set, " and "))});
  }
  return out;
}

canary_step read_step(const nlohmann::json& value, const std::string& path, field_errors& errors) {
  object_reader in(value, path, errors);
  if (!in.valid()) return pause_step{};
  const auto kinds = present(in, {"setWeight", "pause", "setCanaryScale", "analysis"});
  if (kinds.size() != 1) {
    errors.push_back({path, "exactly one of setWeight, pause, setCanaryScale or analysis must be set" +
                                (kinds.empty() ? std::string() : ", found " + join(kinds, " and "))});
    return pause_step{};
  }
  if (kinds[0] == "setWeight") {
    return set_weight_step{static_cast<std::int32_t>(in.integer("setWeight", 0, 100).value_or(0))};
  }
  if (kinds[0] == "pause") {
    const auto* pause = in.object("pause");
    if (!pause) return pause_step{};
    object_reader p(*pause, in.path_of("pause"), errors);
    return pause_step{read_pause_duration(p)};
  }
  if (kinds[0] == "setCanaryScale") return read_set_canary_scale(in, errors);
  const auto* analysis = in.object("analysis");
  return analysis_step{analysis ? *analysis : nlohmann::json::object()};
}

canary_strategy read_canary(const nlohmann::json& value, const std::string& path, field_errors& errors) {
  object_reader in(value, path, errors);
  canary_strategy out;
  if (const auto* steps = in.array("steps")) {
    for (std::size_t i = 0; i < steps->size(); ++i) {
      out.steps.push_back(read_step((*steps)[i], index_path(in.path_of("steps"), i), errors));
    }
  }
  out.max_surge =
      read_int_or_percent(in, "maxSurge", out.max_surge, std::numeric_limits<std::int32_t>::max());
  out.max_unavailable = read_int_or_percent(in, "maxUnavailable", out.max_unavailable, 100);
  out.service = in.string("service").value_or("");
  out.stable_service = in.string("stableService").value_or("");
  out.canary_service = in.string("canaryService").value_or("");
  out.session_affinity = read_session_affinity(in, errors);
  if (const auto* routing = in.object("trafficRouting")) out.traffic_routing = *routing;
  out.scale_down_delay_seconds = read_wait_seconds(in, "scaleDownDelaySeconds", out.scale_down_delay_seconds);
  out.abort_scale_down_delay_seconds =
      read_wait_seconds(in, "abortScaleDownDelaySeconds", out.abort_scale_down_delay_seconds);
  return out;
}

blue_green_strategy read_blue_green(const nlohmann::json& value, const std::string& path,
                                    field_errors& errors) {
  object_reader in(value, path, errors);
  blue_green_strategy out;
  out.active_service = in.string("activeService").value_or("");
  if (in.valid() && !in.has("activeService")) in.required("activeService");
  out.preview_service = in.string("previewService").value_or("");
  out.auto_promotion_enabled = in.boolean("autoPromotionEnabled").value_or(true);
  out.auto_promotion_seconds = read_optional_int32(in, "autoPromotionSeconds", 0, max_wait_seconds);
  out.preview_replica_count = read_optional_int32(in, "previewReplicaCount", 1);
  out.scale_down_delay_seconds = read_wait_seconds(in, "scaleDownDelaySeconds", out.scale_down_delay_seconds);
  out.abort_scale_down_delay_seconds =
      read_wait_seconds(in, "abortScaleDownDelaySeconds", out.abort_scale_down_delay_seconds);
  out.session_affinity = read_session_affinity(in, errors);
  return out;
}

}  // namespace

int_or_percent read_int_or_percent(object_reader& in, std::string_view key, int_or_percent fallback,
                                   std::int32_t max_percent) {
  const auto* value = in.find(key);
  if (!value) return fallback;
  const auto parsed = int_or_percent::from_json(*value);
  if (!parsed) {
    if (value->is_number() && integer_value(*value, std::numeric_limits<std::int64_t>::min(), -1)) {
      in.error(key, "must not be negative, got " + describe_value(*value));
    } else {
      in.error(key, describe_value(*value) + " is not a count or a percentage like \"25%\"");
    }
    return fallback;
  }
  if (parsed->is_percent() && parsed->value() > max_percent) {
    in.error(key,
             "must not be more than " + std::to_string(max_percent) + "%, got " + describe_value(*value));
    return fallback;
  }
  return *parsed;
}

rollout_strategy parse_strategy(const nlohmann::json* strategy, const std::string& path,
                                field_errors& errors) {
  if (!strategy) return rolling_update_strategy{};
  object_reader in(*strategy, path, errors);
  const auto kinds = present(in, {"rollingUpdate", "canary", "blueGreen"});
  if (kinds.size() > 1) {
    errors.push_back({path, "exactly one of rollingUpdate, canary or blueGreen may be set, found " +
                                join(kinds, " and ")});
    return rolling_update_strategy{};
  }
  if (kinds.empty()) return rolling_update_strategy{};
  const auto& value = *in.find(kinds[0]);
  const std::string child = in.path_of(kinds[0]);
  if (kinds[0] == "canary") return read_canary(value, child, errors);
  if (kinds[0] == "blueGreen") return read_blue_green(value, child, errors);
  return read_rolling_update(value, child, errors);
}

}  // namespace rolloutd::api::detail
