// `kubectl rp get NAME`: a header of what the policy is doing, then the tree of revisions ->
// ReplicaSets -> pods behind it (the layout Argo Rollouts' `get rollout` made familiar).

#include <algorithm>

#include "cli/render.hpp"
#include "common/saturating_time.hpp"

namespace rolloutd::cli {

namespace {

constexpr std::size_t label_width = 16;

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string age(const std::optional<api::timestamp>& created, const render_options& o) {
  if (!created) return "";
  return human_duration(o.now - to_wall_time(*created));
}

class header_writer {
 public:
  explicit header_writer(const render_options& o) : o_(o) {}

  void line(std::string_view label, std::string_view value, tone t = tone::plain) {
    std::string text = pad_right(label, label_width);
    if (o_.width > 0 && o_.width <= label_width) {
      out_ += fit_line(text, o_.width);
    } else {
      const std::string fitted =
          o_.width == 0 ? std::string(value) : truncate_end(value, o_.width - label_width);
      text += paint(fitted, t, o_.color);
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out_ += text;
    }
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  const render_options& o_;
  std::string out_;
};

std::string number(std::int32_t n) {
  return std::to_string(n);
}

tone pod_tone(const pod_view& p) {
  if (p.healthy) return tone::good;
  if (p.failing) return tone::bad;
  if (p.state == "Terminating" || p.state == "Succeeded" || p.state == "Completed") return tone::dim;
  return tone::busy;
}

std::string replica_set_status(const replica_set_view& r) {
  if (r.desired == 0) return r.current == 0 ? "ScaledDown" : "ScalingDown";
  if (r.available < r.desired || r.current != r.desired) return "Progressing";
  return "Healthy";
}

void tree_rows(const rollout_view& v, const render_options& o, std::vector<table_row>& rows) {
  rows.push_back({{.text = v.name},
                  {.text = "RolloutPolicy"},
                  status_cell(v.phase, o),
                  {.text = age(v.created, o)},
                  {}});
  for (std::size_t i = 0; i < v.replica_sets.size(); ++i) {
    const auto& r = v.replica_sets[i];
    const bool last = i + 1 == v.replica_sets.size();
    const std::string branch = last ? "└──" : "├──";
    const std::string indent = last ? "   " : "│  ";
    const std::string revision = r.revision > 0 ? std::to_string(r.revision) : "?";
    rows.push_back({{.prefix = branch, .text = "# revision:" + revision, .color = tone::dim}});
    std::string info = join(r.roles, ",");
    info = join({info, "ready:" + number(r.ready) + "/" + number(r.desired)}, " ");
    rows.push_back({{.prefix = indent + "└──", .text = r.name},
                    {.text = "ReplicaSet"},
                    status_cell(replica_set_status(r), o),
                    {.text = age(r.created, o)},
                    {.text = info}});
    for (std::size_t j = 0; j < r.pods.size(); ++j) {
      const auto& p = r.pods[j];
      const std::string pod_branch = j + 1 == r.pods.size() ? "└──" : "├──";
      std::string pod_info = "ready:" + std::to_string(p.ready) + "/" + std::to_string(p.containers);
      if (p.restarts > 0) pod_info += ",restarts:" + std::to_string(p.restarts);
      rows.push_back({{.prefix = indent + "   " + pod_branch, .text = p.name},
                      {.text = "Pod"},
                      status_cell(p.state, pod_tone(p), o),
                      {.text = age(p.created, o)},
                      {.text = pod_info}});
    }
  }
}

}  // namespace

std::string render_get(const rollout_view& v, const render_options& o) {
  header_writer h(o);
  h.line("Name:", v.name, tone::bold);
  h.line("Namespace:", v.namespace_name);
  const table_cell phase = status_cell(v.phase, o);
  h.line("Phase:", phase.text, phase.color);
  std::string message = v.message;
  if (v.stale) message = join({"the controller has not yet observed the latest spec", message}, "; ");
  if (!message.empty()) h.line("Message:", message);
  h.line("Strategy:", v.strategy);
  if (v.steps) {
    h.line("  Step:", std::to_string(v.step.value_or(0)) + "/" + std::to_string(*v.steps));
    h.line("  SetWeight:", std::to_string(v.set_weight.value_or(0)));
    h.line("  ActualWeight:", std::to_string(v.actual_weight.value_or(0)));
  }
  bool first = true;
  for (const auto& image : v.images) {
    std::string text = image.image;
    if (!image.roles.empty()) text += " (" + join(image.roles, ", ") + ")";
    h.line(first ? "Images:" : "", text);
    first = false;
  }
  h.line("Replicas:", "");
  h.line("  Desired:", number(v.desired));
  h.line("  Current:", number(v.current));
  h.line("  Updated:", number(v.updated));
  h.line("  Ready:", number(v.ready));
  h.line("  Available:", number(v.available));

  const std::vector<table_column> columns = {
      {.header = "NAME", .min_width = 16, .truncate_middle = true},
      {.header = "KIND", .drop_rank = 3},
      {.header = "STATUS"},
      {.header = "AGE", .drop_rank = 1},
      {.header = "INFO", .drop_rank = 2, .min_width = 8},
  };
  std::vector<table_row> rows;
  tree_rows(v, o, rows);
  std::string out = h.take();
  out += '\n';
  for (const auto& line : layout_table(columns, rows, o)) out += line + '\n';
  return out;
}

}  // namespace rolloutd::cli
