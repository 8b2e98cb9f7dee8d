// The lease_store that goes to the API server through kube::client.

#include "kube/client.hpp"
#include "kube/lease_store.hpp"

namespace rolloutd::kube {
namespace {

class client_lease_store final : public lease_store {
 public:
  client_lease_store(client& api, std::string namespace_name, std::string name)
      : api_(api), namespace_(std::move(namespace_name)), name_(std::move(name)) {}

  boost::asio::awaitable<result<json>> get() override {
    co_return co_await api_.get(type_, namespace_, name_);
  }

  boost::asio::awaitable<result<json>> create(json lease) override {
    co_return co_await api_.create(type_, namespace_, lease);
  }

  boost::asio::awaitable<result<json>> update(json lease) override {
    co_return co_await api_.update(type_, namespace_, lease);
  }

  [[nodiscard]] const std::string& namespace_name() const override { return namespace_; }
  [[nodiscard]] const std::string& name() const override { return name_; }

 private:
  client& api_;
  const resource_type type_{.group = "coordination.k8s.io", .version = "v1", .plural = "leases"};
  std::string namespace_;
  std::string name_;
};

}  // namespace

std::shared_ptr<lease_store> make_client_lease_store(client& api, std::string namespace_name,
                                                     std::string name) {
  return std::make_shared<client_lease_store>(api, std::move(namespace_name), std::move(name));
}

}  // namespace rolloutd::kube
