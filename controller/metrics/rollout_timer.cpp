#include "metrics/rollout_timer.hpp"

#include <algorithm>

namespace rolloutd {

std::vector<finished_rollout> rollout_timer::observe(std::int64_t revision, policy_phase phase, bool aborted,
                                                     std::optional<wall_time> revision_started,
                                                     wall_time now) {
  std::vector<finished_rollout> out;
  if (!seen_) {
    seen_ = true;
    revision_ = revision;
    if (!aborted && phase != policy_phase::healthy) start(revision_started, now);
  } else if (revision != revision_) {
    if (running_) out.push_back({rollout_outcome::superseded, elapsed(now)});
    revision_ = revision;
    start(revision_started, now);
    finish_if_over(phase, aborted, now, out);
  } else if (aborted_ && !aborted && !running_) {
    start(std::nullopt, now);  // a retry: the status time of the revision would count the abort too
    finish_if_over(phase, aborted, now, out);
  } else if (running_) {
    finish_if_over(phase, aborted, now, out);
  }
  aborted_ = aborted;
  return out;
}

void rollout_timer::start(std::optional<wall_time> at, wall_time now) {
  running_ = true;
  started_ = at.value_or(now);
}

void rollout_timer::finish_if_over(policy_phase phase, bool aborted, wall_time now,
                                   std::vector<finished_rollout>& out) {
  if (aborted) {
    out.push_back({rollout_outcome::aborted, elapsed(now)});
    running_ = false;
  } else if (phase == policy_phase::healthy) {
    out.push_back({rollout_outcome::healthy, elapsed(now)});
    running_ = false;
  }
}

double rollout_timer::elapsed(wall_time now) const {
  // A status timestamp from another machine's clock may lie slightly in the future.
  return std::max(0.0, std::chrono::duration<double>(now - started_).count());
}

}  // namespace rolloutd
