// lease_contender: one leader-election candidate in a process of its own, for the two-process
// tier-2 test (test/cluster/leader_election_test.cpp). It prints one line per transition on stdout
// ("leading", "stopped-leading", "exit stopped" or "exit lost") so the test can follow it. SIGTERM
// stops it cleanly, releasing the Lease; SIGKILL is the crash it cannot react to.

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "common/args.hpp"
#include "kube/client.hpp"
#include "kube/config.hpp"
#include "kube/leader_elector.hpp"
#include "kube/lease_store.hpp"

namespace {

namespace asio = boost::asio;
using namespace rolloutd;

const std::vector<option_spec> options = {
    {.name = "kubeconfig", .help = "kubeconfig file"},
    {.name = "namespace", .help = "namespace of the Lease"},
    {.name = "name", .help = "name of the Lease"},
    {.name = "identity", .help = "this candidate's identity"},
    {.name = "lease-seconds", .help = "lease duration", .default_value = "15"},
    {.name = "renew-ms", .help = "renew deadline", .default_value = "10000"},
    {.name = "retry-ms", .help = "retry period", .default_value = "2000"},
};

void say(const char* line) {
  std::printf("%s\n", line);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_args(options, std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.ok()) {
    std::cerr << "lease_contender: " << parsed.error << "\n" << format_options(options);
    return 2;
  }
  auto arg = [&](const char* name) {
    auto value = parsed.args.get(name);
    if (value) return *value;
    for (const auto& o : options) {
      if (o.name == name) return o.default_value;
    }
    return std::string();
  };

  system_clock clock;
  kube::kubeconfig_options from;
  from.path = arg("kubeconfig");
  auto config = kube::load_kubeconfig(from, clock);
  if (!config.ok()) {
    std::cerr << "lease_contender: " << config.error.message << "\n";
    return 2;
  }
  kube::leader_election_config election{
      .identity = arg("identity"),
      .timing = {.lease_duration = std::chrono::seconds(std::stoi(arg("lease-seconds"))),
                 .renew_deadline = std::chrono::milliseconds(std::stoi(arg("renew-ms"))),
                 .retry_period = std::chrono::milliseconds(std::stoi(arg("retry-ms")))}};
  if (auto error = kube::validate_leader_election_config(election); !error.empty()) {
    std::cerr << "lease_contender: " << error << "\n";
    return 2;
  }

  asio::io_context io;
  spdlog::logger log("lease_contender", std::make_shared<spdlog::sinks::stderr_sink_st>());
  kube::client api(io.get_executor(), *config.value, {}, clock);
  kube::leader_elector elector(
      io.get_executor(), kube::make_client_lease_store(api, arg("namespace"), arg("name")), clock, election,
      {.on_started_leading = [] { say("leading"); }, .on_stopped_leading = [] { say("stopped-leading"); }},
      log);
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) elector.stop();
  });
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto outcome = co_await elector.run();
        say(outcome == kube::election_outcome::stopped ? "exit stopped" : "exit lost");
        io.stop();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  say("campaigning");
  io.run();
  return 0;
}
