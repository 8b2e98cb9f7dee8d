#pragma once

// A token bucket: `qps` tokens a second, at most `burst` saved up. Used for the API client's
// request limit and the workqueue's overall rate limit. It never blocks: reserve() takes a token
// (possibly one not yet earned) and says how long the caller must wait before using it, so callers
// wait in whatever way suits them (an asio timer, a condition variable).

#include <algorithm>
#include <mutex>

#include "kube/clock.hpp"

namespace rolloutd {

class token_bucket {
 public:
  token_bucket(double qps, int burst, const clock& clock)
      : qps_(qps), burst_(std::max(burst, 1)), clock_(clock), tokens_(burst_), last_(clock.now()) {}

  // Takes one token; zero when one was available, else the time until it will have been earned.
  // qps <= 0 means unlimited.
  [[nodiscard]] clock::duration reserve() {
    if (qps_ <= 0) return clock::duration::zero();
    std::lock_guard lock(mu_);
    refill();
    tokens_ -= 1.0;
    if (tokens_ >= 0) return clock::duration::zero();
    return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(-tokens_ / qps_));
  }

 private:
  void refill() {
    auto now = clock_.now();
    double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed * qps_);
  }

  const double qps_;
  const int burst_;
  const clock& clock_;
  std::mutex mu_;
  double tokens_;
  clock::time_point last_;
};

}  // namespace rolloutd
