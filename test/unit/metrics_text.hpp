#pragma once

// A strict reader of the Prometheus text exposition format for the metrics tests: what the tests
// check is what a scraper would read, not what the registry holds in memory. A line it cannot
// read is a test failure.

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rolloutd::testing {

using label_set = std::map<std::string, std::string>;

struct sample {
  std::string name;
  label_set labels;
  double value = 0;
};

struct exposition {
  std::vector<sample> samples;
  std::map<std::string, std::string> types;  // from "# TYPE name type"

  [[nodiscard]] std::vector<sample> named(std::string_view name) const {
    std::vector<sample> out;
    for (const auto& s : samples) {
      if (s.name == name) out.push_back(s);
    }
    return out;
  }
  // The value of the one sample with exactly these labels, if there is one.
  [[nodiscard]] std::optional<double> value(std::string_view name, const label_set& labels = {}) const {
    std::optional<double> found;
    for (const auto& s : samples) {
      if (s.name != name || s.labels != labels) continue;
      EXPECT_FALSE(found.has_value()) << "duplicate series " << name;
      found = s.value;
    }
    return found;
  }
  // Samples whose labels include every given label.
  [[nodiscard]] std::size_t count_matching(const label_set& subset) const {
    std::size_t n = 0;
    for (const auto& s : samples) {
      bool all = true;
      for (const auto& [k, v] : subset) {
        const auto it = s.labels.find(k);
        all = all && it != s.labels.end() && it->second == v;
      }
      n += all ? 1 : 0;
    }
    return n;
  }
};

inline bool parse_label_value(std::string_view& rest, std::string& out) {
  if (rest.empty() || rest.front() != '"') return false;
  rest.remove_prefix(1);
  while (!rest.empty() && rest.front() != '"') {
    char c = rest.front();
    rest.remove_prefix(1);
    if (c == '\\') {
      if (rest.empty()) return false;
      c = rest.front() == 'n' ? '\n' : rest.front();
      rest.remove_prefix(1);
    }
    out.push_back(c);
  }
  if (rest.empty()) return false;
  rest.remove_prefix(1);
  return true;
}

inline std::optional<sample> parse_sample_line(std::string_view line) {
  sample s;
  const auto name_end = line.find_first_of("{ ");
  if (name_end == std::string_view::npos || name_end == 0) return std::nullopt;
  s.name = std::string(line.substr(0, name_end));
  auto rest = line.substr(name_end);
  if (rest.front() == '{') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() != '}') {
      const auto eq = rest.find('=');
      if (eq == std::string_view::npos || eq == 0) return std::nullopt;
      const std::string key(rest.substr(0, eq));
      rest.remove_prefix(eq + 1);
      std::string value;
      if (!parse_label_value(rest, value)) return std::nullopt;
      if (!s.labels.emplace(key, value).second) return std::nullopt;  // a label twice
      if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
    }
    if (rest.empty()) return std::nullopt;
    rest.remove_prefix(1);
  }
  if (rest.empty() || rest.front() != ' ') return std::nullopt;
  rest.remove_prefix(1);
  const std::string number(rest);
  char* end = nullptr;
  s.value = std::strtod(number.c_str(), &end);
  if (end == number.c_str() || *end != '\0') return std::nullopt;
  return s;
}

inline exposition parse_exposition(std::string_view text) {
  exposition out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    if (line.starts_with("# TYPE ")) {
      const auto rest = line.substr(7);
      const auto space = rest.find(' ');
      if (space == std::string_view::npos) {
        ADD_FAILURE() << "bad TYPE line: " << line;
        continue;
      }
      out.types[std::string(rest.substr(0, space))] = std::string(rest.substr(space + 1));
      continue;
    }
    if (line.starts_with("#")) continue;
    if (auto s = parse_sample_line(line)) {
      out.samples.push_back(std::move(*s));
    } else {
      ADD_FAILURE() << "unreadable exposition line: " << line;
    }
  }
  return out;
}

}  // namespace rolloutd::testing
