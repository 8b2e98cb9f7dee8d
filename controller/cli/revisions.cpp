#include "cli/revisions.hpp"

#include <algorithm>
#include <charconv>

#include "api/names.hpp"
#include "cli/json_fields.hpp"

namespace rolloutd::cli {

namespace {

std::optional<std::int64_t> revision_of(const json& replica_set) {
  const std::string text = string_at(replica_set, {"metadata", "annotations", api::revision_annotation});
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value <= 0)
    return std::nullopt;
  return value;
}

void add_images(const json& pod_template, std::string_view field, std::vector<api::container_image>& out) {
  const json* list = find_path(pod_template, {"spec", field});
  if (list == nullptr || !list->is_array()) return;
  for (const auto& c : *list) out.push_back({string_at(c, {"name"}), string_at(c, {"image"})});
}

}  // namespace

json policy_template_of(const json& replica_set) {
  const json* t = find_path(replica_set, {"spec", "template"});
  json out = t != nullptr && t->is_object() ? *t : json::object();
  if (auto m = out.find("metadata"); m != out.end() && m->is_object()) {
    m->erase("creationTimestamp");
    if (auto l = m->find("labels"); l != m->end() && l->is_object())
      l->erase(std::string(api::pod_template_hash_label));
  }
  return out;
}

std::string change_cause_of(const json& replica_set) {
  std::string cause = string_at(replica_set, {"metadata", "annotations", change_cause_annotation});
  if (cause.empty())
    cause = string_at(replica_set, {"spec", "template", "metadata", "annotations", change_cause_annotation});
  return cause;
}

std::vector<revision_entry> revision_history(std::string_view policy_uid,
                                             const std::vector<json>& replica_sets) {
  std::vector<revision_entry> out;
  for (const auto& rs : replica_sets) {
    if (!controlled_by(rs, policy_uid)) continue;
    const auto revision = revision_of(rs);
    if (!revision) continue;
    revision_entry e;
    e.revision = *revision;
    e.replica_set = name_of(rs);
    e.hash = string_at(rs, {"metadata", "labels", api::pod_template_hash_label});
    e.change_cause = change_cause_of(rs);
    e.pod_template = policy_template_of(rs);
    add_images(e.pod_template, "initContainers", e.images);
    add_images(e.pod_template, "containers", e.images);
    e.created = time_at(rs, {"metadata", "creationTimestamp"});
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const revision_entry& a, const revision_entry& b) {
    return a.revision != b.revision ? a.revision < b.revision : a.replica_set < b.replica_set;
  });
  return out;
}

rollback_choice choose_rollback(const std::vector<revision_entry>& history, std::int64_t to_revision) {
  rollback_choice out;
  if (history.empty()) {
    out.error = "no rollout history found";
    return out;
  }
  if (to_revision == 0) {
    if (history.size() < 2) {
      out.error = "no revision to roll back to: revision " + std::to_string(history.back().revision) +
                  " is the only one in the history";
      return out;
    }
    out.target = history[history.size() - 2];
    return out;
  }
  auto it = std::find_if(history.begin(), history.end(),
                         [&](const revision_entry& e) { return e.revision == to_revision; });
  if (it == history.end()) {
    out.error = "unable to find specified revision " + std::to_string(to_revision) + " in history";
    return out;
  }
  out.target = *it;
  return out;
}

}  // namespace rolloutd::cli
