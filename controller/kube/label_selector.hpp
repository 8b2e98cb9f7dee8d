#pragma once

// Kubernetes label selectors, evaluated locally against cached objects: the string form
// ("app=web,tier!=db,env in (a,b),!legacy") used in list options and by kubectl, and the
// metav1.LabelSelector form (matchLabels / matchExpressions) that workload specs carry.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rolloutd::kube {

class label_selector {
 public:
  enum class op { exists, not_exists, equals, not_equals, in, not_in, greater_than, less_than };

  struct requirement {
    std::string key;
    op operation = op::exists;
    std::vector<std::string> values;  // one for (not_)equals and gt/lt; one or more for (not_)in
  };

  // Matches everything (the empty string parses to this too).
  label_selector() = default;
  // Matches nothing: what a null metav1.LabelSelector means.
  [[nodiscard]] static label_selector nothing();

  // The string form; nullopt with a message in `error` (when given) on a syntax error.
  [[nodiscard]] static std::optional<label_selector> parse(std::string_view text,
                                                           std::string* error = nullptr);
  // metav1.LabelSelector JSON; null -> nothing(), {} -> everything.
  [[nodiscard]] static std::optional<label_selector> from_json(const nlohmann::json& selector,
                                                               std::string* error = nullptr);

  // `labels` is metadata.labels: an object of strings, or null/absent for none.
  [[nodiscard]] bool matches(const nlohmann::json& labels) const;
  // Reads metadata.labels of a whole object.
  [[nodiscard]] bool matches_object(const nlohmann::json& object) const;

  [[nodiscard]] bool empty() const { return !nothing_ && requirements_.empty(); }
  [[nodiscard]] const std::vector<requirement>& requirements() const { return requirements_; }

 private:
  std::vector<requirement> requirements_;
  bool nothing_ = false;
};

}  // namespace rolloutd::kube
