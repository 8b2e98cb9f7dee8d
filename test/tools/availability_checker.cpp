// availability_checker: the end-to-end scenarios' witness that a rollout never takes down the
// user's Service. It watches the Service's EndpointSlices (and, for --single-revision, the Pods of
// the namespace) through the project's own informers, samples them every --interval-ms, and writes
// one line to --out per broken rule per sample (rules in availability_rules.hpp). It prints
// "synced" on stdout once its caches hold a complete list, so a scenario can wait for it before
// starting the rollout, and a summary line on SIGTERM/SIGINT, then exits 0: the verdict is the
// --out file, empty when nothing was violated.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "availability_rules.hpp"
#include "common/args.hpp"
#include "kube/client.hpp"
#include "kube/config.hpp"
#include "kube/informer.hpp"

namespace {

namespace asio = boost::asio;
using namespace rolloutd;

const std::vector<option_spec> options = {
    {.name = "help", .short_name = 'h', .takes_value = false, .help = "show this help and exit"},
    {.name = "kubeconfig", .help = "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)"},
    {.name = "namespace", .short_name = 'n', .help = "namespace of the Service (required)"},
    {.name = "service", .help = "name of the Service (required)"},
    {.name = "out", .help = "file to write violations to, one line each (required; truncated)"},
    {.name = "interval-ms", .help = "sampling period", .default_value = "100"},
    {.name = "min", .help = "fixed floor of ready endpoints"},
    {.name = "min-file", .help = "file holding the floor, re-read at every sample (overrides --min)"},
    {.name = "single-revision",
     .takes_value = false,
     .help = "every endpoint ready and all pods on one rolloutd.io/pod-template-hash"},
    {.name = "switch-grace-ms",
     .help = "how long --single-revision tolerates a mix of hashes",
     .default_value = "1000"},
};

constexpr const char* hash_label = "rolloutd.io/pod-template-hash";

struct settings {
  std::string kubeconfig, ns, service, out, min_file;
  std::chrono::milliseconds interval{100};
  tools::checker_rules rules;
};

bool parse_ms(const std::string& text, std::chrono::milliseconds& out) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0) return false;
  out = std::chrono::milliseconds(value);
  return true;
}

// The settings, or an error message.
std::string read_settings(const parsed_args& args, settings& s) {
  auto value = [&](const char* name) {
    if (auto v = args.get(name)) return *v;
    for (const auto& o : options) {
      if (o.name == name) return o.default_value;
    }
    return std::string();
  };
  s.kubeconfig = value("kubeconfig");
  s.ns = value("namespace");
  s.service = value("service");
  s.out = value("out");
  s.min_file = value("min-file");
  if (s.ns.empty() || s.service.empty() || s.out.empty())
    return "--namespace, --service and --out are required";
  if (!parse_ms(value("interval-ms"), s.interval) || s.interval.count() == 0) return "bad --interval-ms";
  if (!parse_ms(value("switch-grace-ms"), s.rules.switch_grace)) return "bad --switch-grace-ms";
  if (args.has("min")) {
    s.rules.floor = tools::parse_floor(value("min"));
    if (!s.rules.floor) return "bad --min";
  }
  s.rules.single_revision = args.has("single-revision");
  return {};
}

std::string wall_timestamp() {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  std::snprintf(text, sizeof text, "%02d:%02d:%02d.%03lld", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ms));
  return text;
}

std::unique_ptr<kube::informer> watch(asio::any_io_executor executor, kube::client& api,
                                      kube::resource_type type, const std::string& ns, std::string selector) {
  kube::informer_options o;
  o.name = type.plural;
  o.list_watch.label_selector = std::move(selector);
  return std::make_unique<kube::informer>(executor, kube::make_client_source(api, std::move(type), ns),
                                          std::move(o));
}

class checker {
 public:
  checker(asio::io_context& io, kube::client& api, settings s)
      : io_(io), s_(std::move(s)), out_(s_.out, std::ios::trunc) {
    slices_ = watch(io.get_executor(), api, {"discovery.k8s.io", "v1", "endpointslices"}, s_.ns,
                    "kubernetes.io/service-name=" + s_.service);
    if (s_.rules.single_revision) pods_ = watch(io.get_executor(), api, {"", "v1", "pods"}, s_.ns, "");
  }

  bool opened() const { return out_.good(); }

