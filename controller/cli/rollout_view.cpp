#include "cli/rollout_view.hpp"

#include <algorithm>
#include <map>
#include <variant>

#include "api/names.hpp"
#include "api/parse.hpp"
#include "cli/json_fields.hpp"
#include "cli/revisions.hpp"

namespace rolloutd::cli {

namespace {

std::int32_t int32_at(const json& object, std::initializer_list<std::string_view> path,
                      std::int32_t fallback = 0) {
  auto v = int_at(object, path);
  return v && *v >= 0 && *v <= INT32_MAX ? static_cast<std::int32_t>(*v) : fallback;
}

std::vector<std::string> images_of(const json& pod_template) {
  std::vector<std::string> out;
  for (const char* field : {"initContainers", "containers"}) {
    const json* list = find_path(pod_template, {"spec", field});
    if (list == nullptr || !list->is_array()) continue;
    for (const auto& c : *list) out.push_back(string_at(c, {"image"}));
  }
  return out;
}

// The weight the canary steps call for at this index, as Argo Rollouts reports SetWeight: the
// last setWeight at or before the current step, 100 once every step is done, 0 after an abort.
std::int32_t set_weight_of(const api::canary_strategy& canary, std::int32_t index, bool aborted) {
  if (aborted) return 0;
  if (index < 0 || static_cast<std::size_t>(index) >= canary.steps.size()) return 100;
  for (auto i = index; i >= 0; --i) {
    if (const auto* w = std::get_if<api::set_weight_step>(&canary.steps[static_cast<std::size_t>(i)]))
      return w->weight;
  }
  return 0;
}

bool failing_reason(std::string_view reason) {
  for (std::string_view bad : {"BackOff", "Err", "Error", "Failed", "Evicted", "OOMKilled", "Invalid"}) {
    if (reason.find(bad) != std::string_view::npos) return true;
  }
  return false;
}

std::vector<std::string> roles_of(const std::string& hash, const api::rollout_status& s,
                                  std::string_view strategy) {
  std::vector<std::string> roles;
  if (hash.empty()) return roles;
  if (hash == s.stable_pod_hash) roles.emplace_back("stable");
  if (hash == s.current_pod_hash && hash != s.stable_pod_hash) {
    if (strategy == "Canary") roles.emplace_back("canary");
    if (strategy == "RollingUpdate") roles.emplace_back("new");
  }
  if (hash == s.active_selector) roles.emplace_back("active");
  if (hash == s.preview_selector) roles.emplace_back("preview");
  return roles;
}

}  // namespace

pod_view make_pod_view(const json& pod) {
  pod_view p;
  p.name = name_of(pod);
  p.created = time_at(pod, {"metadata", "creationTimestamp"});
  std::string state = string_at(pod, {"status", "phase"});
  if (state.empty()) state = "Pending";
  if (auto reason = string_at(pod, {"status", "reason"}); !reason.empty()) state = reason;

  bool initializing = false;
  if (const json* init = find_path(pod, {"status", "initContainerStatuses"});
      init != nullptr && init->is_array()) {
    int done = 0;
    for (const auto& c : *init) {
      if (int_at(c, {"state", "terminated", "exitCode"}) == 0 && find_path(c, {"state", "terminated"})) {
        ++done;
        continue;
      }
      if (auto r = string_at(c, {"state", "waiting", "reason"}); !r.empty() && r != "PodInitializing") {
        state = "Init:" + r;
      } else if (auto t = string_at(c, {"state", "terminated", "reason"}); !t.empty()) {
        state = "Init:" + t;
      } else {
        state = "Init:" + std::to_string(done) + "/" + std::to_string(init->size());
      }
      initializing = true;
      break;
    }
  }
  bool running = false;
  if (const json* list = find_path(pod, {"status", "containerStatuses"});
      list != nullptr && list->is_array()) {
    for (const auto& c : *list) {
      p.restarts += static_cast<int>(int_at(c, {"restartCount"}).value_or(0));
      if (bool_at(c, {"ready"})) ++p.ready;
      if (initializing) continue;
      if (auto r = string_at(c, {"state", "waiting", "reason"}); !r.empty()) {
        state = r;
      } else if (auto t = string_at(c, {"state", "terminated", "reason"}); !t.empty()) {
        state = t;
      } else if (find_path(c, {"state", "running"}) != nullptr && bool_at(c, {"ready"})) {
        running = true;
      }
    }
  }
  if (const json* specs = find_path(pod, {"spec", "containers"}); specs != nullptr && specs->is_array()) {
    p.containers = static_cast<int>(specs->size());
  }
  if (state == "Completed" && running) state = "Running";
  if (find_path(pod, {"metadata", "deletionTimestamp"}) != nullptr) state = "Terminating";
  p.state = state;
  p.failing = failing_reason(state);
  p.healthy = state == "Running" && p.containers > 0 && p.ready == p.containers;
  return p;
}

rollout_view make_rollout_view(const json& policy, const std::vector<json>& replica_sets,
                               const std::vector<json>& pods) {
  rollout_view v;
  v.name = name_of(policy);
  v.namespace_name = namespace_of(policy);
  v.created = time_at(policy, {"metadata", "creationTimestamp"});
  const json* status_json = find_path(policy, {"status"});
  const api::rollout_status status =
      api::parse_status(status_json != nullptr ? *status_json : json::object()).value();
  const auto generation = int_at(policy, {"metadata", "generation"}).value_or(0);
  v.stale = status.observed_generation < generation;
  v.phase = status.phase == api::rollout_phase::unset ? "Unknown" : api::to_string(status.phase);
  v.message = status.message;
  v.aborted = status.abort;
  v.current = status.replicas;
  v.updated = status.updated_replicas;
  v.ready = status.ready_replicas;
  v.available = status.available_replicas;

  std::vector<std::string> template_images;
  const auto parsed = api::parse_rollout_policy(policy);
  if (parsed.ok()) {
    const auto& spec = parsed->spec;
    v.desired = spec.replicas;
    v.paused = spec.paused;
    if (spec.template_spec) template_images = images_of(spec.template_spec->raw);
    if (const auto* canary = std::get_if<api::canary_strategy>(&spec.strategy)) {
      v.strategy = "Canary";
      const auto steps = static_cast<std::int32_t>(canary->steps.size());
      v.steps = steps;
      v.step = std::clamp(status.current_step_index.value_or(0), 0, steps);
      v.set_weight = set_weight_of(*canary, *v.step, status.abort);
      v.actual_weight = status.canary_weight.value_or(0);
    } else if (std::holds_alternative<api::blue_green_strategy>(spec.strategy)) {
      v.strategy = "BlueGreen";
    } else {
      v.strategy = "RollingUpdate";
    }
  } else {
    v.strategy = "Unknown";
    v.desired = int32_at(policy, {"spec", "replicas"}, 1);
    v.paused = bool_at(policy, {"spec", "paused"});
  }

  const std::string uid = uid_of(policy);
  std::map<std::string, std::vector<pod_view>> pods_by_owner;
  for (const auto& pod : pods) {
    const json* refs = find_path(pod, {"metadata", "ownerReferences"});
    if (refs == nullptr || !refs->is_array()) continue;
    for (const auto& ref : *refs) {
      if (bool_at(ref, {"controller"})) pods_by_owner[string_at(ref, {"uid"})].push_back(make_pod_view(pod));
    }
  }
  for (const auto& rs : replica_sets) {
    if (!controlled_by(rs, uid)) continue;
    replica_set_view r;
    r.name = name_of(rs);
    r.hash = string_at(rs, {"metadata", "labels", api::pod_template_hash_label});
    const std::string revision = string_at(rs, {"metadata", "annotations", api::revision_annotation});
    r.revision = revision.empty() ? 0 : std::strtoll(revision.c_str(), nullptr, 10);
    r.desired = int32_at(rs, {"spec", "replicas"}, 1);
    r.current = int32_at(rs, {"status", "replicas"});
    r.ready = int32_at(rs, {"status", "readyReplicas"});
    r.available = int32_at(rs, {"status", "availableReplicas"});
    r.roles = roles_of(r.hash, status, v.strategy);
    r.images = images_of(policy_template_of(rs));
    r.created = time_at(rs, {"metadata", "creationTimestamp"});
    if (auto it = pods_by_owner.find(uid_of(rs)); it != pods_by_owner.end()) {
      r.pods = std::move(it->second);
      std::sort(r.pods.begin(), r.pods.end(),
                [](const pod_view& a, const pod_view& b) { return a.name < b.name; });
    }
    v.replica_sets.push_back(std::move(r));
  }
  std::sort(v.replica_sets.begin(), v.replica_sets.end(),
            [](const replica_set_view& a, const replica_set_view& b) {
              return a.revision != b.revision ? a.revision > b.revision : a.name < b.name;
            });

  // Images that run (or are meant to), with the roles of the ReplicaSets running them.
  for (const auto& r : v.replica_sets) {
    if (r.desired == 0 && r.current == 0) continue;
    for (const auto& image : r.images) {
      auto it = std::find_if(v.images.begin(), v.images.end(),
                             [&](const image_view& i) { return i.image == image; });
      if (it == v.images.end()) it = v.images.insert(v.images.end(), image_view{image, {}});
      for (const auto& role : r.roles) {
        if (std::find(it->roles.begin(), it->roles.end(), role) == it->roles.end()) it->roles.push_back(role);
      }
    }
  }
  if (v.images.empty()) {
    for (const auto& image : template_images) v.images.push_back({image, {}});
  }
  return v;
}

}  // namespace rolloutd::cli
