// The event_sink that writes core/v1 Events through kube::client.

#include "kube/client.hpp"
#include "kube/event_sink.hpp"

namespace rolloutd::kube {
namespace {

class client_event_sink final : public event_sink {
 public:
  explicit client_event_sink(client& api) : api_(api) {}

  boost::asio::awaitable<result<json>> create(std::string namespace_name, json event) override {
    co_return co_await api_.create(type_, namespace_name, event);
  }

  boost::asio::awaitable<result<json>> patch(std::string namespace_name, std::string name,
                                             json merge_patch) override {
    co_return co_await api_.patch(type_, namespace_name, name, patch_type::json_merge, merge_patch);
  }

 private:
  client& api_;
  const resource_type type_{.group = "", .version = "v1", .plural = "events"};
};

}  // namespace

std::shared_ptr<event_sink> make_client_event_sink(client& api) {
  return std::make_shared<client_event_sink>(api);
}

}  // namespace rolloutd::kube
