#include "reconcile/service_patch.hpp"

#include <charconv>

#include "reconcile/replica_sets.hpp"

namespace rolloutd::reconcile {

namespace {

using json = nlohmann::json;

const json& at(const json& object, std::initializer_list<std::string_view> path) {
  static const json null_value;
  const json* p = &object;
  for (auto key : path) {
    if (!p->is_object()) return null_value;
    auto it = p->find(key);
    if (it == p->end()) return null_value;
    p = &*it;
  }
  return *p;
}

std::string string_at(const json& object, std::initializer_list<std::string_view> path) {
  const json& v = at(object, path);
  return v.is_string() ? v.get<std::string>() : std::string{};
}

struct affinity {
  std::string type = "None";
  std::optional<std::int64_t> timeout;  // sessionAffinityConfig.clientIP.timeoutSeconds
};

affinity current_affinity(const json& service) {
  affinity a;
  if (auto t = string_at(service, {"spec", "sessionAffinity"}); !t.empty()) a.type = t;
  const json& timeout = at(service, {"spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"});
  if (timeout.is_number_integer()) a.timeout = timeout.get<std::int64_t>();
  return a;
}

std::string encode(const affinity& a) {
  return a.timeout && a.type == "ClientIP" ? a.type + "/" + std::to_string(*a.timeout) : a.type;
}

// Anything unreadable restores to the Kubernetes default, None.
affinity decode(std::string_view text) {
  affinity a;
  const auto slash = text.find('/');
  const std::string_view type = text.substr(0, slash);
  if (type != "ClientIP") return a;
  a.type = "ClientIP";
  if (slash != std::string_view::npos) {
    std::int64_t t = 0;
    const auto digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), t);
    if (ec == std::errc() && end == digits.data() + digits.size() && t > 0) a.timeout = t;
  }
  return a;
}

// Sets spec.sessionAffinity(+Config) in `patch` so the Service ends up with `want`.
void put_affinity(json& patch, const affinity& have, const affinity& want) {
  if (have.type == want.type && (want.type != "ClientIP" || have.timeout == want.timeout)) return;
  patch["spec"]["sessionAffinity"] = want.type;
  if (want.type == "ClientIP" && want.timeout) {
    patch["spec"]["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", *want.timeout}}}};
  } else {
    patch["spec"]["sessionAffinityConfig"] = nullptr;
  }
}

json finish(json patch, const json& service) {
  if (patch.empty()) return patch;
  patch["metadata"]["resourceVersion"] = string_at(service, {"metadata", "resourceVersion"});
  return patch;
}

}  // namespace

std::string service_manager(const json& service) {
  return string_at(service, {"metadata", "annotations", managed_by_annotation});
}

std::string pinned_hash(const json& service) {
  return string_at(service, {"spec", "selector", pod_template_hash_label});
}

bool policy_names_service(const json& policy, std::string_view service_name) {
  static constexpr std::pair<std::string_view, std::string_view> fields[] = {
      {"canary", "service"},          {"canary", "stableService"},     {"canary", "canaryService"},
      {"blueGreen", "activeService"}, {"blueGreen", "previewService"},
  };
  for (const auto& [strategy, field] : fields) {
    const json& v = at(policy, {"spec", "strategy", strategy, field});
    if (v.is_string() && v.get_ref<const std::string&>() == service_name) return true;
  }
  return false;
}

json service_patch(const json& service, std::string_view policy_name, const service_target& target) {
  if (!target.pinned_hash && !target.affinity) return release_patch(service);
  json patch = json::object();
  if (service_manager(service) != policy_name) {
    patch["metadata"]["annotations"][managed_by_annotation] = policy_name;
  }
  const std::string pinned = pinned_hash(service);
  if (target.pinned_hash && pinned != *target.pinned_hash) {
    patch["spec"]["selector"][pod_template_hash_label] = *target.pinned_hash;
  } else if (!target.pinned_hash && !pinned.empty()) {
    patch["spec"]["selector"][pod_template_hash_label] = nullptr;
  }
  const affinity have = current_affinity(service);
  const json& original = at(service, {"metadata", "annotations", original_affinity_annotation});
  if (target.affinity) {
    if (!original.is_string()) {
      patch["metadata"]["annotations"][original_affinity_annotation] = encode(have);
    }
    affinity want;
    want.type = target.affinity->type;
    if (want.type == "ClientIP") want.timeout = target.affinity->timeout_seconds;
    put_affinity(patch, have, want);
  } else if (original.is_string()) {
    put_affinity(patch, have, decode(original.get<std::string>()));
    patch["metadata"]["annotations"][original_affinity_annotation] = nullptr;
  }
  return finish(std::move(patch), service);
}

json release_patch(const json& service) {
  json patch = json::object();
  if (!pinned_hash(service).empty()) patch["spec"]["selector"][pod_template_hash_label] = nullptr;
  const json& original = at(service, {"metadata", "annotations", original_affinity_annotation});
  if (original.is_string()) {
    put_affinity(patch, current_affinity(service), decode(original.get<std::string>()));
    patch["metadata"]["annotations"][original_affinity_annotation] = nullptr;
  }
  if (at(service, {"metadata", "annotations", managed_by_annotation}).is_string()) {
    patch["metadata"]["annotations"][managed_by_annotation] = nullptr;
  }
  return finish(std::move(patch), service);
}

}  // namespace rolloutd::reconcile
