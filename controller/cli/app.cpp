#include "cli/app.hpp"

#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/complete_command.hpp"
#include "cli/completion.hpp"
#include "cli/connection.hpp"
#include "cli/terminal.hpp"
#include "rolloutd/build_info.hpp"

namespace rolloutd::cli {

namespace {

int usage_error(std::ostream& err, const std::string& message, const command_info* command) {
  err << "error: " << message << "\nRun 'kubectl rp "
      << (command != nullptr ? std::string(command->name) + " " : "") << "--help' for usage.\n";
  return 2;
}

}  // namespace

int run_app(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
            const kube::env_lookup& env) {
  // Not a command for people (kubectl_complete-rp runs it), so not in the command table or help.
  if (!argv.empty() && argv.front() == "__complete") {
    return run_completion(std::vector<std::string>(argv.begin() + 1, argv.end()), out, env);
  }
  auto parsed = parse_command_line(argv);
  if (!parsed.ok()) return usage_error(err, parsed.error, parsed.value.command);
  const command_line& cl = parsed.value;
  if (cl.command == nullptr) {
    out << top_level_help();
    return 0;
  }
  if (cl.help) {
    out << command_help(*cl.command);
    return 0;
  }
  switch (cl.command->id) {
    case command_id::version:
      out << "kubectl-rp " << build_info::version << '\n';
      return 0;
    case command_id::completion: {
      auto script = completion_script(cl.name());
      if (!script)
        return usage_error(err, "completion: unsupported shell \"" + cl.name() + "\" (bash or zsh)",
                           cl.command);
      out << *script;
      return 0;
    }
    default:
      break;
  }

  const rolloutd::system_clock clock;
  auto config = load_cluster_config(cl, clock, env);
  if (!config.ok()) {
    err << "error: " << config.error.message << '\n';
    return 1;
  }
  boost::asio::io_context io(1);
  kube::client_options options;
  options.request_timeout = cl.request_timeout;
  options.max_retries = 2;  // a person is waiting: report an unreachable server in seconds, not a minute
  options.user_agent = "kubectl-rp/" + std::string(build_info::version);
  const std::string server = config.value->server;
  const std::string ns = config.value->namespace_name;
  kube::client api(io.get_executor(), std::move(*config.value), options, clock);
  command_context ctx{.api = api,
                      .clock = clock,
                      .namespace_name = ns,
                      .server = server,
                      .out = out,
                      .err = err,
                      .terminal = [&env] { return probe_terminal(STDOUT_FILENO, env); }};
  int code = 1;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { code = co_await run_cluster_command(ctx, cl); },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);  // a bug: let it surface rather than exit quietly
      });
  io.run();
  out.flush();
  return code;
}

}  // namespace rolloutd::cli
