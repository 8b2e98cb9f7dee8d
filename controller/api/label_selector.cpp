#include "api/label_selector.hpp"

#include <algorithm>

namespace rolloutd::api {

const char* to_string(label_requirement::op op) {
  switch (op) {
    case label_requirement::op::in:
      return "In";
    case label_requirement::op::not_in:
      return "NotIn";
    case label_requirement::op::exists:
      return "Exists";
    case label_requirement::op::does_not_exist:
      return "DoesNotExist";
  }
  return "Exists";
}

bool label_selector::matches(const string_map& labels) const {
  for (const auto& [key, value] : match_labels) {
    const auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const auto& r : match_expressions) {
    const auto it = labels.find(r.key);
    const bool present = it != labels.end();
    const bool listed = present && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    switch (r.operation) {
      case label_requirement::op::in:
        if (!listed) return false;
        break;
      case label_requirement::op::not_in:
        if (listed) return false;
        break;
      case label_requirement::op::exists:
        if (!present) return false;
        break;
      case label_requirement::op::does_not_exist:
        if (present) return false;
        break;
    }
  }
  return true;
}

std::string label_selector::to_string() const {
  struct part {
    std::string key;
    std::string text;
  };
  std::vector<part> parts;
  for (const auto& [key, value] : match_labels) parts.push_back({key, key + "=" + value});
  for (const auto& r : match_expressions) {
    std::vector<std::string> values = r.values;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    std::string list;
    for (const auto& v : values) list += (list.empty() ? "" : ",") + v;
    switch (r.operation) {
      case label_requirement::op::in:
        parts.push_back({r.key, r.key + " in (" + list + ")"});
        break;
      case label_requirement::op::not_in:
        parts.push_back({r.key, r.key + " notin (" + list + ")"});
        break;
      case label_requirement::op::exists:
        parts.push_back({r.key, r.key});
        break;
      case label_requirement::op::does_not_exist:
        parts.push_back({r.key, "!" + r.key});
        break;
    }
  }
  std::stable_sort(parts.begin(), parts.end(), [](const part& a, const part& b) { return a.key < b.key; });
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p.text;
  return out;
}

nlohmann::json label_selector::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  if (!match_labels.empty()) out["matchLabels"] = match_labels;
  if (!match_expressions.empty()) {
    auto& expressions = out["matchExpressions"] = nlohmann::json::array();
    for (const auto& r : match_expressions) {
      nlohmann::json e{{"key", r.key}, {"operator", api::to_string(r.operation)}};
      if (!r.values.empty()) e["values"] = r.values;
      expressions.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace rolloutd::api
