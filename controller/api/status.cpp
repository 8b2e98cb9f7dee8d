#include "api/status.hpp"

#include <algorithm>

namespace rolloutd::api {

condition make_condition(std::string_view type, std::string_view status, std::string_view reason,
                         std::string message, timestamp now) {
  return condition{std::string(type), std::string(status), std::string(reason), std::move(message), now, now};
}

const condition* find_condition(const std::vector<condition>& conditions, std::string_view type) {
  const auto it =
      std::find_if(conditions.begin(), conditions.end(), [&](const condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

bool condition_is(const std::vector<condition>& conditions, std::string_view type, std::string_view status) {
  const auto* c = find_condition(conditions, type);
  return c != nullptr && c->status == status;
}

namespace {

bool replace_or_append(std::vector<condition>& conditions, condition c) {
  const auto it = std::find_if(conditions.begin(), conditions.end(),
                               [&](const condition& x) { return x.type == c.type; });
  if (it == conditions.end()) {
    conditions.push_back(std::move(c));
    return true;
  }
  if (c.status == it->status) c.last_transition_time = it->last_transition_time;
  if (*it == c) return false;
  *it = std::move(c);
  return true;
}

}  // namespace

bool set_condition(std::vector<condition>& conditions, condition c) {
  const auto* current = find_condition(conditions, c.type);
  if (current != nullptr && current->status == c.status && current->reason == c.reason &&
      current->message == c.message)
    return false;
  return replace_or_append(conditions, std::move(c));
}

bool update_condition(std::vector<condition>& conditions, condition c) {
  return replace_or_append(conditions, std::move(c));
}

bool remove_condition(std::vector<condition>& conditions, std::string_view type) {
  return std::erase_if(conditions, [&](const condition& c) { return c.type == type; }) > 0;
}

const char* to_string(rollout_phase phase) {
  switch (phase) {
    case rollout_phase::progressing:
      return "Progressing";
    case rollout_phase::paused:
      return "Paused";
    case rollout_phase::healthy:
      return "Healthy";
    case rollout_phase::degraded:
      return "Degraded";
    case rollout_phase::unset:
      break;
  }
  return "";
}

const char* to_string(operation_type type) {
  switch (type) {
    case operation_type::promote:
      return "Promote";
    case operation_type::promote_full:
      return "PromoteFull";
    case operation_type::abort:
      return "Abort";
    case operation_type::retry:
      return "Retry";
  }
  return "Promote";
}

nlohmann::json to_json(const rollout_status& s) {
  nlohmann::json out = nlohmann::json::object();
  const auto put_string = [&](const char* key, const std::string& value) {
    if (!value.empty()) out[key] = value;
  };
  const auto put_time = [&](nlohmann::json& into, const char* key, const std::optional<timestamp>& t) {
    if (t) into[key] = format_timestamp(*t);
  };

  if (s.observed_generation != 0) out["observedGeneration"] = s.observed_generation;
  if (s.phase != rollout_phase::unset) out["phase"] = to_string(s.phase);
  put_string("message", s.message);
  out["replicas"] = s.replicas;
  out["updatedReplicas"] = s.updated_replicas;
  out["readyReplicas"] = s.ready_replicas;
  out["availableReplicas"] = s.available_replicas;
  put_string("selector", s.selector);
  if (s.current_revision != 0) out["currentRevision"] = s.current_revision;
  put_string("currentPodHash", s.current_pod_hash);
  put_string("stablePodHash", s.stable_pod_hash);
  if (s.current_step_index) out["currentStepIndex"] = *s.current_step_index;
  if (s.canary_weight) out["canaryWeight"] = *s.canary_weight;
  put_string("activeSelector", s.active_selector);
  put_string("previewSelector", s.preview_selector);
  put_string("promotedPodHash", s.promoted_pod_hash);
  if (!s.pause_conditions.empty()) {
    auto& list = out["pauseConditions"] = nlohmann::json::array();
    for (const auto& p : s.pause_conditions) {
      list.push_back({{"reason", p.reason}, {"startTime", format_timestamp(p.start_time)}});
    }
  }
  if (s.abort) out["abort"] = true;
  if (s.collision_count != 0) out["collisionCount"] = s.collision_count;
  if (s.operation) {
    nlohmann::json op{{"type", to_string(s.operation->type)}};
    put_time(op, "requestedAt", s.operation->requested_at);
    if (!s.operation->requested_by.empty()) op["requestedBy"] = s.operation->requested_by;
    out["operation"] = std::move(op);
  }
  put_time(out, "restartedAt", s.restarted_at);
  if (!s.conditions.empty()) {
    auto& list = out["conditions"] = nlohmann::json::array();
    for (const auto& c : s.conditions) {
      nlohmann::json entry{{"type", c.type}, {"status", c.status}};
      if (!c.reason.empty()) entry["reason"] = c.reason;
      if (!c.message.empty()) entry["message"] = c.message;
      put_time(entry, "lastUpdateTime", c.last_update_time);
      put_time(entry, "lastTransitionTime", c.last_transition_time);
      if (c.observed_generation != 0) entry["observedGeneration"] = c.observed_generation;
      list.push_back(std::move(entry));
    }
  }
  return out;
}

nlohmann::json merge_diff(const nlohmann::json& from, const nlohmann::json& to) {
  if (!from.is_object() || !to.is_object()) return from == to ? nlohmann::json::object() : to;
  nlohmann::json patch = nlohmann::json::object();
  for (const auto& [key, old_value] : from.items()) {
    if (!to.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, new_value] : to.items()) {
    const auto old = from.find(key);
    if (old == from.end()) {
      patch[key] = new_value;
    } else if (*old != new_value) {
      // Nested objects change member by member; the values differ, so the sub-diff is not empty.
      const bool both_objects = old->is_object() && new_value.is_object();
      patch[key] = both_objects ? merge_diff(*old, new_value) : new_value;
    }
  }
  return patch;
}

nlohmann::json merge_patch(const nlohmann::json& observed, const rollout_status& desired) {
  const nlohmann::json from = observed.is_object() ? observed : nlohmann::json::object();
  nlohmann::json diff = merge_diff(from, to_json(desired));
  if (diff.empty()) return nlohmann::json::object();
  return nlohmann::json{{"status", std::move(diff)}};
}

nlohmann::json merge_patch(const rollout_status& old, const rollout_status& desired) {
  return merge_patch(to_json(old), desired);
}

nlohmann::json with_precondition(nlohmann::json patch, std::string_view resource_version) {
  if (!patch.empty()) patch["metadata"]["resourceVersion"] = resource_version;
  return patch;
}

}  // namespace rolloutd::api
