#pragma once

// The per-strategy half of a reconcile. policy_reconciler does what every strategy shares (read the
// policy from the cache, parse and validate it, hash the template, gather the ReplicaSets it owns,
// resolve hash collisions) and hands a policy_snapshot to the strategy's sync function, which plans,
// performs the writes (sync_steps.hpp, service_sync.hpp) and records the status.

#include <spdlog/logger.h>

#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/rollout_policy.hpp"
#include "kube/client.hpp"
#include "kube/clock.hpp"
#include "kube/event_recorder.hpp"
#include "kube/informer_cache.hpp"
#include "reconcile/policy_status.hpp"
#include "reconcile/work_loop.hpp"
#include "strategy/rolling.hpp"

namespace rolloutd::reconcile {

struct reconciler_deps {
  kube::client& api;
  const kube::informer_cache& policies;
  const kube::informer_cache& replica_sets;
  const kube::informer_cache& services;
  kube::event_recorder* events = nullptr;  // null: events are only logged
  const rolloutd::clock& clock;
  spdlog::logger& log;
};

// One reconcile's view of its dependencies and the policy it works on.
struct sync_context {
  reconciler_deps& d;
  kube::object_reference ref;  // the policy, for events

  // Logs the event and records it through the event recorder (if any).
  void emit(const event_note& e) const;
};

// The ReplicaSets a policy controls, as the cache last saw them.
struct policy_children {
  // The one made from spec.template (absent until created; template_identity.hpp says how it is
  // recognised).
  std::optional<strategy::replica_set_state> new_replica_set;
  std::vector<strategy::replica_set_state> old_replica_sets;
  // The raw objects by name, for resourceVersion preconditions and templates.
  std::map<std::string, kube::object_ptr, std::less<>> by_name;
};

struct policy_snapshot {
  const nlohmann::json& object;  // the policy as cached
  const api::rollout_policy& policy;
  const nlohmann::json& pod_template;  // spec.template
  std::string template_hash;           // of spec.template alone: recorded on the ReplicaSet made from it
  // The pod-template-hash and name of the current template's ReplicaSet: the found one's (which
  // may predate a collision), else <hash with collisionCount mixed in> and <policy>-<hash>.
  std::string hash;
  std::string new_name;
  policy_children children;
};

boost::asio::awaitable<reconcile_outcome> sync_rolling(sync_context& c, const policy_snapshot& s,
                                                       const api::rolling_update_strategy& strategy);
boost::asio::awaitable<reconcile_outcome> sync_canary(sync_context& c, const policy_snapshot& s,
                                                      const api::canary_strategy& strategy);
boost::asio::awaitable<reconcile_outcome> sync_blue_green(sync_context& c, const policy_snapshot& s,
                                                          const api::blue_green_strategy& strategy);

}  // namespace rolloutd::reconcile
