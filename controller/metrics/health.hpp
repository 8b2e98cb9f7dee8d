#pragma once

// What /healthz and /readyz answer. Liveness is a heartbeat: the main event loop beats it on a
// timer, and the process counts as alive while the last beat is recent. A wedged loop (a deadlock,
// a handler that never returns) stops the beats, /healthz turns 500 and the kubelet restarts the
// pod; a busy but working loop keeps beating. Readiness (readiness() below) is what main reads from
// the informers and the leader elector.

#include <atomic>
#include <string>

#include "kube/clock.hpp"

namespace rolloutd {

struct probe_result {
  bool ok = false;
  std::string reason{};  // why not ok; empty when ok
};

// What /readyz looks at.
struct readiness_state {
  bool leader_election = false;  // --leader-elect: a standby may be ready without caches
  bool leading = false;
  bool leader_seen = false;  // the elector has read the Lease and found a holder
  bool synced = false;       // every informer has completed its first list
  std::string not_synced_reason{};
};

// Ready when the caches are synced; with leader election, a standby (whose controller, caches
// included, starts only when it leads) is ready once it has seen who leads: it can reach the API
// server and is waiting its turn, which is what a healthy standby does.
[[nodiscard]] probe_result readiness(const readiness_state& state);

class heartbeat {
 public:
  // Starts fresh: a process that has not beaten yet is alive until max_age has passed.
  explicit heartbeat(const clock& clock);

  // Thread-safe, lock-free.
  void beat();
  [[nodiscard]] probe_result check(clock::duration max_age) const;

 private:
  const clock& clock_;
  std::atomic<clock::time_point> last_;
  static_assert(std::atomic<clock::time_point>::is_always_lock_free);
};

}  // namespace rolloutd
