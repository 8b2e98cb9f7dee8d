#pragma once

// What /healthz and /readyz answer. Liveness is a heartbeat: the main event loop beats it on a
// timer, and the process counts as alive while the last beat is recent. A wedged loop (a deadlock,
// a handler that never returns) stops the beats, /healthz turns 500 and the kubelet restarts the
// pod; a busy but working loop keeps beating. Readiness is decided by a callback that main wires
// to the informers and the leader elector.

#include <atomic>
#include <string>

#include "kube/clock.hpp"

namespace rolloutd {

struct probe_result {
  bool ok = false;
  std::string reason{};  // why not ok; empty when ok
};

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
