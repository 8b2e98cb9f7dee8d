#include "kube/label_selector.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace rolloutd::kube {

namespace {

using json = nlohmann::json;

bool key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/';
}
bool value_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

std::optional<std::int64_t> to_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// A cursor over the selector text; each method consumes what it recognises.
class parser {
 public:
  explicit parser(std::string_view text) : text_(text) {}

  std::optional<std::vector<label_selector::requirement>> run(std::string& error) {
    std::vector<label_selector::requirement> out;
    skip_space();
    if (at_end()) return out;
    for (;;) {
      auto req = requirement(error);
      if (!req) return std::nullopt;
      out.push_back(std::move(*req));
      skip_space();
      if (at_end()) return out;
      if (!take(",")) return fail(error, "expected ',' after a requirement");
    }
  }

 private:
  std::optional<label_selector::requirement> requirement(std::string& error) {
    label_selector::requirement req;
    skip_space();
    bool negated = take("!");
    skip_space();
    req.key = word(key_char);
    if (req.key.empty()) return fail(error, "expected a label key");
    if (req.key.size() > 317) return fail(error, "label key too long");
    skip_space();
    if (negated) {
      req.operation = label_selector::op::not_exists;
      return req;
    }
    if (at_end() || peek() == ',') {
      req.operation = label_selector::op::exists;
      return req;
    }
    if (take("==") || take("=")) {
      req.operation = label_selector::op::equals;
    } else if (take("!=")) {
      req.operation = label_selector::op::not_equals;
    } else if (take(">")) {
      req.operation = label_selector::op::greater_than;
    } else if (take("<")) {
      req.operation = label_selector::op::less_than;
    } else {
      auto keyword = word(key_char);
      if (keyword == "in") {
        req.operation = label_selector::op::in;
      } else if (keyword == "notin") {
        req.operation = label_selector::op::not_in;
      } else {
        return fail(error, "expected an operator after '" + req.key + "'");
      }
      if (!set(req.values, error)) return std::nullopt;
      return req;
    }
    skip_space();
    auto value = word(value_char);
    if (value.size() > 63) return fail(error, "label value too long");
    bool numeric =
        req.operation == label_selector::op::greater_than || req.operation == label_selector::op::less_than;
    if (numeric && !to_integer(value))
      return fail(error, "'" + req.key + "' needs an integer to compare with");
    req.values.push_back(std::move(value));
    return req;
  }

  // As in Kubernetes, "()" is the set holding the empty value, not an empty set.
  bool set(std::vector<std::string>& values, std::string& error) {
    skip_space();
    if (!take("(")) {
      fail(error, "expected '(' after in/notin");
      return false;
    }
    for (;;) {
      skip_space();
      auto value = word(value_char);
      if (value.size() > 63) {
        fail(error, "label value too long");
        return false;
      }
      values.push_back(std::move(value));
      skip_space();
      if (take(")")) break;
      if (!take(",")) {
        fail(error, "expected ',' or ')' in a value set");
        return false;
      }
    }
    return true;
  }

