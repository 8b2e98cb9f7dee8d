#pragma once

// The commands that talk to the cluster. Each returns the process exit code: 0 done, 1 failed (an
// API error, a Degraded rollout, a timeout, an operation that does not apply). Messages go to
// ctx.out, errors to ctx.err; what they look like is decided by the pure renderers.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/command_line.hpp"
#include "cli/terminal.hpp"
#include "kube/client.hpp"
#include "kube/clock.hpp"

namespace rolloutd::cli {

struct command_context {
  kube::client& api;
  const rolloutd::clock& clock;
  std::string namespace_name;
  std::string server;  // for "cannot reach" messages
  std::ostream& out;
  std::ostream& err;
  std::function<terminal_info()> terminal;  // stdout's; asked again before each redraw
};

boost::asio::awaitable<int> run_cluster_command(command_context& ctx, const command_line& command);

// ---- shared by the command files ----

// The policy, or nullopt after printing why it could not be read.
boost::asio::awaitable<std::optional<nlohmann::json>> fetch_policy(command_context& ctx,
                                                                   const std::string& name);

// The label selector of the policy's ReplicaSets and pods (its spec.selector, else status.selector).
[[nodiscard]] std::string selector_of(const nlohmann::json& policy);

struct policy_objects {
  nlohmann::json policy{};
  std::vector<nlohmann::json> replica_sets{};
  std::vector<nlohmann::json> pods{};
};
// The policy with its ReplicaSets (and, when asked, pods); nullopt after printing an error.
boost::asio::awaitable<std::optional<policy_objects>> fetch_policy_objects(command_context& ctx,
                                                                           const std::string& name,
                                                                           bool with_pods);

void report_failure(command_context& ctx, const kube::api_error& error, std::string_view resource,
                    std::string_view name);

// Commands that change something (steer_commands.cpp).
boost::asio::awaitable<int> run_operation(command_context& ctx, const command_line& command);
boost::asio::awaitable<int> run_pause(command_context& ctx, const command_line& command, bool pause);
boost::asio::awaitable<int> run_restart(command_context& ctx, const command_line& command);
boost::asio::awaitable<int> run_set_image(command_context& ctx, const command_line& command);
boost::asio::awaitable<int> run_undo(command_context& ctx, const command_line& command);

// The watch loops (watch_loop.cpp).
boost::asio::awaitable<int> watch_get(command_context& ctx, const std::string& name);
boost::asio::awaitable<int> watch_status(command_context& ctx, const std::string& name,
                                         std::chrono::nanoseconds timeout);

}  // namespace rolloutd::cli
