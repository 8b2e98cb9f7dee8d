#include "kube/retry_policy.hpp"

#include <gtest/gtest.h>

namespace rolloutd::kube {
namespace {

namespace http = boost::beast::http;
using std::chrono::milliseconds;
using std::chrono::seconds;

const retry_settings settings{
    .max_retries = 3, .initial_backoff = milliseconds(100), .max_backoff = milliseconds(1000)};

attempt_outcome status(unsigned code, std::optional<seconds> retry_after = std::nullopt) {
  return {.http_status = code, .retry_after = retry_after};
}
attempt_outcome failed(failure_kind kind, bool sent, bool delivered = false) {
  return {.failure = kind, .request_sent = sent, .body_delivered = delivered};
}

TEST(RetryPolicy, Decisions) {
  struct row {
    std::string label;
    http::verb verb;
    attempt_outcome outcome;
    int retries_done;
    bool retry;
    milliseconds delay;
  };
  const auto get = http::verb::get, put = http::verb::put, del = http::verb::delete_;
  const auto post = http::verb::post, patch = http::verb::patch;
  const row rows[] = {
      {"404 is final", get, status(404), 0, false, milliseconds(0)},
      {"409 is final", put, status(409), 0, false, milliseconds(0)},
      {"410 is final", get, status(410), 0, false, milliseconds(0)},
      {"429 GET", get, status(429), 0, true, milliseconds(100)},
      {"429 POST: the server did not act on it", post, status(429), 0, true, milliseconds(100)},
      {"429 PATCH", patch, status(429), 1, true, milliseconds(200)},
      {"429 waits at least Retry-After", post, status(429, seconds(2)), 0, true, milliseconds(2000)},
      {"429 backoff beyond a small Retry-After", get, status(429, seconds(0)), 2, true, milliseconds(400)},
      {"429 Retry-After is clamped", get, status(429, seconds(3600)), 0, true, milliseconds(60000)},
      {"500 GET", get, status(500), 0, true, milliseconds(100)},
      {"503 PUT", put, status(503), 1, true, milliseconds(200)},
      {"504 DELETE", del, status(504), 2, true, milliseconds(400)},
      {"500 POST may have been applied", post, status(500), 0, false, milliseconds(0)},
      {"503 PATCH may have been applied", patch, status(503), 0, false, milliseconds(0)},
      {"503 POST with Retry-After still not retried", post, status(503, seconds(1)), 0, false,
       milliseconds(0)},
      {"retries exhausted", get, status(429), 3, false, milliseconds(0)},
      {"connect refused POST (never sent)", post, failed(failure_kind::connect, false), 0, true,
       milliseconds(100)},
      {"EOF before sending PATCH", patch, failed(failure_kind::connection_lost, false), 0, true,
       milliseconds(100)},
      {"EOF after sending POST", post, failed(failure_kind::connection_lost, true), 0, false,
       milliseconds(0)},
      {"reset after sending GET", get, failed(failure_kind::connection_lost, true), 1, true,
       milliseconds(200)},
      {"timeout after sending PUT", put, failed(failure_kind::timeout, true), 0, true, milliseconds(100)},
      {"timeout after sending PATCH", patch, failed(failure_kind::timeout, true), 0, false, milliseconds(0)},
      {"timeout connecting for POST", post, failed(failure_kind::timeout, false), 0, true, milliseconds(100)},
      {"TLS failure is permanent", get, failed(failure_kind::tls, false), 0, false, milliseconds(0)},
      {"malformed response", get, failed(failure_kind::malformed, true), 0, false, milliseconds(0)},
      {"stream already delivered", get, failed(failure_kind::connection_lost, true, true), 0, false,
       milliseconds(0)},
      {"backoff is capped", get, status(503), 2, true, milliseconds(400)},
  };
  for (const auto& r : rows) {
    auto decision = decide_retry(r.verb, r.outcome, r.retries_done, settings);
    EXPECT_EQ(decision.retry, r.retry) << r.label;
    if (r.retry) {
      EXPECT_EQ(decision.delay, r.delay) << r.label;
    }
  }
}

TEST(RetryPolicy, BackoffDoublesUpToTheCap) {
  const milliseconds want[] = {milliseconds(100), milliseconds(200),  milliseconds(400),
                               milliseconds(800), milliseconds(1000), milliseconds(1000)};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(backoff_delay(i, settings), want[i]) << i;
  EXPECT_EQ(backoff_delay(1000, settings), milliseconds(1000));  // no overflow after many retries
}

TEST(RetryPolicy, ZeroRetriesNeverRetries) {
  retry_settings none = settings;
  none.max_retries = 0;
  EXPECT_FALSE(decide_retry(http::verb::get, status(429), 0, none).retry);
}

TEST(RetryPolicy, IdempotentVerbs) {
  EXPECT_TRUE(is_idempotent(http::verb::get));
  EXPECT_TRUE(is_idempotent(http::verb::put));
  EXPECT_TRUE(is_idempotent(http::verb::delete_));
  EXPECT_FALSE(is_idempotent(http::verb::post));
  EXPECT_FALSE(is_idempotent(http::verb::patch));
}

TEST(RetryPolicy, ParseRetryAfter) {
  const std::pair<std::string, std::optional<seconds>> rows[] = {
      {"1", seconds(1)},       {" 30 ", seconds(30)},
      {"0", seconds(0)},       {"99999999999999999999999", seconds(60)},  // clamped, not overflowed
      {"", std::nullopt},      {"-1", std::nullopt},
      {"1.5", std::nullopt},   {"Wed, 21 Oct 2015 07:28:00 GMT", std::nullopt},
      {"12abc", std::nullopt},
  };
  for (const auto& [header, want] : rows) EXPECT_EQ(parse_retry_after(header), want) << header;
}

}  // namespace
}  // namespace rolloutd::kube
