#pragma once

// kubectl-rp's commands, their flags and help, and the parsing of a command line into one of them.
// kubectl's conventions: global flags (--kubeconfig, --context, -n/--namespace) anywhere on the
// line, --help on every command, `kubectl rp help COMMAND`. Errors are values; exit code 2 is the
// caller's for a usage error.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/args.hpp"

namespace rolloutd::cli {

enum class command_id {
  get,
  list,
  status,
  promote,
  abort,
  retry,
  pause,
  resume,
  restart,
  set_image,
  undo,
  history,
  version,
  completion,
  help,
};

struct command_info {
  command_id id = command_id::help;
  std::string_view name{};       // what the user types: "get", "set image"
  std::string_view arguments{};  // after the name in the usage line: "NAME [flags]"
  std::string_view summary{};    // one line, for the command list
  std::string_view description{};
  std::string_view examples{};
  std::vector<option_spec> options{};  // besides the global ones
  std::size_t min_args = 0;            // positional arguments after the name
  std::size_t max_args = 0;
};

[[nodiscard]] const std::vector<command_info>& commands();
[[nodiscard]] const std::vector<option_spec>& global_options();
[[nodiscard]] const command_info* find_command(command_id id);

struct command_line {
  const command_info* command = nullptr;  // none: the top-level help
  std::vector<std::string> args;          // positional arguments after the command's name
  parsed_args flags;
  bool help = false;  // --help, or `help COMMAND`

  // Validated values of the flags that take one.
  std::optional<std::string> kubeconfig;
  std::optional<std::string> context;
  std::optional<std::string> namespace_name;
  std::chrono::seconds request_timeout{30};
  bool watch = false;  // get --watch; status --watch (default true)
  bool all_namespaces = false;
  bool full = false;
  std::chrono::nanoseconds timeout{0};  // status --timeout; 0: none
  std::int64_t revision = 0;            // history --revision, undo --to-revision; 0: unset

  [[nodiscard]] const std::string& name() const { return args.front(); }  // the policy, for most commands
};

struct command_line_result {
  command_line value;
  std::string error;  // non-empty: a usage error
  [[nodiscard]] bool ok() const { return error.empty(); }
};

[[nodiscard]] command_line_result parse_command_line(const std::vector<std::string>& argv);

[[nodiscard]] std::string top_level_help();
[[nodiscard]] std::string command_help(const command_info& command);

}  // namespace rolloutd::cli
