#include "reconcile/blue_green_input.hpp"

#include "common/saturating_time.hpp"

namespace rolloutd::reconcile {
namespace {

strategy::blue_green_operation to_operation(const std::optional<api::operation_request>& request) {
  if (!request) return strategy::blue_green_operation::none;
  switch (request->type) {
    case api::operation_type::promote:
    case api::operation_type::promote_full:
      return strategy::blue_green_operation::promote;
    case api::operation_type::abort:
      return strategy::blue_green_operation::abort;
    case api::operation_type::retry:
      return strategy::blue_green_operation::retry;
  }
  return strategy::blue_green_operation::none;
}

}  // namespace

strategy::blue_green_input make_blue_green_input(const api::rollout_policy& policy,
                                                 const api::blue_green_strategy& strategy,
                                                 blue_green_observed observed,
                                                 std::chrono::system_clock::time_point now) {
  strategy::blue_green_input in;
  in.replicas = policy.spec.replicas;
  in.paused = policy.spec.paused;
  in.auto_promotion_enabled = strategy.auto_promotion_enabled;
  in.auto_promotion_seconds = strategy.auto_promotion_seconds;
  in.preview_replica_count = strategy.preview_replica_count;
  in.scale_down_delay_seconds = strategy.scale_down_delay_seconds;
  in.abort_scale_down_delay_seconds = strategy.abort_scale_down_delay_seconds;
  in.revision_history_limit = policy.spec.revision_history_limit;
  in.active_service_name = strategy.active_service;
  in.preview_service_name = strategy.preview_service;
  in.active = std::move(observed.active);
  in.preview = std::move(observed.preview);
  in.new_hash = std::move(observed.hash);
  in.new_replica_set = std::move(observed.new_replica_set);
  in.new_replica_set_name = std::move(observed.new_replica_set_name);
  in.old_replica_sets = std::move(observed.old_replica_sets);

  const auto& status = policy.status;
  in.memory.stable_hash = status.stable_pod_hash;
  in.memory.current_hash = status.current_pod_hash;
  in.memory.aborted = status.abort;
  in.memory.promoted_hash = status.promoted_pod_hash;
  for (const auto& p : status.pause_conditions) {
    if (p.reason == api::condition_reasons::blue_green_pause)
      in.memory.pause_start = to_wall_time(p.start_time);
  }
  in.operation = to_operation(status.operation);
  in.now = now;
  return in;
}

}  // namespace rolloutd::reconcile
