#pragma once

// The three calls leader election makes on its one Lease. An interface so the elector's shell can
// be tested against a fake without sockets; make_client_lease_store is the real one.
//
// Shared ownership on purpose: a request the elector stopped waiting for (its renew deadline passed
// first) keeps running to completion and holds the store until then.

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "kube/result.hpp"

namespace rolloutd::kube {

class client;

class lease_store {
 public:
  virtual ~lease_store() = default;
  virtual boost::asio::awaitable<result<nlohmann::json>> get() = 0;
  virtual boost::asio::awaitable<result<nlohmann::json>> create(nlohmann::json lease) = 0;
  // PUT with lease.metadata.resourceVersion: another writer in between gives conflict().
  virtual boost::asio::awaitable<result<nlohmann::json>> update(nlohmann::json lease) = 0;
  [[nodiscard]] virtual const std::string& namespace_name() const = 0;
  [[nodiscard]] virtual const std::string& name() const = 0;
};

// `api` must outlive every request the store starts (in practice: the io_context's run()).
[[nodiscard]] std::shared_ptr<lease_store> make_client_lease_store(client& api, std::string namespace_name,
                                                                   std::string name);

}  // namespace rolloutd::kube
