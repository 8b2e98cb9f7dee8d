#pragma once

// spec.selector as written (metav1.LabelSelector): the value the policy carries, matched against
// its own template's labels and rendered as the string status.selector reports for the scale
// subresource. Matching cached objects in general is the informer's job (kube/label_selector).

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rolloutd::api {

using string_map = std::map<std::string, std::string>;

struct label_requirement {
  enum class op { in, not_in, exists, does_not_exist };
  std::string key;
  op operation = op::exists;
  std::vector<std::string> values;  // non-empty for in/not_in, empty otherwise

  friend bool operator==(const label_requirement&, const label_requirement&) = default;
};

struct label_selector {
  string_map match_labels;
  std::vector<label_requirement> match_expressions;

  // Selects every pod in the namespace; never acceptable for a workload.
  [[nodiscard]] bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  [[nodiscard]] bool matches(const string_map& labels) const;
  // metav1.FormatLabelSelector's syntax ("app=hello,track in (a,b),!legacy"), requirements sorted by
  // key as the API server sorts them, so the string is stable for a given selector.
  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] nlohmann::json to_json() const;

  friend bool operator==(const label_selector&, const label_selector&) = default;
};

[[nodiscard]] const char* to_string(label_requirement::op op);  // "In", "NotIn", ...

}  // namespace rolloutd::api
