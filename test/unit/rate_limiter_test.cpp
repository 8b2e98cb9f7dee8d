#include "kube/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <map>

namespace rolloutd::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ExponentialFailureRateLimiter, DoublesPerFailureFromBaseUpToTheCap) {
  exponential_failure_rate_limiter limiter;  // client-go defaults: 5 ms, capped at 1000 s
  // 5 ms * 2^17 = 655.36 s is the last delay under the cap; 5 ms * 2^18 = 1310.72 s is capped.
  for (int failure = 0; failure < 30; ++failure) {
    const clock::duration expected =
        failure <= 17 ? clock::duration(milliseconds(5) * (1L << failure)) : clock::duration(seconds(1000));
    EXPECT_EQ(limiter.when("ns/a"), expected) << "failure " << failure;
    EXPECT_EQ(limiter.num_requeues("ns/a"), failure + 1);
  }
}

TEST(ExponentialFailureRateLimiter, EndlessFailuresStayAtTheCapWithoutOverflow) {
  exponential_failure_rate_limiter limiter(milliseconds(1), seconds(7));
  // Far past the point where 2^failures overflows any integer type (or a double's exponent).
  for (int failure = 0; failure < 5000; ++failure) (void)limiter.when("ns/a");
  EXPECT_EQ(limiter.when("ns/a"), seconds(7));
  EXPECT_EQ(limiter.num_requeues("ns/a"), 5001);
}

TEST(ExponentialFailureRateLimiter, KeysBackOffIndependently) {
  exponential_failure_rate_limiter limiter(milliseconds(10), seconds(100));
  (void)limiter.when("ns/a");
  (void)limiter.when("ns/a");
  EXPECT_EQ(limiter.when("ns/a"), milliseconds(40));
  EXPECT_EQ(limiter.when("ns/b"), milliseconds(10));
  EXPECT_EQ(limiter.num_requeues("ns/a"), 3);
  EXPECT_EQ(limiter.num_requeues("ns/b"), 1);
  EXPECT_EQ(limiter.num_requeues("ns/never-failed"), 0);
}

TEST(ExponentialFailureRateLimiter, ForgetStartsTheKeyFromBaseAgain) {
  exponential_failure_rate_limiter limiter(milliseconds(10), seconds(100));
  for (int i = 0; i < 4; ++i) (void)limiter.when("ns/a");
  (void)limiter.when("ns/b");
  limiter.forget("ns/a");
  EXPECT_EQ(limiter.num_requeues("ns/a"), 0);
  EXPECT_EQ(limiter.when("ns/a"), milliseconds(10));
  EXPECT_EQ(limiter.num_requeues("ns/b"), 1) << "forgetting one key must not touch another";
}

TEST(BucketRateLimiter, BurstIsFreeThenPacedAtQpsAcrossAllKeys) {
  manual_clock clock;
  bucket_rate_limiter limiter(10, 3, clock);
  EXPECT_EQ(limiter.when("ns/a"), clock::duration::zero());
  EXPECT_EQ(limiter.when("ns/b"), clock::duration::zero());
  EXPECT_EQ(limiter.when("ns/c"), clock::duration::zero());
  EXPECT_EQ(std::chrono::round<milliseconds>(limiter.when("ns/d")), milliseconds(100));
  EXPECT_EQ(std::chrono::round<milliseconds>(limiter.when("ns/a")), milliseconds(200));
  EXPECT_EQ(limiter.num_requeues("ns/a"), 0) << "the bucket keeps nothing per key";
}

// Answers a fixed delay and counts what it was asked, to see that max-of consults everyone.
class fixed_rate_limiter final : public rate_limiter {
 public:
  explicit fixed_rate_limiter(clock::duration delay) : delay_(delay) {}
  clock::duration when(const std::string& key) override {
    ++requeues_[key];
    return delay_;
  }
  void forget(const std::string& key) override { requeues_.erase(key); }
  int num_requeues(const std::string& key) const override {
    auto it = requeues_.find(key);
    return it == requeues_.end() ? 0 : it->second;
  }

 private:
  clock::duration delay_;
  std::map<std::string, int> requeues_;
};

TEST(MaxOfRateLimiter, AnswersTheLongestAndConsultsEveryLimiter) {
  struct row {
    clock::duration first;
    clock::duration second;
    clock::duration expected;
  };
  const row rows[] = {
      {milliseconds(5), seconds(2), seconds(2)},
      {seconds(3), milliseconds(1), seconds(3)},
      {clock::duration::zero(), clock::duration::zero(), clock::duration::zero()},
  };
  for (const auto& r : rows) {
    std::vector<std::unique_ptr<rate_limiter>> parts;
    auto first = std::make_unique<fixed_rate_limiter>(r.first);
    auto second = std::make_unique<fixed_rate_limiter>(r.second);
    const auto* first_view = first.get();
    const auto* second_view = second.get();
    parts.push_back(std::move(first));
    parts.push_back(std::move(second));
    max_of_rate_limiter limiter(std::move(parts));
    EXPECT_EQ(limiter.when("ns/a"), r.expected);
    EXPECT_EQ(first_view->num_requeues("ns/a"), 1) << "the losing limiter must still record the failure";
    EXPECT_EQ(second_view->num_requeues("ns/a"), 1);
  }
}

TEST(MaxOfRateLimiter, ForgetReachesEveryLimiterAndRequeuesIsTheMost) {
  std::vector<std::unique_ptr<rate_limiter>> parts;
  parts.push_back(std::make_unique<exponential_failure_rate_limiter>(milliseconds(1), seconds(1)));
  parts.push_back(std::make_unique<fixed_rate_limiter>(milliseconds(1)));
  max_of_rate_limiter limiter(std::move(parts));
  for (int i = 0; i < 3; ++i) (void)limiter.when("ns/a");
  EXPECT_EQ(limiter.num_requeues("ns/a"), 3);
  limiter.forget("ns/a");
  EXPECT_EQ(limiter.num_requeues("ns/a"), 0);
  EXPECT_EQ(limiter.when("ns/a"), milliseconds(1));
}

TEST(DefaultControllerRateLimiter, PerKeyBackoffUntilTheOverallBucketRunsDry) {
  manual_clock clock;
  auto limiter = default_controller_rate_limiter(clock);
  // One key failing repeatedly: its own backoff governs while the bucket's burst of 100 lasts.
  for (int failure = 0; failure < 10; ++failure) {
    EXPECT_EQ(limiter->when("ns/hot"), milliseconds(5) * (1 << failure)) << "failure " << failure;
  }
  // Many keys failing once each: 5 ms apiece until the burst is spent, then 10 qps for everyone.
  for (int key = 0; key < 90; ++key) EXPECT_EQ(limiter->when("ns/k" + std::to_string(key)), milliseconds(5));
  EXPECT_EQ(std::chrono::round<milliseconds>(limiter->when("ns/late")), milliseconds(100));
  EXPECT_EQ(std::chrono::round<milliseconds>(limiter->when("ns/later")), milliseconds(200));
  // A success resets the key's backoff but not the overall bucket.
  limiter->forget("ns/hot");
  EXPECT_EQ(limiter->num_requeues("ns/hot"), 0);
  EXPECT_EQ(std::chrono::round<milliseconds>(limiter->when("ns/hot")), milliseconds(300));
}

}  // namespace
}  // namespace rolloutd::kube
