#pragma once

// How long a key that failed must wait before it is retried. The workqueue asks when(key) on every
// add_rate_limited(key) and calls forget(key) once the key was reconciled successfully.
//
// The limiters are sans-I/O: they only compute durations (from an injected clock where time
// matters); the workqueue does the waiting. All are thread-safe, since reconcile workers call them
// concurrently.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/clock.hpp"
#include "kube/token_bucket.hpp"

namespace rolloutd::kube {

class rate_limiter {
 public:
  virtual ~rate_limiter() = default;
  // Records one more failure of key (or one more request) and returns how long to wait before
  // retrying it.
  [[nodiscard]] virtual clock::duration when(const std::string& key) = 0;
  // The key succeeded: drop what is remembered about it, so its next failure starts from scratch.
  virtual void forget(const std::string& key) = 0;
  [[nodiscard]] virtual int num_requeues(const std::string& key) const = 0;
};

// Per-key exponential backoff: base * 2^(failures so far), capped at max_delay. A key that keeps
// failing backs off on its own without slowing the others.
class exponential_failure_rate_limiter final : public rate_limiter {
 public:
  // client-go's defaults, so a reconcile loop behaves like other controllers' under errors.
  static constexpr clock::duration default_base = std::chrono::milliseconds(5);
  static constexpr clock::duration default_max = std::chrono::seconds(1000);

  explicit exponential_failure_rate_limiter(clock::duration base = default_base,
                                            clock::duration max_delay = default_max);

  [[nodiscard]] clock::duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  [[nodiscard]] int num_requeues(const std::string& key) const override;

 private:
  const clock::duration base_;
  const clock::duration max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> failures_;
};

// One token bucket shared by every key: bounds the overall retry rate, so a burst of failing keys
// (say, the API server is down) cannot turn into a retry storm. Keeps nothing per key.
class bucket_rate_limiter final : public rate_limiter {
 public:
  static constexpr double default_qps = 10;
  static constexpr int default_burst = 100;

  bucket_rate_limiter(double qps, int burst, const clock& clock) : bucket_(qps, burst, clock) {}

  [[nodiscard]] clock::duration when(const std::string& key) override;
  void forget(const std::string&) override {}
  [[nodiscard]] int num_requeues(const std::string&) const override { return 0; }

 private:
  token_bucket bucket_;
};

// The longest wait any of its limiters asks for. Every limiter is consulted on every when(), since
// each records the failure (or spends a token) whether or not its answer wins.
class max_of_rate_limiter final : public rate_limiter {
 public:
  explicit max_of_rate_limiter(std::vector<std::unique_ptr<rate_limiter>> limiters);

  [[nodiscard]] clock::duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  [[nodiscard]] int num_requeues(const std::string& key) const override;

 private:
  const std::vector<std::unique_ptr<rate_limiter>> limiters_;
};

// client-go's DefaultControllerRateLimiter: max(exponential 5 ms .. 1000 s per key, 10 qps burst
// 100 overall). The clock must outlive the limiter.
[[nodiscard]] std::unique_ptr<rate_limiter> default_controller_rate_limiter(const clock& clock);

}  // namespace rolloutd::kube
