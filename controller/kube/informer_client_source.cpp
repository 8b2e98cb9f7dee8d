// The informer's production list_watch_source: the API client, bound to one resource type and
// namespace. Kept apart from informer.cpp so that code (and tests) using the informer with another
// source do not link the client.

#include <utility>

#include "kube/informer.hpp"

namespace rolloutd::kube {

namespace {

class client_source final : public list_watch_source {
 public:
  client_source(client& api, resource_type type, std::string ns)
      : api_(api), type_(std::move(type)), ns_(std::move(ns)) {}

  boost::asio::awaitable<result<nlohmann::json>> list(const list_options& options) override {
    co_return co_await api_.list(type_, ns_, options);
  }

  boost::asio::awaitable<status> watch(const list_options& options,
                                       std::function<bool(std::string_view)> on_chunk) override {
    co_return co_await api_.watch(type_, ns_, options, std::move(on_chunk));
  }

 private:
  client& api_;
  resource_type type_;
  std::string ns_;
};

}  // namespace

std::unique_ptr<list_watch_source> make_client_source(client& api, resource_type type, std::string ns) {
  return std::make_unique<client_source>(api, std::move(type), std::move(ns));
}

}  // namespace rolloutd::kube
