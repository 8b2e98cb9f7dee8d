#include "kube/leader_election_fsm.hpp"

#include <cmath>

#include "kube/wire_time.hpp"

namespace rolloutd::kube {

std::string validate_election_timing(const election_timing& timing, double jitter_factor) {
  using std::chrono::milliseconds;
  if (timing.lease_duration <= milliseconds::zero() || timing.renew_deadline <= milliseconds::zero() ||
      timing.retry_period <= milliseconds::zero()) {
    return "lease duration, renew deadline and retry period must all be positive";
  }
  if (timing.lease_duration.count() % 1000 != 0) {
    return "lease duration must be a whole number of seconds";
  }
  if (timing.lease_duration <= timing.renew_deadline) {
    return "lease duration must be greater than the renew deadline";
  }
  if (jitter_factor < 0) return "jitter factor must not be negative";
  double longest_retry = static_cast<double>(timing.retry_period.count()) * std::max(1.0, jitter_factor);
  if (static_cast<double>(timing.renew_deadline.count()) <= longest_retry) {
    return "renew deadline must be greater than the (jittered) retry period";
  }
  return {};
}

std::string_view to_string(election_action action) {
  switch (action) {
    case election_action::create:
      return "create";
    case election_action::acquire:
      return "acquire";
    case election_action::renew:
      return "renew";
    case election_action::wait:
      return "wait";
    case election_action::stop_leading:
      return "stop_leading";
  }
  return "unknown";
}

leader_election_fsm::leader_election_fsm(std::string identity, election_timing timing)
    : identity_(std::move(identity)), timing_(timing) {}

int leader_election_fsm::lease_duration_seconds() const {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(timing_.lease_duration).count());
}

void leader_election_fsm::note_observed(const lease_record& lease, time_point now) {
  if (!observed_ || *observed_ != lease) {
    observed_ = lease;
    observed_at_ = now;
  }
}

bool leader_election_fsm::observed_still_valid(time_point now) const {
  if (!observed_) return false;
  // A Lease without a duration gets ours: waiting longer is the safe side.
  std::chrono::milliseconds duration = observed_->lease_duration_seconds > 0
                                           ? std::chrono::seconds(observed_->lease_duration_seconds)
                                           : timing_.lease_duration;
  return now < observed_at_ + duration;
}

election_decision leader_election_fsm::write(election_action action, lease_record record, time_point now) {
  pending_at_ = now;
  return {.action = action, .record = std::move(record)};
}

election_decision leader_election_fsm::observe(const std::optional<lease_record>& lease, time_point now,
                                               wall_time wall_now) {
  if (lease) {
    note_observed(*lease, now);
  } else {
    observed_.reset();
  }
  if (renew_deadline_passed(now)) {
    leading_ = false;
    return {.action = election_action::stop_leading};
  }
  const std::string stamp = format_micro_time(wall_now);
  if (!lease) {
    // Also when leading: someone deleted the Lease, and only one create can win.
    return write(election_action::create,
                 {.holder_identity = identity_,
                  .lease_duration_seconds = lease_duration_seconds(),
                  .acquire_time = stamp,
                  .renew_time = stamp,
                  .lease_transitions = 0},
                 now);
  }
  const bool mine = lease->holder_identity == identity_;
  if (!mine && leading_) {
    // Someone else wrote the Lease under us; carrying on until the deadline would mean two leaders.
    leading_ = false;
    return {.action = election_action::stop_leading};
  }
  if (mine) {
    return write(election_action::renew,
                 {.holder_identity = identity_,
                  .lease_duration_seconds = lease_duration_seconds(),
                  .acquire_time = lease->acquire_time.empty() ? stamp : lease->acquire_time,
                  .renew_time = stamp,
                  .lease_transitions = lease->lease_transitions},
                 now);
  }
  if (!lease->holder_identity.empty() && observed_still_valid(now)) return {.action = election_action::wait};
  return write(election_action::acquire,
               {.holder_identity = identity_,
                .lease_duration_seconds = lease_duration_seconds(),
                .acquire_time = stamp,
                .renew_time = stamp,
                .lease_transitions = lease->lease_transitions + 1},
               now);
}

std::optional<lease_record> leader_election_fsm::optimistic_renewal(time_point now, wall_time wall_now) {
  if (!leading_ || renew_deadline_passed(now) || !observed_still_valid(now)) return std::nullopt;
  lease_record record = *observed_;
  record.renew_time = format_micro_time(wall_now);
  record.lease_duration_seconds = lease_duration_seconds();
  pending_at_ = now;
  return record;
}

void leader_election_fsm::write_succeeded(const lease_record& stored, time_point now) {
  observed_ = stored;
  observed_at_ = now;
  leading_ = stored.holder_identity == identity_;
  // Counted from when the write was decided, not from when it returned: every other candidate
  // sees the write after that instant, so our deadline falls before their expiry, never after.
  if (leading_) last_renewed_ = pending_at_;
}

std::optional<lease_record> leader_election_fsm::release(time_point now, wall_time wall_now) {
  if (!leading_ || !observed_) return std::nullopt;
  const std::string stamp = format_micro_time(wall_now);
  pending_at_ = now;
  return lease_record{.holder_identity = "",
                      .lease_duration_seconds = 1,
                      .acquire_time = stamp,
                      .renew_time = stamp,
                      .lease_transitions = observed_->lease_transitions};
}

}  // namespace rolloutd::kube
