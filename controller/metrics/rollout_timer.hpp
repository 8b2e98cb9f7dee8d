#pragma once

// Times one policy's rollouts for rolloutd_rollout_duration_seconds: from the moment a new revision
// is seen to the moment it is Healthy (or aborted, or replaced by a newer revision before it got
// there). It is fed every status snapshot of its policy and says when a snapshot ends a rollout;
// pure, so the rules are table-tested.
//
// The rules, chosen so a rollout is counted once and only by the process that saw it run:
//   - The first snapshot of a policy that is already Healthy or aborted starts nothing: that
//     rollout finished before this process looked (another leader counted it, or nobody did).
//   - A new revision starts a rollout at the time the status says the revision appeared, or at
//     the time it is first seen here when the status does not say. A rollout still running when a
//     newer revision appears ends as "superseded".
//   - A running rollout ends as "aborted" when the policy is aborted, and as "healthy" when its
//     phase becomes Healthy. A retry after an abort (aborted true -> false, same revision) starts
//     the rollout again from that moment.
//   - Healthy policies whose phase leaves Healthy without a new revision (a scale change, a pause)
//     start nothing: that is not a rollout.

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "metrics/labels.hpp"

namespace rolloutd {

struct finished_rollout {
  rollout_outcome outcome;
  double seconds;  // never negative
};

class rollout_timer {
 public:
  using wall_time = std::chrono::system_clock::time_point;

  // Returns the rollouts this snapshot ends: none, one, or two (a running rollout superseded by a
  // revision that is already Healthy in the same snapshot).
  [[nodiscard]] std::vector<finished_rollout> observe(std::int64_t revision, policy_phase phase, bool aborted,
                                                      std::optional<wall_time> revision_started,
                                                      wall_time now);

 private:
  void start(std::optional<wall_time> at, wall_time now);
  void finish_if_over(policy_phase phase, bool aborted, wall_time now, std::vector<finished_rollout>& out);
  [[nodiscard]] double elapsed(wall_time now) const;

  bool seen_ = false;
  bool running_ = false;
  bool aborted_ = false;
  std::int64_t revision_ = 0;
  wall_time started_{};
};

}  // namespace rolloutd
