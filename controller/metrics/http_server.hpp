#pragma once

// The one HTTP listener of the controller (--metrics-addr): /metrics for Prometheus, /healthz and
// /readyz for the kubelet's probes. It runs on its own thread and io_context, so a scrape or a
// probe is answered even while reconcile workers are busy, and a slow scraper cannot hold up the
// controller.
//
// It faces the pod network, so it gives nothing away to a misbehaving client: only GET is served;
// a request must arrive whole within read_timeout (headers and body, which also bounds how long an
// idle keep-alive connection is held); a response must be written within write_timeout; requests
// above max_request_bytes are refused; a connection beyond max_connections closes the oldest one
// (so clients holding connections open cannot starve the kubelet's probes); any error closes the
// connection.
//
// Threading: the handlers run on the server's thread, one at a time; they must be thread-safe with
// respect to the rest of the program.

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "metrics/health.hpp"

namespace rolloutd {

struct http_server_options {
  std::chrono::steady_clock::duration read_timeout = std::chrono::seconds(10);
  std::chrono::steady_clock::duration write_timeout = std::chrono::seconds(10);
  std::size_t max_request_bytes = 16 * 1024;
  std::size_t max_connections = 64;
};

struct http_handlers {
  std::function<std::string()> metrics;  // the text exposition for /metrics
  std::function<probe_result()> live;    // /healthz: 200 "ok", or 500 and the reason
  std::function<probe_result()> ready;   // /readyz: 200 "ok", or 503 and the reason
};

class http_server;

struct http_server_start {
  std::unique_ptr<http_server> server{};
  std::string error{};  // why the listener could not be opened (address in use, permission, ...)

  [[nodiscard]] bool ok() const { return server != nullptr; }
};

class http_server {
 public:
  // Binds and starts serving. Every handler must be set.
  [[nodiscard]] static http_server_start start(const boost::asio::ip::tcp::endpoint& endpoint,
                                               http_handlers handlers, http_server_options options = {});
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;
  // Stops accepting, drops open connections and joins the thread.
  ~http_server();

  // The bound address: with port 0 requested, the port the kernel chose.
  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Connections currently open (for tests and diagnostics).
  [[nodiscard]] std::size_t open_connections() const;

 private:
  struct impl;
  explicit http_server(std::unique_ptr<impl> impl);

  std::unique_ptr<impl> impl_;
};

}  // namespace rolloutd
