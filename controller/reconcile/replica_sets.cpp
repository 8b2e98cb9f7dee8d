#include "reconcile/replica_sets.hpp"

#include <charconv>
#include <ctime>
#include <limits>

#include "api/names.hpp"
#include "api/timestamp.hpp"
#include "common/saturating_time.hpp"

namespace rolloutd::reconcile {

namespace {

json annotations_of(const strategy::replica_annotations& a) {
  return {{strategy::desired_replicas_annotation, std::to_string(a.desired_replicas)},
          {strategy::max_replicas_annotation, std::to_string(a.max_replicas)}};
}

json meta_patch(std::string_view resource_version) {
  return {{"resourceVersion", resource_version}};
}

// "2026-11-27T03:41:35Z" -> time point; epoch when absent or malformed (only ordering uses it).
std::chrono::system_clock::time_point parse_rfc3339(const json* value) {
  if (value == nullptr || !value->is_string()) return {};
  const auto& s = value->get_ref<const std::string&>();
  std::tm tm{};
  if (strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return {};
  return to_wall_time(std::chrono::sys_seconds(std::chrono::seconds(timegm(&tm))));
}

const json* find_path(const json& object, std::initializer_list<std::string_view> path) {
  const json* at = &object;
  for (auto key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

// An int32 field that may be absent (0); wrong types and out-of-range values are errors.
bool read_int32(const json& object, std::initializer_list<std::string_view> path, std::int32_t& out,
                std::string& error, std::string_view name) {
  const json* v = find_path(object, path);
  if (v == nullptr || v->is_null()) {
    out = 0;
    return true;
  }
  if (!v->is_number_integer() || v->get<std::int64_t>() < 0 ||
      v->get<std::int64_t>() > std::numeric_limits<std::int32_t>::max()) {
    error = std::string(name) + ": not a non-negative 32-bit integer";
    return false;
  }
  out = v->get<std::int32_t>();
  return true;
}

// An annotation holding a non-negative integer; nullopt when absent or not a number.
template <class Int>
std::optional<Int> annotation_int(const json& annotations, std::string_view key) {
  if (!annotations.is_object()) return std::nullopt;
  auto it = annotations.find(key);
  if (it == annotations.end() || !it->is_string()) return std::nullopt;
  const auto& s = it->template get_ref<const std::string&>();
  Int value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

json build_replica_set(const owner& policy, const replica_set_spec& spec,
                       const strategy::create_replica_set& action) {
  json labels = json::object();
  json template_annotations = json::object();
  if (const json* l = find_path(spec.pod_template, {"metadata", "labels"}); l != nullptr && l->is_object()) {
    labels = *l;
  }
  if (const json* a = find_path(spec.pod_template, {"metadata", "annotations"});
      a != nullptr && a->is_object()) {
    template_annotations = *a;
  }
  labels[pod_template_hash_label] = spec.hash;

  json selector = spec.selector.is_object() ? spec.selector : json::object();
  selector["matchLabels"][pod_template_hash_label] = spec.hash;

  json pod_template = {{"metadata", {{"labels", labels}}}, {"spec", json::object()}};
  if (!template_annotations.empty()) pod_template["metadata"]["annotations"] = template_annotations;
  if (const json* s = find_path(spec.pod_template, {"spec"}); s != nullptr) pod_template["spec"] = *s;

  json annotations = annotations_of(action.annotations);
  annotations[strategy::revision_annotation] = std::to_string(action.revision);
  if (!spec.template_hash.empty()) annotations[api::template_hash_annotation] = spec.template_hash;
  if (!spec.change_cause.empty()) annotations[api::change_cause_annotation] = spec.change_cause;

  return {
      {"apiVersion", "apps/v1"},
      {"kind", "ReplicaSet"},
      {"metadata",
       {{"name", action.name},
        {"namespace", policy.namespace_name},
        {"labels", labels},
        {"annotations", annotations},
        {"ownerReferences", json::array({{{"apiVersion", policy_api_version},
                                          {"kind", policy_kind},
                                          {"name", policy.name},
                                          {"uid", policy.uid},
                                          {"controller", true},
                                          {"blockOwnerDeletion", true}}})}}},
      {"spec",
       {{"replicas", action.replicas},
        {"minReadySeconds", spec.min_ready_seconds},
        {"selector", selector},
        {"template", pod_template}}},
  };
}

json scale_patch(const strategy::scale_replica_set& action, std::string_view resource_version) {
  json meta = meta_patch(resource_version);
  meta["annotations"] = annotations_of(action.annotations);
  if (action.revision) meta["annotations"][strategy::revision_annotation] = std::to_string(*action.revision);
  if (action.revision_history) {
    meta["annotations"][strategy::revision_history_annotation] = *action.revision_history;
  }
  return {{"metadata", meta}, {"spec", {{"replicas", action.to}}}};
}

json annotate_patch(const strategy::annotate_replica_set& action, std::string_view resource_version) {
  json annotations = json::object();
  if (action.annotations) annotations = annotations_of(*action.annotations);
  if (action.revision) annotations[strategy::revision_annotation] = std::to_string(*action.revision);
  if (action.revision_history) annotations[strategy::revision_history_annotation] = *action.revision_history;
  if (action.scale_down_deadline) {
    annotations[strategy::scale_down_deadline_annotation] =
        api::format_timestamp(api::to_timestamp(*action.scale_down_deadline));
  } else if (action.clear_scale_down_deadline) {
    annotations[strategy::scale_down_deadline_annotation] = nullptr;
  }
  json meta = meta_patch(resource_version);
  meta["annotations"] = annotations;
  return {{"metadata", meta}};
}

std::optional<json> new_replica_set_update(const json& replica_set, const new_replica_set_fields& want) {
  json patch = json::object();
  const json* current = find_path(replica_set, {"spec", "minReadySeconds"});
  const bool same_min_ready =
      current == nullptr || current->is_null()
          ? want.min_ready_seconds == 0
          : current->is_number_integer() && current->get<std::int64_t>() == want.min_ready_seconds;
  if (!same_min_ready) patch["spec"]["minReadySeconds"] = want.min_ready_seconds;
  if (!want.change_cause.empty()) {
    const json* cause = find_path(replica_set, {"metadata", "annotations", api::change_cause_annotation});
    if (cause == nullptr || !cause->is_string() || cause->get_ref<const std::string&>() != want.change_cause)
      patch["metadata"]["annotations"][api::change_cause_annotation] = want.change_cause;
  }
  if (patch.empty()) return std::nullopt;
  const json* rv = find_path(replica_set, {"metadata", "resourceVersion"});
  patch["metadata"]["resourceVersion"] = rv != nullptr && rv->is_string() ? rv->get<std::string>() : "";
  return patch;
}

observed_replica_set observe_replica_set(const json& object) {
  observed_replica_set out;
  const json* name = find_path(object, {"metadata", "name"});
  if (name == nullptr || !name->is_string()) {
    out.error = "metadata.name missing";
    return out;
  }
  strategy::replica_set_state s;
  s.name = name->get<std::string>();
  const std::string prefix = "ReplicaSet " + s.name + ": ";
  if (!read_int32(object, {"spec", "replicas"}, s.spec_replicas, out.error, prefix + "spec.replicas") ||
      !read_int32(object, {"status", "replicas"}, s.status_replicas, out.error, prefix + "status.replicas") ||
      !read_int32(object, {"status", "readyReplicas"}, s.ready_replicas, out.error,
                  prefix + "status.readyReplicas") ||
      !read_int32(object, {"status", "availableReplicas"}, s.available_replicas, out.error,
                  prefix + "status.availableReplicas")) {
    return out;
  }
  // spec.replicas defaults to 1 on the server; an absent field here means an object we did not make.
  if (find_path(object, {"spec", "replicas"}) == nullptr) s.spec_replicas = 1;

  static const json empty = json::object();
  const json* annotations = find_path(object, {"metadata", "annotations"});
  const json& a = annotations != nullptr ? *annotations : empty;
  s.revision = annotation_int<std::int64_t>(a, strategy::revision_annotation).value_or(0);
  if (a.is_object()) {
    auto it = a.find(strategy::revision_history_annotation);
    if (it != a.end() && it->is_string()) s.revision_history = it->get<std::string>();
  }
  s.desired_replicas = annotation_int<std::int32_t>(a, strategy::desired_replicas_annotation);
  s.max_replicas = annotation_int<std::int32_t>(a, strategy::max_replicas_annotation);
  s.created = parse_rfc3339(find_path(object, {"metadata", "creationTimestamp"}));
  if (a.is_object()) {
    auto it = a.find(strategy::scale_down_deadline_annotation);
    if (it != a.end() && it->is_string()) {
      // A malformed deadline reads as "due now": the ReplicaSet is ours and the annotation only
      // ever delays a scale-down.
      auto t = api::parse_timestamp(it->get_ref<const std::string&>());
      s.scale_down_deadline = t ? to_wall_time(*t) : s.created;
    }
  }

  std::int64_t generation = 0;
  std::int64_t observed = 0;
  if (const json* g = find_path(object, {"metadata", "generation"}); g != nullptr && g->is_number_integer()) {
    generation = g->get<std::int64_t>();
  }
  if (const json* o = find_path(object, {"status", "observedGeneration"});
      o != nullptr && o->is_number_integer()) {
    observed = o->get<std::int64_t>();
  }
  s.status_current = observed >= generation;
  if (const json* conditions = find_path(object, {"status", "conditions"});
      conditions != nullptr && conditions->is_array()) {
    for (const auto& c : *conditions) {
      if (!c.is_object() || c.value("type", json()) != "ReplicaFailure" ||
          c.value("status", json()) != "True")
        continue;
      const json reason = c.value("reason", json());
      const json message = c.value("message", json());
      s.replica_failure_reason = reason.is_string() && !reason.get_ref<const std::string&>().empty()
                                     ? reason.get<std::string>()
                                     : std::string("FailedCreate");
      s.replica_failure_message = message.is_string() ? message.get<std::string>() : std::string();
    }
  }
  s.being_deleted = find_path(object, {"metadata", "deletionTimestamp"}) != nullptr;

  if (const json* h = find_path(object, {"metadata", "labels", pod_template_hash_label});
      h != nullptr && h->is_string()) {
    out.hash = h->get<std::string>();
    s.hash = out.hash;
  }
  out.state = std::move(s);
  return out;
}

bool controlled_by(const json& object, std::string_view uid) {
  const json* refs = find_path(object, {"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array()) return false;
  for (const auto& ref : *refs) {
    if (!ref.is_object()) continue;
    auto c = ref.find("controller");
    auto u = ref.find("uid");
    if (c != ref.end() && c->is_boolean() && c->get<bool>() && u != ref.end() && u->is_string() &&
        u->get_ref<const std::string&>() == uid) {
      return true;
    }
  }
  return false;
}

}  // namespace rolloutd::reconcile