  std::string word(bool (*allowed)(char)) {
    auto start = pos_;
    while (!at_end() && allowed(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  bool take(std::string_view token) {
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  void skip_space() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const { return text_[pos_]; }
  std::nullopt_t fail(std::string& error, const std::string& what) const {
    error = what + " at offset " + std::to_string(pos_);
    return std::nullopt;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

const std::string* label_value(const json& labels, const std::string& key) {
  if (!labels.is_object()) return nullptr;
  auto it = labels.find(key);
  if (it == labels.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

bool requirement_matches(const label_selector::requirement& req, const json& labels) {
  const std::string* value = label_value(labels, req.key);
  auto in_values = [&] {
    return value && std::find(req.values.begin(), req.values.end(), *value) != req.values.end();
  };
  auto compare = [&](auto cmp) {
    if (!value) return false;
    auto have = to_integer(*value);
    auto want = to_integer(req.values.front());
    return have && want && cmp(*have, *want);
  };
  switch (req.operation) {
    case label_selector::op::exists:
      return value != nullptr;
    case label_selector::op::not_exists:
      return value == nullptr;
    case label_selector::op::equals:
    case label_selector::op::in:
      return in_values();
    case label_selector::op::not_equals:
    case label_selector::op::not_in:
      return !in_values();
    case label_selector::op::greater_than:
      return compare([](auto a, auto b) { return a > b; });
    case label_selector::op::less_than:
      return compare([](auto a, auto b) { return a < b; });
  }
  return false;
}

std::optional<label_selector> fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

label_selector label_selector::nothing() {
  label_selector s;
  s.nothing_ = true;
  return s;
}

std::optional<label_selector> label_selector::parse(std::string_view text, std::string* error) {
  std::string message;
  auto requirements = parser(text).run(message);
  if (!requirements)
    return fail(error, "label selector '" + std::string(text.substr(0, 200)) + "': " + message);
  label_selector s;
  s.requirements_ = std::move(*requirements);
  return s;
}

std::optional<label_selector> label_selector::from_json(const json& selector, std::string* error) {
  if (selector.is_null()) return nothing();
  if (!selector.is_object()) return fail(error, "label selector is not an object");
  label_selector s;
  if (auto labels = selector.find("matchLabels"); labels != selector.end() && !labels->is_null()) {
    if (!labels->is_object()) return fail(error, "matchLabels is not an object");
    for (const auto& [key, value] : labels->items()) {
      if (!value.is_string()) return fail(error, "matchLabels." + key + " is not a string");
      s.requirements_.push_back({key, op::equals, {value.get<std::string>()}});
    }
  }
  auto expressions = selector.find("matchExpressions");
  if (expressions == selector.end() || expressions->is_null()) return s;
  if (!expressions->is_array()) return fail(error, "matchExpressions is not an array");
  for (std::size_t i = 0; i < expressions->size(); ++i) {
    const auto& e = (*expressions)[i];
    std::string where = "matchExpressions[" + std::to_string(i) + "]";
    if (!e.is_object()) return fail(error, where + " is not an object");
    auto key = e.find("key");
    auto operation = e.find("operator");
    if (key == e.end() || !key->is_string() || key->get_ref<const std::string&>().empty()) {
      return fail(error, where + ".key is missing");
    }
    if (operation == e.end() || !operation->is_string()) return fail(error, where + ".operator is missing");
    requirement req{key->get<std::string>(), op::exists, {}};
    if (auto values = e.find("values"); values != e.end() && !values->is_null()) {
      if (!values->is_array()) return fail(error, where + ".values is not an array");
      for (const auto& v : *values) {
        if (!v.is_string()) return fail(error, where + ".values holds a non-string");
        req.values.push_back(v.get<std::string>());
      }
    }
    const auto& name = operation->get_ref<const std::string&>();
    bool wants_values = name == "In" || name == "NotIn";
    if (name == "In")
      req.operation = op::in;
    else if (name == "NotIn")
      req.operation = op::not_in;
    else if (name == "Exists")
      req.operation = op::exists;
    else if (name == "DoesNotExist")
      req.operation = op::not_exists;
    else
      return fail(error, where + ".operator '" + name + "' is not In, NotIn, Exists or DoesNotExist");
    if (wants_values == req.values.empty()) {
      return fail(error, where + (wants_values ? ".values must not be empty" : ".values must be empty"));
    }
    s.requirements_.push_back(std::move(req));
  }
  return s;
}

bool label_selector::matches(const json& labels) const {
  if (nothing_) return false;
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const requirement& req) { return requirement_matches(req, labels); });
}

bool label_selector::matches_object(const json& object) const {
  if (!object.is_object()) return matches(json{});
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return matches(json{});
  auto labels = metadata->find("labels");
  return labels == metadata->end() ? matches(json{}) : matches(*labels);
}

}  // namespace rolloutd::kube
