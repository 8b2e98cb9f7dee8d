#include "reconcile/work_loop.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <exception>

namespace rolloutd::reconcile {

work_loop::work_loop(boost::asio::any_io_executor executor, kube::workqueue& queue,
                     reconcile_function reconcile, spdlog::logger& log, reconcile_timing timing)
    : executor_(std::move(executor)),
      queue_(queue),
      reconcile_(std::move(reconcile)),
      log_(log),
      timing_(std::move(timing)) {
  if (timing_.clock == nullptr) timing_.on_reconciled = nullptr;
}

work_loop::~work_loop() {
  stop(std::chrono::seconds(0));
}

void work_loop::start(int workers) {
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { run_worker(); });
}

void work_loop::stop(std::chrono::steady_clock::duration budget) {
  if (workers_.empty()) return;
  if (!queue_.shut_down_with_drain_for(budget)) {
    log_.warn("shutdown: keys still in flight after the drain budget; stopping anyway");
  }
  queue_.shut_down();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void work_loop::run_worker() {
  while (auto key = queue_.get()) {
    reconcile_outcome outcome;
    const auto started = timing_.on_reconciled ? timing_.clock->now() : rolloutd::clock::time_point{};
    try {
      auto done = boost::asio::co_spawn(executor_, reconcile_(*key), boost::asio::use_future);
      outcome = done.get();
    } catch (const std::exception& e) {
      // A bug (reconcile reports expected errors as values); keep serving the other keys.
      outcome = {.failed = true, .error = std::string("unexpected exception: ") + e.what()};
    }
    if (timing_.on_reconciled) timing_.on_reconciled(timing_.clock->now() - started, outcome.failed);
    if (outcome.failed) {
      log_.warn("reconcile {} failed (retry {}): {}", *key, queue_.num_requeues(*key) + 1, outcome.error);
      queue_.add_rate_limited(*key);
    } else {
      queue_.forget(*key);
      if (outcome.requeue_after) queue_.add_after(*key, *outcome.requeue_after);
    }
    queue_.done(*key);
  }
}

std::string object_key(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  std::string key;
  key.reserve(ns.size() + name.size() + 1);
  key.append(ns).append("/").append(name);
  return key;
}

std::optional<split_key> parse_key(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) {
    if (key.empty()) return std::nullopt;
    return split_key{"", std::string(key)};
  }
  if (slash == 0 || slash + 1 == key.size() || key.find('/', slash + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return split_key{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace rolloutd::reconcile
