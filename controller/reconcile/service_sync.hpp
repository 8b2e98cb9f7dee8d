#pragma once

// Brings the Services a strategy names to what it wants (service_patch.hpp), and lets go of the
// Services this policy manages but no longer names. A named Service that does not exist, or that
// another policy manages, is reported rather than created or taken over; the Services informer
// re-queues the policy when one appears or changes.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "reconcile/service_patch.hpp"
#include "reconcile/strategy_sync.hpp"

namespace rolloutd::reconcile {

struct service_sync_outcome {
  std::vector<std::string> missing{};  // named, but not in the namespace
  std::vector<std::string> foreign{};  // named, but managed by another policy (left alone)
  bool changed = false;                // at least one Service was patched
  bool requeue = false;                // a write lost a race; look again soon
  std::string error{};                 // a write failed otherwise

  [[nodiscard]] bool ok() const { return error.empty() && !requeue; }
  // "Service hello-canary not found; Service hello managed by policy other", or "".
  [[nodiscard]] std::string problem() const;
};

boost::asio::awaitable<service_sync_outcome> sync_services(sync_context& c, std::string_view ns,
                                                           std::string_view policy_name,
                                                           const std::vector<service_target>& targets);

// Releases every Service in `ns` that `policy_name` manages (the policy is gone or names none).
boost::asio::awaitable<service_sync_outcome> release_services(sync_context& c, std::string_view ns,
                                                              std::string_view policy_name);

}  // namespace rolloutd::reconcile
