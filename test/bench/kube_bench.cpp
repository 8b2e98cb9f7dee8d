// Benchmarks of the API client layer against the local control plane. They print figures and
// assert nothing (run by scripts/bench, not by the test suite):
//   informer   memory per cached object and time from start to synced, for N ConfigMaps of ~1 KB
//   requests   sustained requests per second through the client's QPS/burst limiter
// Usage: kube_bench KUBECONFIG [objects=10000] [qps=20] [burst=30] [requests=400]

#include <malloc.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <string>

#include "kube/client.hpp"
#include "kube/config.hpp"
#include "kube/informer.hpp"

namespace {

using namespace rolloutd::kube;
namespace asio = boost::asio;
using seconds_d = std::chrono::duration<double>;

const resource_type configmaps{"", "v1", "configmaps", true};
const resource_type namespaces{"", "v1", "namespaces", false};

json configmap(int i) {
  json o;
  o["metadata"]["name"] = "bench-" + std::to_string(i);
  o["metadata"]["labels"] = {{"app", "bench"}, {"shard", std::to_string(i % 16)}};
  o["data"] = {{"a", std::string(400, static_cast<char>('a' + i % 26))},
               {"b", std::string(400, 'b')},
               {"c", std::string(150, 'c')}};
  return o;
}

std::size_t heap_in_use() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

// Runs `body` (a coroutine factory) `workers` times concurrently and waits for all.
template <class F>
void run_workers(asio::io_context& io, int workers, F body) {
  for (int w = 0; w < workers; ++w) asio::co_spawn(io, body(w), asio::detached);
  io.run();
  io.restart();
}

void bench_informer(asio::io_context& io, client& api, const std::string& ns, int n) {
  const auto t0 = std::chrono::steady_clock::now();
  int created = 0;
  run_workers(io, 16, [&](int w) -> asio::awaitable<void> {
    for (int i = w; i < n; i += 16) {
      json object = configmap(i);
      auto r = co_await api.create(configmaps, ns, object);
      if (r.ok() || r.error().conflict()) ++created;
    }
  });
  std::printf("setup: created %d ConfigMaps of ~1 KB in %.1f s\n", created,
              seconds_d(std::chrono::steady_clock::now() - t0).count());

  for (int page : {500, 0}) {
    const std::size_t before = heap_in_use();
    informer_options options;
    options.name = "configmaps";
    options.list_watch.page_size = page;
    auto subject =
        std::make_unique<informer>(io.get_executor(), make_client_source(api, configmaps, ns), options);
    const auto start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point synced{};
    asio::co_spawn(io, subject->run(), asio::detached);
    asio::steady_timer poll(io);
    std::function<void()> check = [&] {
      if (subject->has_synced()) {
        synced = std::chrono::steady_clock::now();
        subject->stop();
        return;
      }
      poll.expires_after(std::chrono::milliseconds(1));
      poll.async_wait([&](auto) { check(); });
    };
    check();
    io.run();
    io.restart();
    const std::size_t after = heap_in_use();
    std::printf(
        "informer (page size %s): %zu objects, synced in %.0f ms, %.0f bytes of heap per cached object\n",
        page == 0 ? "unlimited" : std::to_string(page).c_str(), subject->cache().size(),
        std::chrono::duration<double, std::milli>(synced - start).count(),
        static_cast<double>(after - before) / static_cast<double>(subject->cache().size()));
  }
}

void bench_requests(asio::io_context& io, const cluster_config& config, const std::string& ns, double qps,
                    int burst, int total) {
  rolloutd::system_clock clock;
  client_options options;
  options.qps = qps;
  options.burst = burst;
  client limited(io.get_executor(), config, options, clock);
  int ok = 0;
  const auto start = std::chrono::steady_clock::now();
  run_workers(io, 8, [&](int w) -> asio::awaitable<void> {
    for (int i = w; i < total; i += 8) {
      auto r = co_await limited.get(configmaps, ns, "bench-0");
      if (r.ok()) ++ok;
    }
  });
  const double elapsed = seconds_d(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "requests (qps %.0f, burst %d, 8 concurrent): %d/%d ok in %.2f s = %.1f req/s (limit allows %.1f)\n",
      qps, burst, ok, total, elapsed, total / elapsed, (total - burst) / elapsed + 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: kube_bench KUBECONFIG [objects=10000] [qps=20] [burst=30] [requests=400]\n");
    return 2;
  }
  const int objects = argc > 2 ? std::atoi(argv[2]) : 10000;
  const double qps = argc > 3 ? std::atof(argv[3]) : 20;
  const int burst = argc > 4 ? std::atoi(argv[4]) : 30;
  const int requests = argc > 5 ? std::atoi(argv[5]) : 400;

  rolloutd::system_clock clock;
  kubeconfig_options ko;
  ko.path = argv[1];
  auto loaded = load_kubeconfig(ko, clock);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.error.message.c_str());
    return 1;
  }
  asio::io_context io;
  client_options fast;  // setup and the informer are not what the limiter benchmark measures
  fast.qps = 0;
  client api(io.get_executor(), *loaded.value, fast, clock);
  const std::string ns = "bench-" + std::to_string(getpid());
  run_workers(io, 1, [&](int) -> asio::awaitable<void> {
    json object;
    object["metadata"]["name"] = ns;
    (void)co_await api.create(namespaces, "", object);
  });

  bench_informer(io, api, ns, objects);
  bench_requests(io, *loaded.value, ns, qps, burst, requests);

  run_workers(io, 1, [&](int) -> asio::awaitable<void> {
    delete_options options;
    (void)co_await api.remove(namespaces, "", ns, options);
  });
  return 0;
}
