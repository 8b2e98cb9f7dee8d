#include "reconcile/restart_sync.hpp"

#include <algorithm>

#include "common/saturating_time.hpp"
#include "reconcile/pods.hpp"
#include "strategy/restart.hpp"

namespace rolloutd::reconcile {

namespace {

using boost::asio::awaitable;

const kube::resource_type& pods_resource() {
  static const kube::resource_type t{"", "v1", "pods", true};
  return t;
}

std::optional<strategy::wall_time> wall(const std::optional<api::timestamp>& t) {
  if (!t) return std::nullopt;
  return to_wall_time(*t);
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

awaitable<restart_outcome> sync_restart(sync_context& c, const policy_snapshot& s,
                                        std::int32_t max_unavailable, bool rollout_complete) {
  restart_outcome out;
  const auto& spec = s.policy.spec;
  const auto& status = s.policy.status;
  strategy::restart_input in;
  in.restart_at = wall(spec.restart_at);
  in.restarted_at = wall(status.restarted_at);
  in.now = c.d.clock.wall_now();
  in.replicas = spec.replicas;
  in.max_unavailable = max_unavailable;
  in.rollout_complete = rollout_complete;

  // Only a restart that is due and can act needs the pods.
  const bool needs_pods = strategy::restart_requested(in.restart_at, in.restarted_at) &&
                          *in.restart_at <= in.now && rollout_complete;
  if (needs_pods) {
    kube::list_options options;
    options.label_selector = spec.selector.to_string();
    const auto& ns = s.policy.metadata.namespace_name;
    auto listed = co_await c.d.api.list(pods_resource(), ns, options);
    if (!listed.ok()) {
      out.error = "list pods for restart: " + listed.error().message;
      co_return out;
    }
    const auto items = listed->find("items");
    if (items != listed->end() && items->is_array()) {
      for (const auto& item : *items) {
        auto pod = observe_pod(item, spec.min_ready_seconds, in.now);
        // Only pods of the policy's own ReplicaSets: the selector may match others' pods.
        if (pod && s.children.by_name.contains(pod->replica_set)) in.pods.push_back(std::move(pod->state));
      }
    }
  }

  const auto plan = strategy::plan_restart(in);
  out.recheck_after = plan.recheck_after;
  if (plan.stage == strategy::restart_stage::done) {
    out.restarted_at = spec.restart_at;
    out.events.push_back(
        {kube::event_type::normal, "RestartCompleted",
         "every pod was created after spec.restartAt " + api::format_timestamp(*spec.restart_at)});
    co_return out;
  }
  std::vector<std::string> evicted;
  for (const auto& name : plan.evict) {
    const auto& ns = s.policy.metadata.namespace_name;
    auto r = co_await c.d.api.evict(ns, name);
    if (r.ok() || r.error().not_found()) {
      evicted.push_back(name);
      continue;
    }
    // 429: a PodDisruptionBudget allows no disruption now; the recheck tries again.
    c.d.log.info("{}/{}: restart: eviction of pod {} refused: {}", ns, s.policy.metadata.name, name,
                 r.error().message);
    break;
  }
  if (!evicted.empty()) {
    out.events.push_back({kube::event_type::normal, "RestartingPods",
                          "evicted " + joined(evicted) + " (created before spec.restartAt); " +
                              std::to_string(plan.remaining - static_cast<std::int32_t>(evicted.size())) +
                              " more to replace"});
  }
  co_return out;
}

void record_restart(status_decision& d, const restart_outcome& r) {
  if (r.restarted_at) d.status.restarted_at = r.restarted_at;
  d.events.insert(d.events.end(), r.events.begin(), r.events.end());
  auto recheck = r.recheck_after;
  if (!r.error.empty()) recheck = std::chrono::seconds(5);
  if (recheck) d.recheck_after = d.recheck_after ? std::min(*d.recheck_after, *recheck) : *recheck;
}

}  // namespace rolloutd::reconcile
