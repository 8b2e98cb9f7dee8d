#include "kube/token_bucket.hpp"

#include <gtest/gtest.h>

namespace rolloutd {
namespace {

using std::chrono::milliseconds;

TEST(TokenBucket, BurstThenPacedAtQps) {
  manual_clock clock;
  token_bucket bucket(10, 3, clock);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.reserve(), clock::duration::zero()) << i;
  EXPECT_EQ(std::chrono::round<milliseconds>(bucket.reserve()), milliseconds(100));
  EXPECT_EQ(std::chrono::round<milliseconds>(bucket.reserve()), milliseconds(200));
  clock.advance(milliseconds(200));  // both reserved tokens are now earned; the bucket is empty
  EXPECT_EQ(std::chrono::round<milliseconds>(bucket.reserve()), milliseconds(100));
}

TEST(TokenBucket, SavesAtMostBurst) {
  manual_clock clock;
  token_bucket bucket(1, 2, clock);
  clock.advance(std::chrono::hours(1));
  EXPECT_EQ(bucket.reserve(), clock::duration::zero());
  EXPECT_EQ(bucket.reserve(), clock::duration::zero());
  EXPECT_GT(bucket.reserve(), clock::duration::zero());
}

TEST(TokenBucket, ZeroQpsIsUnlimited) {
  manual_clock clock;
  token_bucket bucket(0, 1, clock);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(bucket.reserve(), clock::duration::zero());
}

}  // namespace
}  // namespace rolloutd
