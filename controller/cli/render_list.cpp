// `kubectl rp list`: one row per policy. On a narrow terminal the columns that matter least go
// first (strategy, set weight, step, up-to-date, ready), then names shrink, so what remains is whole
// rather than cut off at the edge.

#include "cli/render.hpp"

namespace rolloutd::cli {

std::string render_list(const std::vector<rollout_view>& views, bool all_namespaces,
                        const render_options& o) {
  std::vector<table_column> columns;
  if (all_namespaces) columns.push_back({.header = "NAMESPACE", .min_width = 9});
  columns.push_back({.header = "NAME", .min_width = 10, .truncate_middle = true});
  columns.push_back({.header = "STRATEGY", .drop_rank = 6});
  columns.push_back({.header = "PHASE"});
  columns.push_back({.header = "STEP", .drop_rank = 4});
  columns.push_back({.header = "SET-WEIGHT", .drop_rank = 5});
  columns.push_back({.header = "READY", .drop_rank = 2});
  columns.push_back({.header = "DESIRED"});
  columns.push_back({.header = "UP-TO-DATE", .drop_rank = 3});
  columns.push_back({.header = "AVAILABLE"});

  std::vector<table_row> rows;
  for (const auto& v : views) {
    table_row row;
    if (all_namespaces) row.push_back({.text = v.namespace_name});
    row.push_back({.text = v.name});
    row.push_back({.text = v.strategy});
    row.push_back(status_cell(v.phase, o));
    row.push_back(
        {.text = v.steps ? std::to_string(v.step.value_or(0)) + "/" + std::to_string(*v.steps) : "-"});
    row.push_back({.text = v.set_weight ? std::to_string(*v.set_weight) : "-"});
    row.push_back({.text = std::to_string(v.ready)});
    row.push_back({.text = std::to_string(v.desired)});
    row.push_back({.text = std::to_string(v.updated)});
    row.push_back({.text = std::to_string(v.available)});
    rows.push_back(std::move(row));
  }
  std::string out;
  for (const auto& line : layout_table(columns, rows, o)) out += line + '\n';
  return out;
}

}  // namespace rolloutd::cli
