#include "strategy/canary_services.hpp"

#include <algorithm>

#include "strategy/canary.hpp"

namespace rolloutd::strategy {
namespace {

pin_target observed_pods(const canary_input& in, const std::string& hash) {
  if (in.new_replica_set && in.new_replica_set->hash == hash) {
    return {hash, in.new_replica_set->spec_replicas, in.new_replica_set->available_replicas};
  }
  for (const auto& rs : in.old_replica_sets) {
    if (rs.hash == hash && !rs.being_deleted) return {hash, rs.spec_replicas, rs.available_replicas};
  }
  return {hash, 0, 0};
}

}  // namespace

std::string choose_pin(const pinned_service& service, const pin_target& want) {
  if (!service.named || want.hash.empty() || service.pinned_hash == want.hash) return want.hash;
  if (want.available_replicas <= 0) return service.pinned_hash;
  const bool adopting = !service.managed || service.pinned_hash.empty();
  if (adopting && want.available_replicas < want.spec_replicas) return service.pinned_hash;
  return want.hash;
}

bool abort_waits_behind_canary_service(const canary_input& in) {
  return in.abort_scale_down_delay.count() > 0 && in.service.named && in.canary_service.named;
}

canary_pins plan_pins(const canary_input& in, const std::string& stable_hash, bool aborted,
                      std::int32_t max_unavailable, std::int32_t canary_size) {
  canary_pins out;
  const auto stable = observed_pods(in, stable_hash);
  out.stable = choose_pin(in.stable_service, stable);

  // Kept until the canary is seen without pods, so none is ever back behind the user's Service
  // between its scale-down and the ReplicaSet controller removing it.
  const auto& canary = in.new_replica_set;
  const bool canary_waits =
      aborted && abort_waits_behind_canary_service(in) && canary && canary->spec_replicas > 0;
  if (canary_waits) {
    const bool pinned = in.service.managed && in.service.pinned_hash == stable_hash;
    // Pinning it needs a stable fully back (replicas available), keeping it the floor.
    const std::int32_t need = pinned ? in.replicas - max_unavailable : in.replicas;
    if (stable.available_replicas >= need) out.service = stable_hash;
  }
  // Shown while it keeps available pods after this sync's writes (without room beside the stable,
  // or once its deadline is up, it keeps none).
  const bool canary_shown = canary_waits && std::min(canary->available_replicas, canary_size) > 0 &&
                            !(canary->scale_down_deadline && *canary->scale_down_deadline <= in.now);
  out.canary =
      choose_pin(in.canary_service, observed_pods(in, !aborted || canary_shown ? in.hash : stable_hash));
  return out;
}

}  // namespace rolloutd::strategy
