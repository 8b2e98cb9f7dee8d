#pragma once

// Tier-2 client tests against the local control plane: loads ROLLOUTD_KUBECONFIG with the
// project's loader, makes a client, and gives each test its own namespace (t-transport-...),
// deleted afterwards. await() drives one operation to completion on the test's io_context, so
// test bodies read as straight-line code.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "kube/client.hpp"
#include "kube/config.hpp"

namespace rolloutd::testing {

class cluster_test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A client for `config` (tests vary the loaded configuration), sharing this test's io_context.
  [[nodiscard]] std::unique_ptr<kube::client> make_client(const kube::cluster_config& config);

  template <class T>
  T await(boost::asio::awaitable<T> operation) {
    std::optional<T> out;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(operation)); },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    // Until this operation is done; others spawned by the test (a watch) may still be pending.
    // Bounded by the client's own deadlines.
    io.restart();
    while (!out && io.run_one() > 0) {
    }
    if (!out) throw std::logic_error("the operation did not complete");
    return std::move(*out);
  }

  boost::asio::io_context io;
  rolloutd::system_clock clock;
  std::optional<kube::cluster_config> config;
  std::unique_ptr<kube::client> client;
  std::string ns;  // this test's namespace
};

}  // namespace rolloutd::testing
