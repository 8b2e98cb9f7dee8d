#pragma once

// When to try a request again, and after how long. Pure: the client feeds in what happened on an
// attempt and gets back a decision, so the rules are table-tested without sockets.
//
// The rules keep a retry from doing anything twice that the caller did not ask for:
// - 429: always retried (the server rejected the request without acting on it), waiting at least
//   Retry-After.
// - 5xx: only for idempotent verbs (GET, PUT, DELETE); a POST or PATCH may have been applied.
// - Connection failures and timeouts: for any verb while the request was never sent, and for
//   idempotent verbs even after it was.
// - TLS failures (certificate, protocol) and malformed responses: never; trying again cannot help.
// - Once part of a streamed body reached the caller: never; a replay would repeat it.

#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <optional>
#include <string_view>

namespace rolloutd::kube {

enum class failure_kind {
  none,             // a response arrived; see http_status
  connect,          // resolve or TCP connect failed
  tls,              // TLS handshake or certificate verification failed
  timeout,          // the request's deadline passed
  connection_lost,  // reset, EOF or broken pipe on an established connection
  malformed,        // the bytes received are not a valid HTTP response, or too large
};

struct attempt_outcome {
  unsigned http_status = 0;  // 0 when no response arrived
  failure_kind failure = failure_kind::none;
  bool request_sent = false;    // the first byte of the request was handed to the connection
  bool body_delivered = false;  // part of a streamed body already went to the caller
  std::optional<std::chrono::seconds> retry_after{};
};

struct retry_settings {
  int max_retries = 5;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(10)};
};

struct retry_decision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
};

[[nodiscard]] bool is_idempotent(boost::beast::http::verb verb);

// initial_backoff * 2^retries_done, capped at max_backoff.
[[nodiscard]] std::chrono::milliseconds backoff_delay(int retries_done, const retry_settings& settings);

// `retries_done` counts the attempts already retried (0 after the first attempt).
[[nodiscard]] retry_decision decide_retry(boost::beast::http::verb verb, const attempt_outcome& outcome,
                                          int retries_done, const retry_settings& settings);

// Retry-After in delta-seconds form; an HTTP-date or garbage gives nullopt (plain backoff then).
[[nodiscard]] std::optional<std::chrono::seconds> parse_retry_after(std::string_view header);

}  // namespace rolloutd::kube
