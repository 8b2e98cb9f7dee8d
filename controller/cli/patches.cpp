#include "cli/patches.hpp"

#include <set>

#include "api/template_hash.hpp"
#include "cli/json_fields.hpp"

namespace rolloutd::cli {

json operation_patch(api::operation_type type, api::timestamp now) {
  return {{"status",
           {{"operation",
             {{"type", api::to_string(type)},
              {"requestedAt", api::format_timestamp(now)},
              {"requestedBy", std::string(requested_by)}}}}}};
}

json paused_patch(bool paused) {
  return {{"spec", {{"paused", paused}}}};
}

json restart_patch(api::timestamp now) {
  return {{"spec", {{"restartAt", api::format_timestamp(now)}}}};
}

std::vector<image_assignment> parse_image_assignments(const std::vector<std::string>& args,
                                                      std::string& error) {
  std::vector<image_assignment> out;
  for (const auto& arg : args) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
      error = "expected CONTAINER=IMAGE, got \"" + arg + "\"";
      return {};
    }
    out.push_back({arg.substr(0, eq), arg.substr(eq + 1)});
  }
  if (out.empty()) error = "at least one CONTAINER=IMAGE is required";
  return out;
}

planned_patch set_image_patch(const json& policy, const std::vector<image_assignment>& images) {
  planned_patch out;
  const json* template_spec = find_path(policy, {"spec", "template", "spec"});
  if (template_spec == nullptr) {
    out.error = "spec.template is not set (a policy with workloadRef takes its template from the Deployment)";
    return out;
  }
  std::set<std::string> matched;
  json spec_patch = json::object();
  bool changed = false;
  for (const char* field : {"initContainers", "containers"}) {
    const json* list = find_path(*template_spec, {field});
    if (list == nullptr || !list->is_array()) continue;
    json updated = *list;
    bool touched = false;
    for (auto& c : updated) {
      const std::string name = string_at(c, {"name"});
      for (const auto& a : images) {
        if (a.container != "*" && a.container != name) continue;
        matched.insert(a.container);
        if (string_at(c, {"image"}) != a.image) {
          c["image"] = a.image;
          touched = true;
        }
      }
    }
    if (touched) {
      spec_patch[field] = std::move(updated);
      changed = true;
    }
  }
  for (const auto& a : images) {
    if (!matched.contains(a.container)) {
      out.error = "unable to find container named \"" + a.container + "\"";
      return out;
    }
  }
  if (!changed) {
    out.note = "image already up to date";
    return out;
  }
  out.patch = {{"metadata", {{"resourceVersion", string_at(policy, {"metadata", "resourceVersion"})}}},
               {"spec", {{"template", {{"spec", std::move(spec_patch)}}}}}};
  out.note = "image updated";
  return out;
}

planned_patch undo_patch(const json& policy, const std::vector<revision_entry>& history,
                         std::int64_t to_revision) {
  planned_patch out;
  const json* current = find_path(policy, {"spec", "template"});
  if (current == nullptr) {
    out.error = "spec.template is not set (a policy with workloadRef takes its template from the Deployment)";
    return out;
  }
  auto choice = choose_rollback(history, to_revision);
  if (!choice.target) {
    out.error = choice.error;
    return out;
  }
  const auto& target = *choice.target;
  if (api::templates_equal(*current, target.pod_template)) {
    out.note = "skipped rollback (current template already matches revision " +
               std::to_string(target.revision) + ")";
    return out;
  }
  out.patch = {{"metadata", {{"resourceVersion", string_at(policy, {"metadata", "resourceVersion"})}}},
               {"spec", {{"template", api::merge_diff(*current, target.pod_template)}}}};
  out.note = "rolled back to revision " + std::to_string(target.revision);
  return out;
}

}  // namespace rolloutd::cli
