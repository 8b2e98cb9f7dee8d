#include "cli/command_line.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "api/duration.hpp"

namespace rolloutd::cli {

namespace {

std::vector<option_spec> all_options() {
  std::vector<option_spec> out = global_options();
  for (const auto& c : commands()) {
    for (const auto& o : c.options) {
      if (std::none_of(out.begin(), out.end(), [&](const option_spec& s) { return s.name == o.name; }))
        out.push_back(o);
    }
  }
  return out;
}

std::vector<option_spec> options_of(const command_info& c) {
  std::vector<option_spec> out = global_options();
  out.insert(out.end(), c.options.begin(), c.options.end());
  return out;
}

const command_info* find_by_name(std::string_view name) {
  for (const auto& c : commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// The command named by the first positional words; `used` is how many words its name took.
const command_info* identify(const std::vector<std::string>& words, std::size_t& used, std::string& error) {
  used = 1;
  if (words[0] == "set") {
    if (words.size() > 1 && words[1] == "image") {
      used = 2;
      return find_command(command_id::set_image);
    }
    error = words.size() > 1 ? "unknown command \"set " + words[1] + "\" (did you mean \"set image\"?)"
                             : "\"set\" needs a subcommand: set image";
    return nullptr;
  }
  const command_info* c = find_by_name(words[0]);
  if (c == nullptr) error = "unknown command \"" + words[0] + "\"";
  return c;
}

bool read_bool(const parsed_args& flags, std::string_view name, bool fallback, bool& out,
               std::string& error) {
  auto v = flags.get(name);
  if (!v) {
    out = fallback;
    return true;
  }
  if (*v == "true" || *v == "1") {
    out = true;
  } else if (*v == "false" || *v == "0") {
    out = false;
  } else {
    error = "--" + std::string(name) + ": expected true or false, got \"" + *v + "\"";
    return false;
  }
  return true;
}

bool read_count(const parsed_args& flags, std::string_view name, std::int64_t& out, std::string& error) {
  auto v = flags.get(name);
  if (!v) return true;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (v->empty() || ec != std::errc() || end != v->data() + v->size() || out < 0) {
    error = "--" + std::string(name) + ": expected a revision number, got \"" + *v + "\"";
    return false;
  }
  return true;
}

bool read_duration(const parsed_args& flags, std::string_view name, std::chrono::nanoseconds& out,
                   std::string& error) {
  auto v = flags.get(name);
  if (!v) return true;
  std::string why;
  auto d = api::parse_duration(*v, &why);
  if (!d || d->count() < 0) {
    error = "--" + std::string(name) + ": expected a duration such as 30s or 5m, got \"" + *v + "\"";
    return false;
  }
  out = *d;
  return true;
}

bool validate(command_line& cl, std::string& error) {
  const auto& f = cl.flags;
  cl.kubeconfig = f.get("kubeconfig");
  cl.context = f.get("context");
  cl.namespace_name = f.get("namespace");
  if (cl.namespace_name && cl.namespace_name->empty()) {
    error = "--namespace: must not be empty";
    return false;
  }
  std::chrono::nanoseconds request_timeout{std::chrono::seconds(30)};
  if (!read_duration(f, "request-timeout", request_timeout, error)) return false;
  if (request_timeout < std::chrono::seconds(1)) {
    error = "--request-timeout: must be at least 1s";
    return false;
  }
  cl.request_timeout = std::chrono::duration_cast<std::chrono::seconds>(request_timeout);
  const bool status = cl.command != nullptr && cl.command->id == command_id::status;
  if (!read_bool(f, "watch", status, cl.watch, error)) return false;
  if (!read_bool(f, "all-namespaces", false, cl.all_namespaces, error)) return false;
  if (!read_bool(f, "full", false, cl.full, error)) return false;
  if (!read_duration(f, "timeout", cl.timeout, error)) return false;
  if (!read_count(f, "revision", cl.revision, error)) return false;
  if (!read_count(f, "to-revision", cl.revision, error)) return false;
  return true;
}

}  // namespace

command_line_result parse_command_line(const std::vector<std::string>& argv) {
  command_line_result r;
  auto first = parse_args(all_options(), argv);
  if (!first.ok()) {
    r.error = first.error;
    return r;
  }
  auto& cl = r.value;
  const auto& words = first.args.positional;
  cl.help = first.args.has("help");
  if (words.empty()) {
    cl.flags = first.args;
    if (first.args.has("version")) cl.command = find_command(command_id::version);
    if (!validate(cl, r.error)) return r;
    return r;
  }
  std::size_t used = 0;
  cl.command = identify(words, used, r.error);
  if (cl.command == nullptr) return r;
  std::vector<std::string> rest(words.begin() + static_cast<std::ptrdiff_t>(used), words.end());
  if (cl.command->id == command_id::help) {
    // `help COMMAND`: that command's help; `help` alone: the list of commands.
    cl.help = true;
    cl.command = nullptr;
    if (!rest.empty()) {
      cl.command = identify(rest, used, r.error);
      if (cl.command == nullptr) return r;
    }
    return r;
  }
  auto second = parse_args(options_of(*cl.command), argv);
  if (!second.ok()) {
    r.error = std::string(cl.command->name) + ": " + second.error;
    return r;
  }
  cl.flags = std::move(second.args);
  cl.args = std::move(rest);
  if (cl.help) return r;
  if (cl.args.size() < cl.command->min_args) {
    r.error = std::string(cl.command->name) + ": " +
              (cl.command->min_args == 1 ? std::string("the name of a RolloutPolicy is required")
                                         : "expected " + std::string(cl.command->arguments));
    return r;
  }
  if (cl.args.size() > cl.command->max_args) {
    r.error =
        std::string(cl.command->name) + ": unexpected argument \"" + cl.args[cl.command->max_args] + "\"";
    return r;
  }
  validate(cl, r.error);
  return r;
}

std::string top_level_help() {
  std::ostringstream out;
  out << "kubectl rp: see and steer RolloutPolicies (rolloutd.io) from the terminal.\n\n"
         "Usage: kubectl rp COMMAND [NAME] [flags]\n\nCommands:\n";
  for (const auto& c : commands()) {
    std::string left = "  " + std::string(c.name);
    left.resize(std::max<std::size_t>(left.size() + 2, 14), ' ');
    out << left << c.summary << '\n';
  }
  out << "\nFlags (every command):\n"
      << format_options(global_options())
      << "\nRun 'kubectl rp COMMAND --help' for a command's flags and examples.\n";
  return out.str();
}

std::string command_help(const command_info& c) {
  std::ostringstream out;
  out << c.description << "\n\nUsage: kubectl rp " << c.name;
  if (!c.arguments.empty()) out << ' ' << c.arguments;
  out << "\n\nExamples:\n";
  std::istringstream examples{std::string(c.examples)};
  for (std::string line; std::getline(examples, line);) out << "  " << line << '\n';
  if (!c.options.empty()) out << "\nFlags:\n" << format_options(c.options);
  out << "\nGlobal flags:\n" << format_options(global_options());
  return out.str();
}

}  // namespace rolloutd::cli
