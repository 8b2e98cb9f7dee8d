#pragma once

// One HTTP/1.1 exchange with the API server over TLS, on a kept-alive connection when one is idle.
// Knows nothing about Kubernetes: the client builds the request and decides about retries.
//
// Connections: an exchange takes the most recently used idle connection (after checking that the
// server has not closed it meanwhile) or opens a new one. Afterwards the connection goes back to
// the pool only when the response was read completely and the server did not ask to close it; a
// failed, abandoned or `Connection: close` connection is dropped. Every step (connect, handshake,
// write, read) is bounded by the exchange's deadline, except name resolution: asio cannot cancel
// getaddrinfo, so a host name is bounded by the system resolver's own timeouts (IP addresses, as
// in-cluster and most kubeconfigs use, are not resolved at all).
//
// Threading: as the client, one executor running on one thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kube/clock.hpp"
#include "kube/config.hpp"
#include "kube/retry_policy.hpp"

namespace rolloutd::kube {

struct transport_options {
  std::size_t max_idle_connections = 8;
  std::size_t max_body_bytes = std::size_t{256} << 20;  // bodies kept in memory; streams are unlimited
  std::chrono::seconds max_idle_time{90};               // older idle connections are not reused
};

struct http_response {
  unsigned status = 0;
  std::optional<std::chrono::seconds> retry_after{};
  std::vector<std::string> warnings{};  // the texts of its Warning headers
  std::string body{};                   // empty when the body was streamed to the caller
};

struct transport_failure {
  failure_kind kind = failure_kind::connection_lost;
  bool request_sent = false;
  bool body_delivered = false;
  std::string message{};
};

using exchange_result = std::variant<http_response, transport_failure>;

// Receives body pieces as they arrive; returns false to stop reading (the connection is dropped).
using body_sink = std::function<bool(std::string_view piece)>;
// Told the status as soon as the response headers are read (before the body), so a caller can time
// a stream's start, which a stream's end says nothing about.
using header_sink = std::function<void(unsigned status)>;

class http_transport {
 public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  // `tls` and `clock` must outlive the transport.
  http_transport(boost::asio::any_io_executor executor, const cluster_config& config,
                 boost::asio::ssl::context& tls, const rolloutd::clock& clock,
                 transport_options options = {});
  ~http_transport();
  http_transport(const http_transport&) = delete;
  http_transport& operator=(const http_transport&) = delete;

  // Sends `req` and reads the response by `deadline`. With `stream_2xx`, the body of a 2xx
  // response goes to it piece by piece instead of into http_response::body. With `on_headers`, it
  // is called once the response headers are in.
  boost::asio::awaitable<exchange_result> exchange(const request& req,
                                                   std::chrono::steady_clock::time_point deadline,
                                                   const body_sink* stream_2xx = nullptr,
                                                   const header_sink* on_headers = nullptr);

  [[nodiscard]] std::size_t idle_connections() const { return idle_.size(); }
  [[nodiscard]] std::size_t connections_opened() const { return connections_opened_; }

 private:
  struct connection;
  using open_result = std::variant<std::unique_ptr<connection>, transport_failure>;

  std::unique_ptr<connection> take_idle();
  void give_back(std::unique_ptr<connection> conn);
  boost::asio::awaitable<open_result> open(std::chrono::steady_clock::time_point deadline);
  boost::asio::awaitable<exchange_result> read_response(connection& conn, const body_sink* stream_2xx,
                                                        const header_sink* on_headers, bool& reusable);

  boost::asio::any_io_executor executor_;
  const cluster_config& config_;
  boost::asio::ssl::context& tls_;
  const rolloutd::clock& clock_;
  transport_options options_;
  std::vector<std::unique_ptr<connection>> idle_;  // most recently used last
  std::size_t connections_opened_ = 0;
};

}  // namespace rolloutd::kube
