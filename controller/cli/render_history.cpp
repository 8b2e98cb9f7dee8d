// `kubectl rp history NAME [--revision=N]`: the revisions a policy can go back to, as `kubectl
// rollout history` lists a Deployment's, with each revision's images (the question people
// usually have), and one revision's pod template in detail.

#include "api/timestamp.hpp"
#include "cli/json_fields.hpp"
#include "cli/render.hpp"

namespace rolloutd::cli {

namespace {

constexpr std::size_t label_width = 16;

std::string images_text(const std::vector<api::container_image>& images) {
  std::string out;
  for (const auto& i : images) {
    if (!out.empty()) out += ",";
    out += i.image;
  }
  return out;
}

std::string string_map_text(const json* map) {
  if (map == nullptr || !map->is_object() || map->empty()) return "<none>";
  std::string out;
  for (const auto& [k, v] : map->items()) {
    if (!out.empty()) out += ",";
    out += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

std::string words(const json* list) {
  std::string out;
  if (list == nullptr || !list->is_array()) return out;
  for (const auto& w : *list) {
    if (!out.empty()) out += ' ';
    out += w.is_string() ? w.get<std::string>() : w.dump();
  }
  return out;
}

class detail_writer {
 public:
  explicit detail_writer(const render_options& o) : o_(o) {}
  void line(std::string_view label, std::string_view value) {
    std::string text = pad_right(label, label_width);
    text += value;
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out_ += fit_line(text, o_.width) + '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  const render_options& o_;
  std::string out_;
};

void container_lines(detail_writer& w, const json& c) {
  w.line("   " + string_at(c, {"name"}) + ":", "");
  w.line("    Image:", string_at(c, {"image"}));
  if (const json* ports = find_path(c, {"ports"}); ports != nullptr && ports->is_array()) {
    for (const auto& p : *ports) {
      std::string text = std::to_string(int_at(p, {"containerPort"}).value_or(0)) + "/";
      const std::string protocol = string_at(p, {"protocol"});
      text += protocol.empty() ? "TCP" : protocol;
      if (auto name = string_at(p, {"name"}); !name.empty()) text += " (" + name + ")";
      w.line("    Port:", text);
    }
  }
  if (auto command = words(find_path(c, {"command"})); !command.empty()) w.line("    Command:", command);
  if (auto args = words(find_path(c, {"args"})); !args.empty()) w.line("    Args:", args);
  if (const json* env = find_path(c, {"env"}); env != nullptr && env->is_array() && !env->empty()) {
    w.line("    Environment:", "");
    for (const auto& e : *env) {
      std::string text = string_at(e, {"name"});
      if (const json* value = find_path(e, {"value"}); value != nullptr && value->is_string()) {
        text += "=" + value->get<std::string>();
      } else if (const json* from = find_path(e, {"valueFrom"});
                 from != nullptr && from->is_object() && !from->empty()) {
        text += " (from " + from->begin().key() + ")";
      }
      w.line("", "  " + text);
    }
  }
}

}  // namespace

std::string render_history(std::string_view policy_name, const std::vector<revision_entry>& history,
                           const render_options& o) {
  const std::vector<table_column> columns = {
      {.header = "REVISION"},
      {.header = "CHANGE-CAUSE", .min_width = 12},
      {.header = "IMAGES", .min_width = 16},
  };
  std::vector<table_row> rows;
  for (const auto& e : history) {
    rows.push_back({{.text = std::to_string(e.revision)},
                    {.text = e.change_cause.empty() ? "<none>" : e.change_cause},
                    {.text = images_text(e.images)}});
  }
  std::string out = fit_line(policy_ref(policy_name), o.width) + '\n';
  for (const auto& line : layout_table(columns, rows, o)) out += line + '\n';
  return out;
}

std::string render_revision(std::string_view policy_name, const revision_entry& e, const render_options& o) {
  detail_writer w(o);
  w.line(policy_ref(policy_name) + " with revision #" + std::to_string(e.revision), "");
  w.line("ReplicaSet:", e.replica_set);
  if (e.created) w.line("Created:", api::format_timestamp(*e.created));
  w.line("Change-Cause:", e.change_cause.empty() ? "<none>" : e.change_cause);
  w.line("Pod Template:", "");
  w.line("  Labels:", string_map_text(find_path(e.pod_template, {"metadata", "labels"})));
  w.line("  Annotations:", string_map_text(find_path(e.pod_template, {"metadata", "annotations"})));
  for (const char* field : {"initContainers", "containers"}) {
    const json* list = find_path(e.pod_template, {"spec", field});
    if (list == nullptr || !list->is_array() || list->empty()) continue;
    w.line(std::string_view(field) == "containers" ? "  Containers:" : "  Init Containers:", "");
    for (const auto& c : *list) container_lines(w, c);
  }
  return w.take();
}

}  // namespace rolloutd::cli
