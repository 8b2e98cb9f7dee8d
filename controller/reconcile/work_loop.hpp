#pragma once

// The worker side of the controller, in the client-go sample-controller shape: N worker threads
// take keys from the workqueue and run the reconcile coroutine for each on the API client's
// executor (one thread does all I/O; the queue guarantees one key is never on two workers). A
// failed reconcile is retried with the queue's rate limiter; a success forgets the key's backoff
// and may ask to be woken again later (a timed pause, a progress deadline).

#include <spdlog/logger.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kube/clock.hpp"
#include "kube/workqueue.hpp"

namespace rolloutd::reconcile {

struct reconcile_outcome {
  bool failed = false;  // retry with backoff
  std::string error{};  // logged when failed
  std::optional<std::chrono::milliseconds> requeue_after{};
};

using reconcile_function = std::function<boost::asio::awaitable<reconcile_outcome>(std::string key)>;

// Times every reconcile for the metrics (on the worker's thread); off unless both are set.
struct reconcile_timing {
  const rolloutd::clock* clock = nullptr;
  std::function<void(rolloutd::clock::duration took, bool failed)> on_reconciled{};
};

class work_loop {
 public:
  work_loop(boost::asio::any_io_executor executor, kube::workqueue& queue, reconcile_function reconcile,
            spdlog::logger& log, reconcile_timing timing = {});
  ~work_loop();
  work_loop(const work_loop&) = delete;
  work_loop& operator=(const work_loop&) = delete;

  void start(int workers);
  // Stops taking new keys, lets keys in flight finish (at most `budget`), joins the workers.
  void stop(std::chrono::steady_clock::duration budget);

 private:
  void run_worker();

  boost::asio::any_io_executor executor_;
  kube::workqueue& queue_;
  reconcile_function reconcile_;
  spdlog::logger& log_;
  reconcile_timing timing_;
  std::vector<std::thread> workers_;
};

// "namespace/name" keys, as client-go's MetaNamespaceKeyFunc.
[[nodiscard]] std::string object_key(std::string_view ns, std::string_view name);
struct split_key {
  std::string namespace_name;
  std::string name;
};
[[nodiscard]] std::optional<split_key> parse_key(std::string_view key);

}  // namespace rolloutd::reconcile
