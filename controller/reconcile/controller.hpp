#pragma once

// The controller's wiring: informers for RolloutPolicies, the ReplicaSets rolloutd made (selected
// by the rolloutd.io/pod-template-hash label, so the cache holds no one else's) and Services (for
// the canary and blue/green strategies), in one namespace or all; event handlers that only enqueue
// the key of the policy concerned; and the work loop that reconciles those keys.
//
// Threading: the informers run on the client's executor (one thread); start() and stop() are
// called from another thread (main), and stop() needs that executor still running so reconciles in
// flight can finish.

#include <spdlog/logger.h>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kube/client.hpp"
#include "kube/event_recorder.hpp"
#include "kube/informer.hpp"
#include "kube/workqueue.hpp"
#include "reconcile/policy_reconciler.hpp"
#include "reconcile/work_loop.hpp"

namespace rolloutd::reconcile {

struct controller_options {
  std::string namespace_name;  // empty: every namespace
  int workers = 2;
  kube::workqueue_observer* queue_observer = nullptr;  // metrics; must outlive the controller
  // Metrics: told how long each reconcile took and whether it failed.
  std::function<void(rolloutd::clock::duration took, bool failed)> on_reconciled{};
};

class controller {
 public:
  controller(boost::asio::any_io_executor executor, kube::client& api, kube::event_recorder* events,
             const rolloutd::clock& clock, std::shared_ptr<spdlog::logger> log, controller_options options);
  ~controller();
  controller(const controller&) = delete;
  controller& operator=(const controller&) = delete;

  // Starts the informers and the workers. Once.
  void start();
  // Stops the workers (letting reconciles in flight finish within `budget`), then the informers.
  void stop(std::chrono::steady_clock::duration budget);
  // Every informer has completed its first list.
  [[nodiscard]] bool synced() const;
  [[nodiscard]] std::string not_synced_reason() const;

  // For observers (metrics): add handlers before start(), read caches and watch counters.
  [[nodiscard]] kube::informer& policy_informer() { return *policies_; }
  [[nodiscard]] kube::informer& replica_set_informer() { return *replica_sets_; }
  // Every informer, by resource plural.
  [[nodiscard]] std::vector<std::pair<std::string, const kube::informer*>> informers() const;

 private:
  void enqueue_owner(const kube::object_ptr& object);
  void enqueue_for_service(const kube::object_ptr& service);
  boost::asio::awaitable<void> start_workers_when_synced();

  boost::asio::any_io_executor executor_;
  std::shared_ptr<spdlog::logger> log_;
  controller_options options_;
  kube::workqueue queue_;
  std::unique_ptr<kube::informer> policies_;
  std::unique_ptr<kube::informer> replica_sets_;
  std::unique_ptr<kube::informer> services_;
  std::unique_ptr<policy_reconciler> reconciler_;
  std::unique_ptr<work_loop> loop_;
  bool started_ = false;
  std::mutex start_mutex_;  // start of the workers (executor) vs stop() (main thread)
  std::atomic<bool> stopping_{false};
};

}  // namespace rolloutd::reconcile
