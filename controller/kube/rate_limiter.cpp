#include "kube/rate_limiter.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <utility>

namespace rolloutd::kube {

exponential_failure_rate_limiter::exponential_failure_rate_limiter(clock::duration base,
                                                                   clock::duration max_delay)
    : base_(std::max(base, clock::duration::zero())), max_(std::max(max_delay, clock::duration::zero())) {}

clock::duration exponential_failure_rate_limiter::when(const std::string& key) {
  int exponent = 0;
  {
    std::lock_guard lock(mu_);
    int& failures = failures_[key];
    exponent = failures;
    // Saturate rather than overflow for a key that fails forever; its delay is long since capped.
    if (failures < INT_MAX) ++failures;
  }
  // In floating point, so a large exponent cannot overflow the integer arithmetic: the product is
  // compared with the cap before it is ever converted back to a duration.
  const double delay = static_cast<double>(base_.count()) * std::exp2(exponent);
  if (!(delay < static_cast<double>(max_.count()))) return max_;
  return clock::duration(static_cast<clock::duration::rep>(delay));
}

void exponential_failure_rate_limiter::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int exponential_failure_rate_limiter::num_requeues(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

clock::duration bucket_rate_limiter::when(const std::string&) {
  return bucket_.reserve();
}

max_of_rate_limiter::max_of_rate_limiter(std::vector<std::unique_ptr<rate_limiter>> limiters)
    : limiters_(std::move(limiters)) {}

clock::duration max_of_rate_limiter::when(const std::string& key) {
  clock::duration longest = clock::duration::zero();
  for (const auto& limiter : limiters_) longest = std::max(longest, limiter->when(key));
  return longest;
}

void max_of_rate_limiter::forget(const std::string& key) {
  for (const auto& limiter : limiters_) limiter->forget(key);
}

int max_of_rate_limiter::num_requeues(const std::string& key) const {
  int most = 0;
  for (const auto& limiter : limiters_) most = std::max(most, limiter->num_requeues(key));
  return most;
}

std::unique_ptr<rate_limiter> default_controller_rate_limiter(const clock& clock) {
  std::vector<std::unique_ptr<rate_limiter>> limiters;
  limiters.push_back(std::make_unique<exponential_failure_rate_limiter>());
  limiters.push_back(std::make_unique<bucket_rate_limiter>(bucket_rate_limiter::default_qps,
                                                           bucket_rate_limiter::default_burst, clock));
  return std::make_unique<max_of_rate_limiter>(std::move(limiters));
}

}  // namespace rolloutd::kube
