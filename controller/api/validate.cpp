#include "api/validate.hpp"

#include <set>

#include "api/json_reader.hpp"
#include "api/names.hpp"
#include "api/syntax.hpp"

namespace rolloutd::api {
namespace {

using detail::describe_value;
using detail::index_path;
using detail::member_path;

// ReplicaSets are named <policy>-<10-character hash> and names stop at 253 characters.
constexpr std::size_t max_policy_name = 253 - 11;

std::string quoted(const std::string& text) {
  return describe_value(nlohmann::json(text));
}

std::string render(const string_map& labels) {
  std::string out;
  for (const auto& [k, v] : labels) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out.empty() ? "none" : out;
}

void check_labels(const string_map& labels, const std::string& path, field_errors& errors) {
  for (const auto& [key, value] : labels) {
    if (!is_qualified_name(key)) {
      errors.push_back({member_path(path, key),
                        "is not a valid label key (an optional DNS subdomain prefix and "
                        "'/', then at most 63 of A-Z a-z 0-9 - _ .)"});
    }
    if (!is_label_value(value)) {
      errors.push_back({member_path(path, key), quoted(value) +
                                                    " is not a valid label value (at most 63 of "
                                                    "A-Z a-z 0-9 - _ ., alphanumeric at both ends)"});
    }
  }
}

void check_selector(const label_selector& selector, field_errors& errors) {
  if (selector.empty()) {
    errors.push_back({"spec.selector", "must not be empty: it would select every pod in the namespace"});
    return;
  }
  check_labels(selector.match_labels, "spec.selector.matchLabels", errors);
  for (std::size_t i = 0; i < selector.match_expressions.size(); ++i) {
    const auto& r = selector.match_expressions[i];
    const std::string path = index_path("spec.selector.matchExpressions", i);
    if (!is_qualified_name(r.key))
      errors.push_back({path + ".key", quoted(r.key) + " is not a valid label key"});
    for (std::size_t j = 0; j < r.values.size(); ++j) {
      if (!is_label_value(r.values[j])) {
        errors.push_back(
            {index_path(path + ".values", j), quoted(r.values[j]) + " is not a valid label value"});
      }
    }
  }
  const auto uses_hash = [](const std::string& key) { return key == pod_template_hash_label; };
  bool hash_in_selector = false;
  for (const auto& [key, value] : selector.match_labels)
    hash_in_selector = hash_in_selector || uses_hash(key);
  for (const auto& r : selector.match_expressions) hash_in_selector = hash_in_selector || uses_hash(r.key);
  if (hash_in_selector) {
    errors.push_back({"spec.selector", "must not use " + std::string(pod_template_hash_label) +
                                           ": the controller sets it per revision, so the selector would "
                                           "select only one revision"});
  }
}

void check_containers(const std::vector<container_image>& containers, const std::string& path,
                      std::set<std::string>& seen, field_errors& errors) {
  for (std::size_t i = 0; i < containers.size(); ++i) {
    const auto& c = containers[i];
    const std::string at = index_path(path, i);
    if (!is_dns1123_label(c.name)) {
      errors.push_back({at + ".name", quoted(c.name) +
                                          " is not a valid container name (at most 63 of a-z 0-9 -, "
                                          "alphanumeric at both ends)"});
    } else if (!seen.insert(c.name).second) {
      errors.push_back({at + ".name", quoted(c.name) + " is used by another container in this template"});
    }
    if (c.image.empty()) errors.push_back({at + ".image", "is required"});
  }
}

void check_service_name(const std::string& name, const std::string& path, field_errors& errors) {
  if (!name.empty() && !is_dns1035_label(name)) {
    errors.push_back({path, quoted(name) + " is not a valid Service name (at most 63 of a-z 0-9 -, starting "
                                           "with a letter)"});
  }
}

void check_surge(const int_or_percent& surge, const int_or_percent& unavailable, const std::string& path,
                 field_errors& errors) {
  // The test Kubernetes applies to a Deployment: the written values, not what they resolve to for
  // the current replica count, which the rolling arithmetic handles (unavailable becomes 1).
  if (surge.is_zero() && unavailable.is_zero()) {
    errors.push_back(
        {path + ".maxUnavailable", "may not be 0 when maxSurge is 0: no pod could ever be replaced"});
  }
}

void check_canary(const canary_strategy& c, field_errors& errors) {
  const std::string path = "spec.strategy.canary";
  check_surge(c.max_surge, c.max_unavailable, path, errors);
  check_service_name(c.service, path + ".service", errors);
  check_service_name(c.stable_service, path + ".stableService", errors);
  check_service_name(c.canary_service, path + ".canaryService", errors);
  if (!c.stable_service.empty() && c.stable_service == c.canary_service) {
    errors.push_back({path + ".canaryService",
                      "must differ from stableService: each gets a selector pinned to "
                      "a different revision"});
  }
  for (const auto* pinned : {&c.stable_service, &c.canary_service}) {
    if (!c.service.empty() && *pinned == c.service) {
      errors.push_back({path + ".service",
                        quoted(c.service) + " is also named as stableService or "
                                            "canaryService; the user-facing Service selects both revisions"});
      break;
    }
  }
  if (c.traffic_routing) {
    errors.push_back({path + ".trafficRouting",
                      "is not supported by this version of rolloutd; without it the "
                      "canary weight is served by replica counts"});
  }
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const std::string at = index_path(path + ".steps", i);
    if (std::holds_alternative<analysis_step>(c.steps[i])) {
      errors.push_back({at + ".analysis", "is not supported by this version of rolloutd"});
    }
  }
}

void check_blue_green(const blue_green_strategy& b, field_errors& errors) {
  const std::string path = "spec.strategy.blueGreen";
  check_service_name(b.active_service, path + ".activeService", errors);
  check_service_name(b.preview_service, path + ".previewService", errors);
  if (!b.preview_service.empty() && b.preview_service == b.active_service) {
    errors.push_back({path + ".previewService",
                      "must differ from activeService: one selects the new revision "
                      "before the other switches to it"});
  }
  if (!b.auto_promotion_enabled && b.auto_promotion_seconds) {
    errors.push_back({path + ".autoPromotionSeconds", "has no effect while autoPromotionEnabled is false"});
  }
}

}  // namespace

