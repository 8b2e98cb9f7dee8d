#pragma once

// Where event_recorder writes Events. An interface so the recorder's shell can be tested against
// a fake; make_client_event_sink is the real one. Shared ownership on purpose: writes in flight
// keep the sink alive after the recorder has gone.

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "kube/result.hpp"

namespace rolloutd::kube {

class client;

class event_sink {
 public:
  virtual ~event_sink() = default;
  virtual boost::asio::awaitable<result<nlohmann::json>> create(std::string namespace_name,
                                                                nlohmann::json event) = 0;
  virtual boost::asio::awaitable<result<nlohmann::json>> patch(std::string namespace_name, std::string name,
                                                               nlohmann::json merge_patch) = 0;
};

// core/v1 events through `api`, which must outlive every write (in practice: the io_context's run()).
[[nodiscard]] std::shared_ptr<event_sink> make_client_event_sink(client& api);

}  // namespace rolloutd::kube
