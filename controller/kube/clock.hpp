#pragma once

// The clock is injected everywhere time matters (backoff, rate limits, leases, pauses), so tests
// drive time by hand instead of sleeping.

#include <chrono>
#include <mutex>

namespace rolloutd {

class clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  virtual ~clock() = default;
  [[nodiscard]] virtual time_point now() const = 0;
  // Wall-clock time for values written to the API (lease renewTime, status timestamps).
  [[nodiscard]] virtual std::chrono::system_clock::time_point wall_now() const = 0;
};

class system_clock final : public clock {
 public:
  [[nodiscard]] time_point now() const override { return std::chrono::steady_clock::now(); }
  [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::now();
  }
};

// A clock for tests: time moves only when advance() is called. Thread-safe.
class manual_clock final : public clock {
 public:
  [[nodiscard]] time_point now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
    std::lock_guard lock(mu_);
    return wall_ + (now_ - time_point{});
  }
  void advance(duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  time_point now_{std::chrono::hours(1)};
  std::chrono::system_clock::time_point wall_{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
};

}  // namespace rolloutd
