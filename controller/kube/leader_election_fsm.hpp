#pragma once

// The decisions of leader election on a Lease, without I/O: the elector reads the Lease, hands it
// here with the time, and gets back what to write (create, acquire, renew), or to wait, or that it
// must stop leading. Table-tested with manual_clock; leader_elector is the thin shell that talks to
// the API server.
//
// As in client-go, a candidate never compares another machine's renewTime with its own clock. It
// remembers when it last saw the Lease change (observed_at) and considers the holder gone only
// when the Lease has not changed for leaseDurationSeconds of its own time. A leader steps down when
// it has not renewed for renew_deadline, measured from when it sent the last successful renewal;
// renew_deadline < lease_duration leaves the old leader time to stop before anyone else can start.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "kube/clock.hpp"
#include "kube/lease_record.hpp"

namespace rolloutd::kube {

struct election_timing {
  std::chrono::milliseconds lease_duration{std::chrono::seconds(15)};
  std::chrono::milliseconds renew_deadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_period{std::chrono::seconds(2)};
};

// Empty when usable; otherwise what is wrong. Same rules as client-go: every period positive,
// lease_duration > renew_deadline > retry_period * jitter_factor, and the lease a whole number of
// seconds of at least one (leaseDurationSeconds is an integer).
[[nodiscard]] std::string validate_election_timing(const election_timing& timing, double jitter_factor);

enum class election_action {
  create,        // no Lease yet: create it, holding it
  acquire,       // released or expired Lease held by someone else: take it, leaseTransitions + 1
  renew,         // the Lease is mine: write a fresh renewTime
  wait,          // someone else holds a Lease that is still valid
  stop_leading,  // I was leading and may no longer: another holder, or the renew deadline passed
};

[[nodiscard]] std::string_view to_string(election_action action);

struct election_decision {
  election_action action = election_action::wait;
  lease_record record{};  // what to write, for create, acquire and renew
};

class leader_election_fsm {
 public:
  using time_point = rolloutd::clock::time_point;
  using wall_time = std::chrono::system_clock::time_point;

  leader_election_fsm(std::string identity, election_timing timing);

  // The Lease as just read (nullopt: it does not exist), at steady time `now`; `wall_now` is only
  // written into the record.
  [[nodiscard]] election_decision observe(const std::optional<lease_record>& lease, time_point now,
                                          wall_time wall_now);

  // A leader's fast path: the renewal of the record it last wrote, to be sent without reading
  // first (the update's resourceVersion precondition catches any other writer). Empty when not
  // leading or when the last observation has aged past the lease duration.
  [[nodiscard]] std::optional<lease_record> optimistic_renewal(time_point now, wall_time wall_now);

  // The write the last decision asked for succeeded; `stored` is the record the server returned.
  // A failed write needs no call: the deadline keeps running.
  void write_succeeded(const lease_record& stored, time_point now);

  // The record that gives the Lease up on clean shutdown (no holder, 1 s, renewed now), so a
  // standby takes it at its next retry. Empty when not leading.
  [[nodiscard]] std::optional<lease_record> release(time_point now, wall_time wall_now);

  [[nodiscard]] bool leading() const { return leading_; }
  // When a leader that cannot renew must stop; meaningless when not leading.
  [[nodiscard]] time_point renew_deadline_at() const { return last_renewed_ + timing_.renew_deadline; }
  [[nodiscard]] bool renew_deadline_passed(time_point now) const {
    return leading_ && now >= renew_deadline_at();
  }
  // The holder of the Lease as last seen; empty when released or not seen.
  [[nodiscard]] std::string_view observed_holder() const {
    return observed_ ? std::string_view(observed_->holder_identity) : std::string_view();
  }
  [[nodiscard]] const std::string& identity() const { return identity_; }
  [[nodiscard]] const election_timing& timing() const { return timing_; }

 private:
  void note_observed(const lease_record& lease, time_point now);
  [[nodiscard]] bool observed_still_valid(time_point now) const;
  [[nodiscard]] election_decision write(election_action action, lease_record record, time_point now);
  [[nodiscard]] int lease_duration_seconds() const;

  std::string identity_;
  election_timing timing_;
  std::optional<lease_record> observed_{};
  time_point observed_at_{};
  bool leading_ = false;
  time_point last_renewed_{};
  time_point pending_at_{};  // when the record now being written was decided
};

}  // namespace rolloutd::kube
