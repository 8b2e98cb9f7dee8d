#pragma once

// A small command-line parser shared by rolloutd and kubectl-rp: GNU-style long options
// (`--name value`, `--name=value`, boolean `--flag`), short aliases, and positional arguments.
// Errors are values: a misspelt flag is reported, never thrown.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rolloutd {

struct option_spec {
  std::string name{};      // long name without dashes, e.g. "kubeconfig"
  char short_name = '\0';  // e.g. 'n' for -n; '\0' for none
  bool takes_value = true;
  std::string help{};
  std::string default_value{};
};

struct parsed_args {
  std::map<std::string, std::string, std::less<>> values;  // present options (flags get "true")
  std::vector<std::string> positional;

  [[nodiscard]] bool has(std::string_view name) const { return values.contains(name); }
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
};

struct parse_result {
  parsed_args args;
  std::string error;  // empty on success

  [[nodiscard]] bool ok() const { return error.empty(); }
};

// Parses argv[1..argc). Unknown options and missing values are errors.
[[nodiscard]] parse_result parse_args(const std::vector<option_spec>& specs,
                                      const std::vector<std::string>& argv);

// One line per option, aligned, for --help.
[[nodiscard]] std::string format_options(const std::vector<option_spec>& specs);

}  // namespace rolloutd