field_errors validate_template(const pod_template& t, const label_selector& selector,
                               const std::string& path) {
  field_errors errors;
  const std::string labels_path = path + ".metadata.labels";
  const auto labels = t.labels();
  if (labels.empty()) {
    errors.push_back({labels_path, "are required: the selector must match them"});
  } else {
    check_labels(labels, labels_path, errors);
    if (!selector.empty() && !selector.matches(labels)) {
      errors.push_back({labels_path, "(" + render(labels) + ") do not match spec.selector (" +
                                         selector.to_string() +
                                         "); pods created from this template would not be counted"});
    }
  }
  std::set<std::string> names;
  check_containers(t.containers(), path + ".spec.containers", names, errors);
  check_containers(t.init_containers(), path + ".spec.initContainers", names, errors);
  if (t.raw.is_object()) {
    const auto spec = t.raw.find("spec");
    if (spec != t.raw.end() && spec->is_object()) {
      const auto policy = spec->find("restartPolicy");
      if (policy != spec->end() && !policy->is_null() && *policy != "Always") {
        errors.push_back({path + ".spec.restartPolicy",
                          describe_value(*policy) + " is not allowed: a ReplicaSet's pods restart Always"});
      }
    }
  }
  return errors;
}

field_errors validate(const rollout_policy& policy) {
  field_errors errors;
  const auto& spec = policy.spec;
  if (policy.metadata.name.size() > max_policy_name) {
    errors.push_back({"metadata.name", "must be at most " + std::to_string(max_policy_name) +
                                           " characters so that <name>-<hash> names a ReplicaSet"});
  }
  check_selector(spec.selector, errors);
  if (spec.template_spec) {
    auto more = validate_template(*spec.template_spec, spec.selector, "spec.template");
    errors.insert(errors.end(), more.begin(), more.end());
  }
  if (spec.workload) {
    const auto& w = *spec.workload;
    if (w.api_version != "apps/v1") {
      errors.push_back(
          {"spec.workloadRef.apiVersion", quoted(w.api_version) + " is not supported; use apps/v1"});
    }
    if (w.kind != "Deployment") {
      errors.push_back({"spec.workloadRef.kind", quoted(w.kind) + " is not supported; only a Deployment's "
                                                                  "template can be taken over"});
    }
    if (!is_dns1123_subdomain(w.name)) {
      errors.push_back({"spec.workloadRef.name", quoted(w.name) + " is not a valid Deployment name"});
    }
  }
  if (spec.progress_deadline_seconds <= spec.min_ready_seconds) {
    errors.push_back({"spec.progressDeadlineSeconds", "must be greater than minReadySeconds (" +
                                                          std::to_string(spec.min_ready_seconds) +
                                                          "), or no rollout could ever finish in time"});
  }
  if (const auto* rolling = std::get_if<rolling_update_strategy>(&spec.strategy)) {
    check_surge(rolling->max_surge, rolling->max_unavailable, "spec.strategy.rollingUpdate", errors);
  } else if (const auto* canary = std::get_if<canary_strategy>(&spec.strategy)) {
    check_canary(*canary, errors);
  } else if (const auto* blue_green = std::get_if<blue_green_strategy>(&spec.strategy)) {
    check_blue_green(*blue_green, errors);
  }
  return errors;
}

}  // namespace rolloutd::api
