#include "reconcile/replica_failure.hpp"

namespace rolloutd::reconcile {

void set_replica_failure(api::rollout_status& s,
                         const std::optional<strategy::replica_set_state>& new_replica_set,
                         const std::vector<strategy::replica_set_state>& old_replica_sets,
                         std::int64_t generation, api::timestamp now) {
  const strategy::replica_set_state* failing = nullptr;
  if (new_replica_set && !new_replica_set->replica_failure_reason.empty()) failing = &*new_replica_set;
  for (const auto& rs : old_replica_sets) {
    if (failing == nullptr && !rs.replica_failure_reason.empty()) failing = &rs;
  }
  if (failing == nullptr) {
    api::remove_condition(s.conditions, replica_failure_condition);
    return;
  }
  auto c = api::make_condition(replica_failure_condition, api::condition_statuses::true_,
                               failing->replica_failure_reason, failing->replica_failure_message, now);
  c.observed_generation = generation;
  api::set_condition(s.conditions, std::move(c));
}

}  // namespace rolloutd::reconcile
