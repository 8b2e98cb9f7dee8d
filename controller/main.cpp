// rolloutd: the controller binary. Loads the cluster configuration, runs the informers and the
// reconcile workers against one API client on one I/O thread, serves /metrics, /healthz and
// /readyz, and shuts down cleanly on SIGTERM or SIGINT (workers drained, informers stopped, events
// flushed, exit 0).

#include <unistd.h>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <charconv>
#include <csignal>
#include <future>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/args.hpp"
#include "common/logging.hpp"
#include "kube/client.hpp"
#include "kube/config.hpp"
#include "kube/event_recorder.hpp"
#include "kube/event_sink.hpp"
#include "kube/leader_elector.hpp"
#include "kube/lease_store.hpp"
#include "metrics/health.hpp"
#include "metrics/http_server.hpp"
#include "metrics/listen_address.hpp"
#include "metrics/policy_feed.hpp"
#include "metrics/registry.hpp"
#include "metrics/workqueue_metrics.hpp"
#include "reconcile/controller.hpp"
#include "rolloutd/build_info.hpp"

namespace {

const std::vector<rolloutd::option_spec> options = {
    {.name = "help", .short_name = 'h', .takes_value = false, .help = "show this help and exit"},
    {.name = "version", .takes_value = false, .help = "print the version and exit"},
    {.name = "kubeconfig",
     .help = "path to a kubeconfig (default: in-cluster, then $KUBECONFIG, ~/.kube/config)"},
    {.name = "context", .help = "kubeconfig context to use (default: current-context)"},
    {.name = "service-account-dir",
     .help = "in-cluster credentials (token, ca.crt, namespace), read when $KUBERNETES_SERVICE_HOST is set "
             "and no --kubeconfig is given",
     .default_value = std::string(rolloutd::kube::service_account_dir)},
    {.name = "namespace", .short_name = 'n', .help = "watch only this namespace (default: all namespaces)"},
    {.name = "workers", .help = "concurrent reconciles", .default_value = "2"},
    {.name = "qps", .help = "API requests per second (client-side limit)", .default_value = "20"},
    {.name = "burst", .help = "API request burst above --qps", .default_value = "30"},
    {.name = "metrics-addr",
     .help = "listen address for /metrics, /healthz, /readyz; \"0\" or \"\" disables",
     .default_value = "127.0.0.1:8080"},
    {.name = "leader-elect",
     .takes_value = false,
     .help = "run only while holding the Lease rolloutd-leader (for more than one replica)"},
    {.name = "leader-election-namespace",
     .help = "namespace of the leader-election Lease",
     .default_value = "kube-system"},
    {.name = "log-level", .help = "trace|debug|info|warn|error", .default_value = "info"},
    {.name = "log-format", .help = "text|json", .default_value = "text"},
};

std::string value_or(const rolloutd::parsed_args& args, std::string_view name) {
  if (auto v = args.get(name)) return *v;
  for (const auto& o : options) {
    if (o.name == name) return o.default_value;
  }
  return {};
}

template <class T>
bool parse_number(const std::string& s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

int usage_error(const std::string& message) {
  std::cerr << "rolloutd: " << message << "\nRun 'rolloutd --help' for usage.\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = rolloutd::parse_args(options, std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.ok()) return usage_error(parsed.error);
  const auto& args = parsed.args;
  if (args.has("version")) {
    std::cout << "rolloutd " << rolloutd::build_info::version << '\n';
    return 0;
  }
  if (args.has("help")) {
    std::cout << "rolloutd drives RolloutPolicy objects (rolloutd.io/v1alpha1) through rolling-update,\n"
                 "canary and blue/green rollouts.\n\nUsage: rolloutd [flags]\n\nFlags:\n"
              << rolloutd::format_options(options);
    return 0;
  }
  if (!parsed.args.positional.empty())
    return usage_error("unexpected argument " + parsed.args.positional.front());

  const auto level = rolloutd::parse_log_level(value_or(args, "log-level"));
  if (!level) return usage_error("--log-level: unknown level " + value_or(args, "log-level"));
  const auto format = rolloutd::parse_log_format(value_or(args, "log-format"));
  if (!format) return usage_error("--log-format: expected text or json");
  int workers = 0;
  double qps = 0;
  int burst = 0;
  if (!parse_number(value_or(args, "workers"), workers) || workers < 1 || workers > 64) {
    return usage_error("--workers: expected an integer in [1, 64]");
  }
  if (!parse_number(value_or(args, "qps"), qps) || qps <= 0)
    return usage_error("--qps: expected a positive number");
  if (!parse_number(value_or(args, "burst"), burst) || burst < 1)
    return usage_error("--burst: expected a positive integer");
  const std::string metrics_addr = value_or(args, "metrics-addr");
  std::optional<rolloutd::listen_address> listen;
  if (!metrics_addr.empty() && metrics_addr != "0") {
    listen = rolloutd::parse_listen_address(metrics_addr);
    if (!listen->ok()) return usage_error("--metrics-addr: " + listen->error);
  }

  auto log = rolloutd::make_logger("rolloutd", *format, *level);
  const rolloutd::system_clock clock;

  rolloutd::kube::kubeconfig_options kopts;
  if (auto v = args.get("kubeconfig")) kopts.path = *v;
  if (auto v = args.get("context")) kopts.context = *v;
  auto config = rolloutd::kube::load_default(kopts, clock, rolloutd::kube::process_environment(),
                                             value_or(args, "service-account-dir"));
  if (!config.ok()) {
    log->error("cluster configuration: {}", config.error.message);
    return 1;
  }
  const std::string ns = args.get("namespace").value_or("");
  log->info("rolloutd {} starting: server {} ({}), namespace {}, {} workers", rolloutd::build_info::version,
            config.value->server, config.value->source, ns.empty() ? "<all>" : ns, workers);

  // Declared first, so it outlives everything that reports to it.
  rolloutd::metrics registry(clock);

  boost::asio::io_context io(1);
  rolloutd::kube::client_options copts;
  copts.qps = qps;
  copts.burst = burst;
  copts.user_agent = std::string("rolloutd/") + std::string(rolloutd::build_info::version);
  copts.on_request = [&registry](const rolloutd::kube::request_observation& r) {
    registry.observe_api_request(r.verb, r.resource, r.code,
                                 std::chrono::duration<double>(r.latency).count());
  };
  rolloutd::kube::client api(io.get_executor(), std::move(*config.value), copts, clock);

  rolloutd::workqueue_metrics queue_metrics(registry, "rolloutpolicies");
  rolloutd::kube::event_recorder_options eopts;
  eopts.on_record = [&registry](const rolloutd::kube::object_reference& object, rolloutd::kube::event_type,
                                std::string_view reason) {
    if (object.kind == "RolloutPolicy") registry.count_event(object.namespace_name, object.name, reason);
  };
  rolloutd::kube::event_recorder events(io.get_executor(), rolloutd::kube::make_client_event_sink(api), clock,
                                        eopts, *log);
  rolloutd::reconcile::controller ctl(
      io.get_executor(), api, &events, clock, log,
      {.namespace_name = ns,
       .workers = workers,
       .queue_observer = &queue_metrics,
       .on_reconciled = [&registry](rolloutd::clock::duration took, bool failed) {
         registry.observe_reconcile(std::chrono::duration<double>(took).count(), failed);
       }});
  // The per-policy series follow the caches the controller already keeps.
  rolloutd::policy_feed feed(registry, ctl.policy_informer().cache(), ctl.replica_set_informer().cache());
  if (!ctl.policy_informer().add_handlers(feed.policy_handlers()) ||
      !ctl.replica_set_informer().add_handlers(feed.replica_set_handlers())) {
    log->error("metrics: informer handlers registered too late");
    return 1;
  }
  for (const auto& [resource, informer] : ctl.informers()) {
    registry.add_watch_source(resource, [informer] {
      return rolloutd::watch_counts{.restarts = informer->watch_restarts(), .relists = informer->relists()};
    });
  }
  const bool leader_election = args.has("leader-elect");
  // Written by the elector's callbacks, read by /readyz on the HTTP thread.
  std::atomic<bool> leading{false};
  std::atomic<bool> leader_seen{false};

  // Liveness: the I/O loop beats every second; a wedged loop stops beating.
  rolloutd::heartbeat beat(clock);
  boost::asio::steady_timer beat_timer(io);
  std::function<void()> schedule_beat = [&] {
    beat.beat();
    beat_timer.expires_after(std::chrono::seconds(1));
    beat_timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) schedule_beat();
    });
  };
  schedule_beat();

  std::unique_ptr<rolloutd::kube::leader_elector> elector;
  std::future<rolloutd::kube::election_outcome> election;
  std::unique_ptr<rolloutd::http_server> http;
  if (listen) {
    auto started = rolloutd::http_server::start(
        listen->endpoint, {.metrics = [&] { return registry.render_text(); },
                           .live = [&] { return beat.check(std::chrono::seconds(30)); },
                           .ready =
                               [&] {
                                 const bool synced = ctl.synced();
                                 return rolloutd::readiness({
                                     .leader_election = leader_election,
                                     .leading = leading.load(),
                                     .leader_seen = leader_seen.load(),
                                     .synced = synced,
                                     .not_synced_reason = synced ? std::string() : ctl.not_synced_reason(),
                                 });
                               }});
    if (!started.ok()) {
      log->error("--metrics-addr {}: {}", metrics_addr, started.error);
      return 1;
    }
    http = std::move(started.server);
    const auto ep = http->local_endpoint();
    log->info("serving /metrics, /healthz, /readyz on {}:{}", ep.address().to_string(), ep.port());
  }

  std::promise<int> stop_signal;
  std::once_flag stop_once;
  auto request_stop = [&](int why) { std::call_once(stop_once, [&] { stop_signal.set_value(why); }); };
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (!ec) request_stop(sig);
  });

  // With --leader-elect the controller starts only while it holds the Lease, and exits when it
  // loses it (as client-go's controllers do: work begun as leader may still be in flight, and a
  // restart is the simple way to be sure it is not).
  if (leader_election) {
    char host[256] = {};
    (void)gethostname(host, sizeof host - 1);
    std::random_device rd;
    rolloutd::kube::leader_election_config lcfg;
    lcfg.identity = std::string(host) + "_" + std::to_string(rd() % 1000000);
    elector = std::make_unique<rolloutd::kube::leader_elector>(
        io.get_executor(),
        rolloutd::kube::make_client_lease_store(api, value_or(args, "leader-election-namespace"),
                                                "rolloutd-leader"),
        clock, lcfg,
        rolloutd::kube::leader_callbacks{
            .on_started_leading =
                [&, identity = lcfg.identity] {
                  log->info("leading as {}", identity);
                  registry.set_leader(true);
                  leading = true;
                  ctl.start();
                },
            .on_stopped_leading =
                [&] {
                  registry.set_leader(false);
                  leading = false;
                  request_stop(0);
                },
            .on_new_leader =
                [&](std::string_view holder) {
                  log->info("leader is now {}", holder);
                  if (!holder.empty()) leader_seen = true;
                },
        },
        *log);
  }

  auto guard = boost::asio::make_work_guard(io);
  std::promise<void> io_done;
  auto io_finished = io_done.get_future();
  std::thread io_thread([&] {
    io.run();
    io_done.set_value();
  });
  if (elector) {
    election = boost::asio::co_spawn(io, elector->run(), boost::asio::use_future);
  } else {
    registry.set_leader(true);  // the only instance: it leads by definition
    ctl.start();
  }

  const int sig = stop_signal.get_future().get();
  if (sig == 0) {
    log->warn("leadership lost: shutting down");
  } else {
    log->info("signal {}: shutting down", sig);
  }
  ctl.stop(std::chrono::seconds(20));
  if (elector) {
    elector->stop();  // releases the Lease now that no reconcile is in flight
    if (election.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
      log->warn("Lease not released");
  }
  beat_timer.cancel();
  auto flushed = boost::asio::co_spawn(io, events.flush(std::chrono::seconds(3)), boost::asio::use_future);
  if (flushed.wait_for(std::chrono::seconds(5)) != std::future_status::ready) log->warn("events not flushed");
  http.reset();
  guard.reset();
  // The informers end at their next suspension point; do not wait on idle connections for ever.
  if (io_finished.wait_for(std::chrono::seconds(5)) != std::future_status::ready) io.stop();
  io_thread.join();
  log->info("stopped");
  return 0;
}
