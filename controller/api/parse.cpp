#include "api/parse.hpp"

#include <limits>

#include "api/json_reader.hpp"
#include "api/parse_parts.hpp"
#include "api/time_bounds.hpp"

namespace rolloutd::api {
namespace {

using detail::describe_value;
using detail::index_path;
using detail::object_reader;

constexpr std::int64_t int32_max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

std::int32_t read_int32(object_reader& in, std::string_view key, std::int64_t min, std::int32_t fallback) {
  return static_cast<std::int32_t>(in.integer(key, min, int32_max).value_or(fallback));
}

// progressDeadlineSeconds: 1 to 30 days, or INT32_MAX for no deadline.
std::int32_t read_deadline(object_reader& in, std::int32_t fallback) {
  const auto n = in.integer("progressDeadlineSeconds", 1, int32_max);
  if (!n) return fallback;
  if (*n > max_wait_seconds && *n != no_progress_deadline) {
    in.error("progressDeadlineSeconds", "must be at most " + std::to_string(max_wait_seconds) +
                                            " (30 days), or " + std::to_string(no_progress_deadline) +
                                            " for no deadline, got " + std::to_string(*n));
    return fallback;
  }
  return static_cast<std::int32_t>(*n);
}

std::optional<timestamp> read_restart_at(object_reader& in) {
  const auto t = in.time("restartAt");
  if (t && (*t < earliest_restart_at || *t >= restart_at_limit)) {
    in.error("restartAt", "must be from " + format_timestamp(earliest_restart_at) + " and before " +
                              format_timestamp(restart_at_limit) + ", got " + format_timestamp(*t));
    return std::nullopt;
  }
  return t;
}

std::optional<label_requirement::op> operator_from(std::string_view text) {
  using op = label_requirement::op;
  for (const op o : {op::in, op::not_in, op::exists, op::does_not_exist}) {
    if (text == to_string(o)) return o;
  }
  return std::nullopt;
}

label_requirement read_requirement(const nlohmann::json& value, const std::string& path,
                                   field_errors& errors) {
  object_reader in(value, path, errors);
  label_requirement out;
  out.key = in.string("key").value_or("");
  if (in.valid() && !in.has("key")) in.required("key");
  bool known_operator = false;
  if (const auto text = in.string("operator")) {
    if (const auto o = operator_from(*text)) {
      out.operation = *o;
      known_operator = true;
    } else {
      in.error("operator",
               describe_value(nlohmann::json(*text)) + " is not one of In, NotIn, Exists, DoesNotExist");
    }
  } else if (in.valid() && !in.has("operator")) {
    in.required("operator");
  }
  const auto* values = in.array("values");
  if (values) {
    for (std::size_t i = 0; i < values->size(); ++i) {
      const auto& v = (*values)[i];
      if (v.is_string()) {
        out.values.push_back(v.get<std::string>());
      } else {
        errors.push_back({index_path(in.path_of("values"), i), "must be a string, got " + describe_value(v)});
      }
    }
  }
  const bool values_readable = values != nullptr || !in.has("values");
  if (known_operator && values_readable) {
    const bool needs_values =
        out.operation == label_requirement::op::in || out.operation == label_requirement::op::not_in;
    if (needs_values && out.values.empty() && (!values || values->empty())) {
      in.error("values", "must list at least one value for In and NotIn");
    } else if (!needs_values && values && !values->empty()) {
      in.error("values", "must be empty for Exists and DoesNotExist");
    }
  }
  return out;
}

label_selector read_selector(object_reader& spec, field_errors& errors) {
  label_selector out;
  const auto* value = spec.find("selector");
  if (!value) {
    if (spec.valid()) spec.required("selector");
    return out;
  }
  object_reader in(*value, spec.path_of("selector"), errors);
  out.match_labels = in.strings("matchLabels").value_or(string_map{});
  if (const auto* expressions = in.array("matchExpressions")) {
    for (std::size_t i = 0; i < expressions->size(); ++i) {
      out.match_expressions.push_back(
          read_requirement((*expressions)[i], index_path(in.path_of("matchExpressions"), i), errors));
    }
  }
  return out;
}

void check_containers(object_reader& pod_spec, std::string_view key, bool required, field_errors& errors) {
  const auto* list = pod_spec.array(key);
  if (!list) {
    if (required && pod_spec.valid() && !pod_spec.has(key))
      pod_spec.error(key, "must list at least one container");
    return;
  }
  if (required && list->empty()) pod_spec.error(key, "must list at least one container");
  for (std::size_t i = 0; i < list->size(); ++i) {
    object_reader container((*list)[i], index_path(pod_spec.path_of(key), i), errors);
    if (!container.string("name") && container.valid() && !container.has("name")) container.required("name");
    (void)container.string("image");
  }
}

// Checks the parts of a PodTemplateSpec the controller reads; the rest is the API server's to judge
// when the ReplicaSet is created, and travels untouched.
pod_template read_template(const nlohmann::json& value, const std::string& path, field_errors& errors) {
  object_reader in(value, path, errors);
  if (const auto* metadata = in.object("metadata")) {
    object_reader meta(*metadata, in.path_of("metadata"), errors);
    (void)meta.strings("labels");
    (void)meta.strings("annotations");
  }
  if (const auto* spec = in.object("spec")) {
    object_reader pod_spec(*spec, in.path_of("spec"), errors);
    check_containers(pod_spec, "containers", true, errors);
    check_containers(pod_spec, "initContainers", false, errors);
  } else if (in.valid() && !in.has("spec")) {
    in.required("spec");
  }
  return pod_template{value};
}

workload_ref read_workload_ref(const nlohmann::json& value, const std::string& path, field_errors& errors) {
  object_reader in(value, path, errors);
  workload_ref out;
  out.api_version = in.string("apiVersion").value_or(out.api_version);
  out.kind = in.string("kind").value_or(out.kind);
  out.name = in.string("name").value_or("");
  if (in.valid() && !in.has("name")) in.required("name");
  return out;
}

rollout_policy_spec read_spec(const nlohmann::json* value, field_errors& errors) {
  rollout_policy_spec out;
  if (!value) {
    errors.push_back({"spec", "is required"});
    return out;
  }
  object_reader in(*value, "spec", errors);
  out.replicas = read_int32(in, "replicas", 0, out.replicas);
  out.selector = read_selector(in, errors);
  if (const auto* t = in.find("template"))
    out.template_spec = read_template(*t, in.path_of("template"), errors);
  if (const auto* w = in.find("workloadRef"))
    out.workload = read_workload_ref(*w, in.path_of("workloadRef"), errors);
  if (in.valid() && out.template_spec.has_value() == out.workload.has_value()) {
    errors.push_back({"spec", out.workload ? "template and workloadRef are mutually exclusive; set one"
                                           : "one of template or workloadRef is required"});
  }
  out.min_ready_seconds = static_cast<std::int32_t>(
      in.integer("minReadySeconds", 0, max_wait_seconds).value_or(out.min_ready_seconds));
  out.revision_history_limit = read_int32(in, "revisionHistoryLimit", 0, out.revision_history_limit);
  out.progress_deadline_seconds = read_deadline(in, out.progress_deadline_seconds);
  out.progress_deadline_abort = in.boolean("progressDeadlineAbort").value_or(false);
  out.paused = in.boolean("paused").value_or(false);
  out.restart_at = read_restart_at(in);
  out.strategy = detail::parse_strategy(in.find("strategy"), in.path_of("strategy"), errors);
  return out;
}

object_meta read_metadata(const nlohmann::json& object, field_errors& errors) {
  object_meta out;
  const auto it = object.find("metadata");
  const nlohmann::json* value = it == object.end() ? nullptr : &*it;
  if (!value || value->is_null()) {
    errors.push_back({"metadata", "is required"});
    return out;
  }
  object_reader in(*value, "metadata", errors);
  out.namespace_name = in.string("namespace").value_or("");
  out.name = in.string("name").value_or("");
  if (in.valid() && out.name.empty() && !in.has("name")) in.required("name");
  out.uid = in.string("uid").value_or("");
  out.resource_version = in.string("resourceVersion").value_or("");
  out.generation = in.integer("generation", 0, int64_max).value_or(0);
  out.deletion_timestamp = in.time("deletionTimestamp");
  out.labels = in.strings("labels").value_or(string_map{});
  out.annotations = in.strings("annotations").value_or(string_map{});
  return out;
}

}  // namespace

checked<object_meta> parse_object_meta(const nlohmann::json& object) {
  field_errors errors;
  if (!object.is_object()) return field_errors{{"", "must be an object, got " + describe_value(object)}};
  auto meta = read_metadata(object, errors);
  if (!errors.empty()) return errors;
  return meta;
}

checked<rollout_policy> parse_rollout_policy(const nlohmann::json& object) {
  if (!object.is_object()) return field_errors{{"", "must be an object, got " + describe_value(object)}};
  field_errors errors;
  rollout_policy out;
  out.metadata = read_metadata(object, errors);
  const auto spec = object.find("spec");
  out.spec = read_spec(spec == object.end() || spec->is_null() ? nullptr : &*spec, errors);
  const auto status_it = object.find("status");
  auto status = parse_status(status_it == object.end() ? nlohmann::json() : *status_it);
  field_errors warnings = status.warnings();
  if (!errors.empty()) return checked<rollout_policy>(std::move(errors), std::move(warnings));
  out.status = std::move(status).value();
  return checked<rollout_policy>(std::move(out), std::move(warnings));
}

}  // namespace rolloutd::api
