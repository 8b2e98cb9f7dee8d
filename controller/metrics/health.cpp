#include "metrics/health.hpp"

#include <cmath>

namespace rolloutd {

probe_result readiness(const readiness_state& s) {
  if (s.leader_election && !s.leading) {
    if (s.leader_seen) return {.ok = true};
    return {.ok = false, .reason = "standby: the leader-election Lease has not been read yet"};
  }
  if (s.synced) return {.ok = true};
  return {.ok = false, .reason = s.not_synced_reason.empty() ? "informers not synced" : s.not_synced_reason};
}

heartbeat::heartbeat(const clock& clock) : clock_(clock), last_(clock.now()) {}

void heartbeat::beat() {
  last_.store(clock_.now(), std::memory_order_relaxed);
}

probe_result heartbeat::check(clock::duration max_age) const {
  const auto age = clock_.now() - last_.load(std::memory_order_relaxed);
  if (age <= max_age) return {.ok = true};
  const auto seconds = std::chrono::duration<double>(age).count();
  return {.ok = false,
          .reason = "event loop has not answered for " + std::to_string(std::lround(seconds)) + "s"};
}

}  // namespace rolloutd
