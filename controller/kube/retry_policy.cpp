#include "kube/retry_policy.hpp"

#include <algorithm>
#include <charconv>

namespace rolloutd::kube {

namespace http = boost::beast::http;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// A Retry-After far in the future is more likely a broken header than a plan; waiting at most
// this long keeps the client responsive.
constexpr seconds max_retry_after{60};

bool retryable_status(http::verb verb, unsigned status) {
  if (status == 429) return true;
  return status >= 500 && status <= 599 && is_idempotent(verb);
}

bool retryable_failure(http::verb verb, const attempt_outcome& outcome) {
  switch (outcome.failure) {
    case failure_kind::connect:
    case failure_kind::timeout:
    case failure_kind::connection_lost:
      return !outcome.request_sent || is_idempotent(verb);
    case failure_kind::none:
    case failure_kind::tls:
    case failure_kind::malformed:
      return false;
  }
  return false;
}

}  // namespace

bool is_idempotent(http::verb verb) {
  return verb == http::verb::get || verb == http::verb::put || verb == http::verb::delete_;
}

milliseconds backoff_delay(int retries_done, const retry_settings& settings) {
  milliseconds delay = std::max(settings.initial_backoff, milliseconds(0));
  for (int i = 0; i < retries_done && delay < settings.max_backoff; ++i) delay *= 2;
  return std::min(delay, settings.max_backoff);
}

retry_decision decide_retry(http::verb verb, const attempt_outcome& outcome, int retries_done,
                            const retry_settings& settings) {
  if (retries_done >= settings.max_retries || outcome.body_delivered) return {};
  bool retry = outcome.failure == failure_kind::none ? retryable_status(verb, outcome.http_status)
                                                     : retryable_failure(verb, outcome);
  if (!retry) return {};
  milliseconds delay = backoff_delay(retries_done, settings);
  if (outcome.retry_after) {
    // At least what the server asked for, but keep backing off when it keeps asking for little.
    delay = std::max(delay, milliseconds(std::clamp(*outcome.retry_after, seconds(0), max_retry_after)));
  }
  return {true, delay};
}

std::optional<seconds> parse_retry_after(std::string_view header) {
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  if (header.empty()) return std::nullopt;
  long long value = 0;
  auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), value);
  if (ec == std::errc::result_out_of_range && end == header.data() + header.size()) return max_retry_after;
  if (ec != std::errc() || end != header.data() + header.size() || value < 0) return std::nullopt;
  return seconds(std::min<long long>(value, max_retry_after.count()));
}

}  // namespace rolloutd::kube
