#pragma once

// An HTTPS server on 127.0.0.1 for testing the client without a cluster: each request is answered
// by a scripted reply (status, headers, body, chunked pieces, hanging up, never answering), and the
// server records what it saw, so tests observe connection reuse, retries and request shapes.
// Everything runs on one single-threaded io_context together with the client under test.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "test_pki.hpp"

namespace rolloutd::testing {

// Wakes coroutines waiting for a condition; notify() after the condition may have changed.
class test_signal {
 public:
  explicit test_signal(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  void notify();
  // True once `predicate` holds; false when `timeout` passed first.
  boost::asio::awaitable<bool> wait_until(std::function<bool()> predicate, std::chrono::milliseconds timeout);

 private:
  boost::asio::any_io_executor executor_;
  std::list<boost::asio::steady_timer*> waiting_;
};

struct fake_request {
  std::string method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::size_t connection = 0;                  // 1 for the first accepted connection, and so on
};

struct fake_reply {
  unsigned status = 200;
  std::string body = "{}";
  std::vector<std::pair<std::string, std::string>> headers{};
  bool close = false;                 // say `Connection: close`, then close
  bool hang_up = false;               // close after replying without saying so, as an idle timeout would
  bool never_answer = false;          // read the request and say nothing
  std::vector<std::string> chunks{};  // non-empty: a chunked body of these pieces instead of `body`
  // Awaited before sending chunk i (i >= 1), so a test can hold the stream until the client reacts.
  std::function<boost::asio::awaitable<void>(std::size_t i)> before_chunk{};
};

class fake_api_server {
 public:
  using handler = std::function<fake_reply(const fake_request&)>;

  // With a non-empty client_ca_pem the server demands a client certificate signed by it.
  fake_api_server(boost::asio::any_io_executor executor, const pem_pair& certificate, handler reply,
                  const std::string& client_ca_pem = {});

  [[nodiscard]] const std::string& port() const { return port_; }
  [[nodiscard]] const std::vector<fake_request>& requests() const { return requests_; }
  [[nodiscard]] std::size_t connections_accepted() const { return accepted_; }
  [[nodiscard]] std::size_t connections_closed() const { return closed_; }
  // Wakes on every request and every closed connection.
  [[nodiscard]] test_signal& changed() { return changed_; }
  // Closes the listener and every connection, so the io_context runs out of work.
  void stop();

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);

  boost::asio::any_io_executor executor_;
  boost::asio::ssl::context tls_;
  handler reply_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string port_;
  test_signal changed_;
  std::list<boost::asio::ip::tcp::socket*> live_;
  std::vector<fake_request> requests_;
  std::size_t accepted_ = 0;
  std::size_t closed_ = 0;
};

}  // namespace rolloutd::testing
