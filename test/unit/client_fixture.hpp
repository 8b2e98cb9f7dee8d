#pragma once

// Shared setup for client tests against fake_api_server: a CA and a server certificate for
// 127.0.0.1/localhost, a cluster_config pointing at the server, fast retry settings, and run(),
// which drives a test coroutine to completion on the test's io_context.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_api_server.hpp"
#include "kube/client.hpp"
#include "test_pki.hpp"

namespace rolloutd::testing {

// Hands out the given tokens in turn (the last one forever), like a rotating token file.
class scripted_token final : public kube::token_source {
 public:
  explicit scripted_token(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {}
  std::string token() override {
    if (tokens_.empty()) return {};
    std::string token = tokens_[std::min(next_, tokens_.size() - 1)];
    ++next_;
    return token;
  }

 private:
  std::vector<std::string> tokens_;
  std::size_t next_ = 0;
};

class client_fixture : public ::testing::Test {
 protected:
  kube::cluster_config config_for(const fake_api_server& server,
                                  const std::string& host = "127.0.0.1") const {
    kube::cluster_config config;
    config.host = host;
    config.port = server.port();
    config.server = "https://" + host + ":" + config.port;
    config.ca_pem = ca.pem().cert;
    config.source = "test";
    return config;
  }

  static kube::client_options fast_options() {
    kube::client_options options;
    options.qps = 0;  // unlimited
    options.request_timeout = std::chrono::seconds(10);
    options.max_retries = 3;
    options.initial_backoff = std::chrono::milliseconds(1);
    options.max_backoff = std::chrono::milliseconds(4);
    return options;
  }

  // Runs `body` on io, then stops the server so the io_context runs out of work.
  template <class T>
  T run(fake_api_server& server, std::function<boost::asio::awaitable<T>()> body) {
    std::optional<T> out;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          out.emplace(co_await body());
          server.stop();
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    io.run_for(std::chrono::seconds(60));  // a safety net: a finished test returns long before
    io.restart();
    if (!out) throw std::runtime_error("the test coroutine did not finish within 60 s");
    return std::move(*out);
  }

  boost::asio::io_context io;
  rolloutd::system_clock clock;
  test_ca ca{"rolloutd-test-ca"};
  pem_pair server_cert = ca.issue("kube-apiserver", {"localhost"}, {"127.0.0.1"});
};

}  // namespace rolloutd::testing
