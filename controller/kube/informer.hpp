#pragma once

// An informer keeps an informer_cache of one resource type in step with the API server: it lists,
// then watches from the list's resourceVersion, resumes after failures, re-lists after a 410, and
// calls the cache's handlers for every change. All decisions are list_watch_fsm's; this is the
// thin coroutine that performs them with a list_watch_source (the API client in production, a
// script in tests) and an asio timer.
//
// Threading: run() and everything it calls (the source, the cache's writes and so the handlers)
// happen on the executor the informer was built with, which must be the client's. The cache may
// be read from any thread; has_synced() and the counters may be read from any thread; stop() may
// be called from any thread. The informer must outlive run().

#include <spdlog/logger.h>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "kube/client.hpp"
#include "kube/informer_cache.hpp"
#include "kube/list_watch_fsm.hpp"
#include "kube/result.hpp"
#include "kube/watch_stream.hpp"

namespace rolloutd::kube {

// Lists and watches one resource type (in one namespace, or all).
class list_watch_source {
 public:
  virtual ~list_watch_source() = default;
  // One page of the list.
  virtual boost::asio::awaitable<result<nlohmann::json>> list(const list_options& options) = 0;
  // Streams the watch body to on_chunk until the stream ends or on_chunk returns false; must
  // honour asio cancellation so stop() does not wait for the server.
  virtual boost::asio::awaitable<status> watch(const list_options& options,
                                               std::function<bool(std::string_view chunk)> on_chunk) = 0;
};

// The production source: `api` lists and watches `type` in `ns` ("" for all namespaces). `api`
// must outlive the source.
[[nodiscard]] std::unique_ptr<list_watch_source> make_client_source(client& api, resource_type type,
                                                                    std::string ns);

struct informer_options {
  std::string name = "informer";  // for log lines, e.g. the resource's plural
  list_watch_config list_watch{};
  cache_options cache{};
  std::size_t max_line_bytes = watch_stream::default_max_line_bytes;
  std::shared_ptr<spdlog::logger> logger{};  // null: silent
};

class informer {
 public:
  // `random` returns values in [0, 1) for backoff jitter and watch timeouts; empty means a
  // generator of the informer's own, seeded from std::random_device.
  informer(boost::asio::any_io_executor executor, std::unique_ptr<list_watch_source> source,
           informer_options options, std::function<double()> random = {});
  informer(const informer&) = delete;
  informer& operator=(const informer&) = delete;

  // Before run(); false afterwards.
  [[nodiscard]] bool add_handlers(cache_handlers handlers) {
    return cache_.add_handlers(std::move(handlers));
  }
  [[nodiscard]] const informer_cache& cache() const { return cache_; }

  // Lists, watches and keeps the cache current until stop(). Call once.
  boost::asio::awaitable<void> run();
  // Ends run() at its next suspension point, cancelling the request in flight.
  void stop();

  // True once the first complete list is in the cache (and stays true through re-lists).
  [[nodiscard]] bool has_synced() const { return synced_.load(); }
  // For metrics: full lists after the first, and watches resumed after one ended or failed.
  [[nodiscard]] std::uint64_t relists() const { return relists_.load(); }
  [[nodiscard]] std::uint64_t watch_restarts() const { return watch_restarts_.load(); }

 private:
  // One watch: drives the machine with every line and applies what it says. nullopt when stopped.
  boost::asio::awaitable<std::optional<list_watch_input>> watch_once(const list_options& options);
  boost::asio::awaitable<void> stop_requested();
  void apply(list_watch_output output, bool& closed);
  void publish_counters();

  boost::asio::any_io_executor executor_;
  std::unique_ptr<list_watch_source> source_;
  informer_options options_;
  std::mt19937_64 generator_;
  informer_cache cache_;
  list_watch_fsm fsm_;
  boost::asio::steady_timer stop_signal_;  // never expires; cancelled by stop()
  bool stopping_ = false;                  // only touched on the executor
  bool running_ = false;
  std::atomic<bool> synced_{false};
  std::atomic<std::uint64_t> relists_{0};
  std::atomic<std::uint64_t> watch_restarts_{0};
};

}  // namespace rolloutd::kube
