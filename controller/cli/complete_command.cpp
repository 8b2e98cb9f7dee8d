#include "cli/complete_command.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "cli/command_line.hpp"
#include "cli/complete_words.hpp"
#include "cli/connection.hpp"
#include "cli/json_fields.hpp"
#include "kube/client.hpp"
#include "kube/clock.hpp"
#include "rolloutd/build_info.hpp"

namespace rolloutd::cli {

namespace {

const kube::resource_type& namespaces_type() {
  static const kube::resource_type t{"", "v1", "namespaces", false};
  return t;
}

// The names the cluster has for `answer.ask`; none when it cannot be reached (a TAB must stay quick
// and quiet, so one short attempt).
std::vector<std::string> ask_cluster(const completion_answer& answer, const kube::env_lookup& env) {
  command_line target;
  target.kubeconfig = answer.kubeconfig;
  target.context = answer.context;
  target.namespace_name = answer.namespace_name;
  const rolloutd::system_clock clock;
  auto config = load_cluster_config(target, clock, env);
  if (!config.ok()) return {};
  boost::asio::io_context io(1);
  kube::client_options options;
  options.request_timeout = std::chrono::seconds(5);
  options.max_retries = 0;
  options.user_agent = "kubectl-rp/" + std::string(build_info::version);
  const std::string ns = config.value->namespace_name;
  kube::client api(io.get_executor(), std::move(*config.value), options, clock);
  // Everything but the co_await stays outside the coroutine: GCC 12 miscompiles temporaries of a
  // conditional and braced initializer lists inside a coroutine body.
  const bool policies = answer.ask == completion_answer::lookup::policies;
  const kube::resource_type& type = policies ? policies_type() : namespaces_type();
  const std::string list_ns = policies ? ns : std::string();
  const std::string no_selector;
  std::vector<nlohmann::json> items;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        auto listed = co_await list_all(api, type, list_ns, no_selector);
        if (listed.ok()) items = std::move(*listed);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  std::vector<std::string> names;
  for (const auto& item : items) names.push_back(string_at(item, {"metadata", "name"}));
  return names;
}

}  // namespace

int run_completion(const std::vector<std::string>& words, std::ostream& out, const kube::env_lookup& env) {
  const auto answer = complete_words(words);
  for (const auto& c : answer.candidates) out << c << '\n';
  if (answer.ask == completion_answer::lookup::policies ||
      answer.ask == completion_answer::lookup::namespaces) {
    for (const auto& name : ask_cluster(answer, env)) {
      if (!name.empty() && name.starts_with(answer.partial)) out << name << '\n';
    }
  }
  out << ':' << completion_directive(answer) << '\n';
  return 0;
}

}  // namespace rolloutd::cli
