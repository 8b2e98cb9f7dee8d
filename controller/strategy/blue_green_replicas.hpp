#pragma once

// The blue/green planner's working copy of the policy's ReplicaSets: what it asks about them (is a
// revision at full size with every pod available, does it still have pods) and every write it
// decides, recorded as an action and applied to the copy so later decisions in the same sync see
// it. Pure; used only by plan_blue_green.
//
// At most one write per ReplicaSet per sync: each write carries the resourceVersion observed, so a
// second one would fail with a conflict. A write that would be the second is left for the next sync
// (the first one's watch event brings it), and the copy is not changed, so nothing is decided on a
// write that was not made.

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "strategy/blue_green.hpp"

namespace rolloutd::strategy {

class replica_set_book {
 public:
  explicit replica_set_book(const blue_green_input& in);

  [[nodiscard]] const replica_set_state* find(std::string_view hash) const;
  [[nodiscard]] const replica_set_state* green() const { return green_ ? &*green_ : nullptr; }

  [[nodiscard]] bool has_pods(std::string_view hash) const;  // spec.replicas > 0, as planned
  [[nodiscard]] std::int32_t available(std::string_view hash) const;
  // At `size` (as planned) with every pod available, status current, not being deleted.
  [[nodiscard]] bool saturated(std::string_view hash, std::int32_t size) const;
  // Every ReplicaSet but `hash` has no pods, planned or still running.
  [[nodiscard]] bool others_idle(std::string_view hash) const;

  // Green created with `size` pods; its revision above every other one.
  void create_green(std::int32_t size);
  // Reusing an old template (an undo) bumps its revision above the others and remembers the old one.
  void sync_green_revision();
  void scale(std::string_view hash, std::int32_t size);
  void clear_deadline(std::string_view hash);
  // At `size` with no scale-down deadline: a revision that serves or may serve again at once.
  void keep(std::string_view hash, std::int32_t size);
  // Give it a scale-down deadline `delay_seconds` from now if it has none, and zero pods once the
  // deadline has passed. A deadline set now is never acted on in the same sync, so a revision that
  // just stopped being active is only scaled down after the Service switch has been written.
  void expire(std::string_view hash, std::int32_t delay_seconds);
  // expire() for every ReplicaSet with pods whose hash is not in `keep`; `stable`, while it waits,
  // stays at `replicas` so that switching back to it stays instant.
  void retire_others(const std::set<std::string>& keep, std::int32_t delay_seconds, std::string_view stable,
                     std::int32_t replicas);
  // The oldest revisions beyond the limit go, if they have no pods and are not in `keep`.
  void cleanup_history(const std::set<std::string>& keep, std::optional<std::int32_t> limit);

  // Summed over every ReplicaSet as observed, as for a Deployment; updated is green's.
  [[nodiscard]] rollout_counts counts() const;
  [[nodiscard]] std::optional<wall_time> next_deadline() const { return next_deadline_; }
  [[nodiscard]] std::vector<replica_set_action> take_actions() { return std::move(actions_); }

 private:
  replica_set_state* find_mutable(std::string_view hash);
  bool claim(const std::string& name);  // false: already written this sync
  [[nodiscard]] replica_annotations annotations() const { return {replicas_, replicas_}; }
  void add_deadline(wall_time t);
  [[nodiscard]] std::int64_t max_old_revision() const;

  const blue_green_input& in_;
  std::int32_t replicas_ = 0;
  std::optional<replica_set_state> green_;
  std::vector<replica_set_state> old_;
  std::vector<replica_set_action> actions_;
  std::set<std::string> written_;
  std::optional<wall_time> next_deadline_;
};

}  // namespace rolloutd::strategy
