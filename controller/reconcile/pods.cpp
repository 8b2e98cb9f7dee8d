#include "reconcile/pods.hpp"

#include "api/timestamp.hpp"
#include "common/saturating_time.hpp"

namespace rolloutd::reconcile {

namespace {

using json = nlohmann::json;

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string string_member(const json* object, const char* key) {
  const json* v = object ? member(*object, key) : nullptr;
  return v && v->is_string() ? v->get<std::string>() : std::string{};
}

std::optional<std::chrono::system_clock::time_point> time_member(const json* object, const char* key) {
  const std::string text = string_member(object, key);
  if (text.empty()) return std::nullopt;
  auto t = api::parse_timestamp(text);
  if (!t) return std::nullopt;
  return to_wall_time(*t);
}

std::string controlling_replica_set(const json* meta) {
  const json* refs = meta ? member(*meta, "ownerReferences") : nullptr;
  if (!refs || !refs->is_array()) return {};
  for (const auto& ref : *refs) {
    const json* controller = member(ref, "controller");
    if (controller && controller->is_boolean() && controller->get<bool>() &&
        string_member(&ref, "kind") == "ReplicaSet") {
      return string_member(&ref, "name");
    }
  }
  return {};
}

bool available(const json& pod, std::int32_t min_ready_seconds, std::chrono::system_clock::time_point now) {
  const json* conditions = member(pod, "status");
  conditions = conditions ? member(*conditions, "conditions") : nullptr;
  if (!conditions || !conditions->is_array()) return false;
  for (const auto& c : *conditions) {
    if (string_member(&c, "type") != "Ready") continue;
    if (string_member(&c, "status") != "True") return false;
    if (min_ready_seconds <= 0) return true;
    auto since = time_member(&c, "lastTransitionTime");
    return since && saturating_add(*since, std::chrono::seconds(min_ready_seconds)) <= now;
  }
  return false;
}

}  // namespace

std::optional<observed_pod> observe_pod(const json& pod, std::int32_t min_ready_seconds,
                                        std::chrono::system_clock::time_point now) {
  const json* meta = member(pod, "metadata");
  observed_pod out;
  out.state.name = string_member(meta, "name");
  auto created = time_member(meta, "creationTimestamp");
  if (out.state.name.empty() || !created) return std::nullopt;
  out.state.created = *created;
  out.state.terminating = meta && member(*meta, "deletionTimestamp") != nullptr;
  out.state.available = available(pod, min_ready_seconds, now);
  out.replica_set = controlling_replica_set(meta);
  return out;
}

}  // namespace rolloutd::reconcile
