#pragma once

// Shared by the leader-election and event-recorder tier-2 tests: a client for the local control
// plane, a throwaway namespace, and a way to drive coroutines from a test body.

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "kube/client.hpp"
#include "kube/config.hpp"

namespace rolloutd::kube::testing_support {

namespace asio = boost::asio;

inline const resource_type namespaces{
    .group = "", .version = "v1", .plural = "namespaces", .namespaced = false};
inline const resource_type leases{.group = "coordination.k8s.io", .version = "v1", .plural = "leases"};
inline const resource_type configmaps{.group = "", .version = "v1", .plural = "configmaps"};
inline const resource_type events{.group = "", .version = "v1", .plural = "events"};

inline std::string kubeconfig_path() {
  const char* path = std::getenv("ROLLOUTD_KUBECONFIG");
  return path != nullptr ? path : "";
}

inline std::string unique_suffix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06x", static_cast<unsigned>(rd()) & 0xffffffu);
  return buf;
}

inline std::shared_ptr<spdlog::logger> test_logger(const std::string& name) {
  auto log = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  log->set_level(spdlog::level::info);
  return log;
}

// Runs the io_context until `done` holds or `limit` passes; false on timeout.
inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::steady_clock::duration limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    io.run_for(std::chrono::milliseconds(5));
    io.restart();
  }
  return true;
}

// Runs one coroutine to completion (other work on `io` runs meanwhile). Empty on timeout.
template <class T>
std::optional<T> run_sync(asio::io_context& io, asio::awaitable<T> op,
                          std::chrono::steady_clock::duration limit = std::chrono::seconds(30)) {
  // Owned by the coroutine, so that giving up on it at the time limit leaves nothing dangling.
  auto out = std::make_shared<std::optional<T>>();
  auto body = [](std::shared_ptr<std::optional<T>> into, asio::awaitable<T> a) -> asio::awaitable<void> {
    into->emplace(co_await std::move(a));
  };
  asio::co_spawn(io, body(out, std::move(op)), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  run_until(
      io, [&] { return out->has_value(); }, limit);
  return *out;
}

// A client on the local control plane plus a namespace of its own, deleted at the end.
class api_env {
 public:
  explicit api_env(std::string namespace_prefix) {
    kubeconfig_options from;
    from.path = kubeconfig_path();
    auto loaded = load_kubeconfig(from, clock);
    if (!loaded.ok()) throw std::runtime_error("kubeconfig: " + loaded.error.message);
    config = *loaded.value;
    api = std::make_unique<client>(io.get_executor(), config, client_options{}, clock);
    namespace_name = namespace_prefix + unique_suffix();
    auto created = run_sync(io, api->create(namespaces, "", {{"metadata", {{"name", namespace_name}}}}));
    if (!created || !created->ok()) {
      throw std::runtime_error("cannot create namespace " + namespace_name + ": " +
                               (created ? created->error().message : std::string("timed out")));
    }
  }
  ~api_env() { run_sync(io, api->remove(namespaces, "", namespace_name), std::chrono::seconds(10)); }
  api_env(const api_env&) = delete;
  api_env& operator=(const api_env&) = delete;

  rolloutd::system_clock clock;
  asio::io_context io;
  cluster_config config;
  std::unique_ptr<client> api;
  std::string namespace_name;
};

}  // namespace rolloutd::kube::testing_support