  void start() {
    spawn(slices_->run());
    if (pods_) spawn(pods_->run());
    spawn(sample_loop());
  }

  void stop() {
    stopping_ = true;
    slices_->stop();
    if (pods_) pods_->stop();
    timer_.cancel();
    std::cout << "samples=" << state_.samples << " min_ready=" << state_.min_ready.value_or(-1)
              << " violations=" << violations_ << " longest_mix_ms=" << state_.longest_mix.count()
              << std::endl;
  }

 private:
  // The io_context is stopped only once every coroutine that uses the informers has returned, so
  // none is left suspended to be destroyed after them.
  void spawn(asio::awaitable<void> work) {
    ++running_;
    asio::co_spawn(io_, std::move(work), [this](const std::exception_ptr& e) {
      if (e) std::rethrow_exception(e);
      if (--running_ == 0) io_.stop();
    });
  }

  bool synced() const { return slices_->has_synced() && (!pods_ || pods_->has_synced()); }

  // Fixed-rate sampling: each deadline is the previous one plus the interval, so a slow sample does
  // not stretch the period.
  asio::awaitable<void> sample_loop() {
    auto next = std::chrono::steady_clock::now();
    bool announced = false;
    while (!stopping_) {
      next += s_.interval;
      timer_.expires_at(next);
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopping_) break;
      if (!synced()) continue;
      if (!announced) {
        announced = true;
        std::cout << "synced" << std::endl;
      }
      sample();
      if (std::chrono::steady_clock::now() > next + s_.interval) next = std::chrono::steady_clock::now();
    }
  }

  void sample() {
    if (!s_.min_file.empty()) {
      std::ifstream in(s_.min_file);
      std::stringstream text;
      text << in.rdbuf();
      if (auto floor = tools::parse_floor(text.str())) s_.rules.floor = floor;
    }
    std::vector<nlohmann::json> slices;
    for (const auto& slice : slices_->cache().list()) slices.push_back(*slice);
    auto hash_of = [this](std::string_view pod) -> std::optional<std::string> {
      if (!pods_) return std::nullopt;
      auto object = pods_->cache().get(s_.ns, pod);
      if (!object) return std::nullopt;
      const auto& labels =
          object->value("metadata", nlohmann::json::object()).value("labels", nlohmann::json::object());
      return labels.is_object() ? labels.value(hash_label, "") : "";
    };
    auto verdict = tools::judge_sample(s_.rules, tools::service_endpoints(slices, hash_of),
                                       std::chrono::steady_clock::now(), state_);
    for (const auto& line : verdict.violations) {
      out_ << wall_timestamp() << " " << line << "\n";
      ++violations_;
    }
    if (!verdict.violations.empty()) out_.flush();
  }

  asio::io_context& io_;
  settings s_;
  std::ofstream out_;
  std::unique_ptr<kube::informer> slices_;
  std::unique_ptr<kube::informer> pods_;
  asio::steady_timer timer_{io_};
  tools::checker_state state_;
  long violations_ = 0;
  int running_ = 0;
  bool stopping_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_args(options, std::vector<std::string>(argv + 1, argv + argc));
  if (parsed.ok() && parsed.args.has("help")) {
    std::cout << "usage: availability_checker --namespace NS --service SVC --out FILE [options]\n"
              << format_options(options);
    return 0;
  }
  settings s;
  std::string error = parsed.ok() ? read_settings(parsed.args, s) : parsed.error;
  if (!error.empty()) {
    std::cerr << "availability_checker: " << error << "\n" << format_options(options);
    return 2;
  }

  system_clock clock;
  kube::kubeconfig_options from;
  if (!s.kubeconfig.empty()) from.path = s.kubeconfig;
  auto config = kube::load_kubeconfig(from, clock);
  if (!config.ok()) {
    std::cerr << "availability_checker: " << config.error.message << "\n";
    return 2;
  }

  asio::io_context io;
  kube::client api(io.get_executor(), *config.value,
                   {.qps = 50, .burst = 100, .user_agent = "availability_checker"}, clock);
  checker check(io, api, std::move(s));
  if (!check.opened()) {
    std::cerr << "availability_checker: cannot write the --out file\n";
    return 2;
  }
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    check.stop();  // run() returns once the informers and the sampler have wound down
  });
  check.start();
  io.run();
  return 0;
}
