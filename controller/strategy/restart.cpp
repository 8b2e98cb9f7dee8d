#include "strategy/restart.hpp"

#include <algorithm>

namespace rolloutd::strategy {

namespace {

// How soon to look again while pods are being replaced.
constexpr std::chrono::seconds replacing_recheck{2};

}  // namespace

bool restart_requested(std::optional<wall_time> restart_at, std::optional<wall_time> restarted_at) {
  return restart_at && (!restarted_at || *restarted_at < *restart_at);
}

restart_plan plan_restart(const restart_input& in) {
  restart_plan out;
  if (!restart_requested(in.restart_at, in.restarted_at)) return out;
  const wall_time restart_at = *in.restart_at;
  if (restart_at > in.now) {
    out.stage = restart_stage::scheduled;
    out.recheck_after = restart_at - in.now;
    return out;
  }
  if (!in.rollout_complete) {
    out.stage = restart_stage::waiting;
    return out;
  }

  std::vector<const pod_state*> unavailable;
  std::vector<const pod_state*> available;
  std::int64_t available_now = 0;
  for (const auto& pod : in.pods) {
    const bool counts = pod.available && !pod.terminating;
    available_now += counts ? 1 : 0;
    if (pod.created >= restart_at) continue;
    ++out.remaining;
    if (pod.terminating) continue;  // already on its way out
    (counts ? available : unavailable).push_back(&pod);
  }
  if (out.remaining == 0) {
    out.stage = restart_stage::done;
    return out;
  }
  out.stage = restart_stage::replacing;
  out.recheck_after = replacing_recheck;

  auto oldest_first = [](const pod_state* a, const pod_state* b) {
    return a->created != b->created ? a->created < b->created : a->name < b->name;
  };
  std::sort(unavailable.begin(), unavailable.end(), oldest_first);
  std::sort(available.begin(), available.end(), oldest_first);
  for (const auto* pod : unavailable) out.evict.push_back(pod->name);

  const std::int64_t allowance = std::max<std::int64_t>(in.max_unavailable, 1);
  const std::int64_t floor = static_cast<std::int64_t>(in.replicas) - allowance;
  const std::int64_t budget = std::max<std::int64_t>(available_now - floor, 0);
  for (std::int64_t i = 0; i < budget && i < static_cast<std::int64_t>(available.size()); ++i) {
    out.evict.push_back(available[static_cast<std::size_t>(i)]->name);
  }
  return out;
}

}  // namespace rolloutd::strategy
