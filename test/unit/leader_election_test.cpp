// The leader-election decisions (leader_election_fsm) and the Lease wire format, without I/O.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "kube/leader_election_fsm.hpp"
#include "kube/lease_record.hpp"
#include "kube/wire_time.hpp"

namespace rolloutd::kube {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const std::string me = "rolloutd-a";
const std::string other = "rolloutd-b";

lease_record held_by(std::string holder, int transitions = 3,
                     std::string renew = "2001-01-01T00:00:00.000000Z") {
  return {.holder_identity = std::move(holder),
          .lease_duration_seconds = 15,
          .acquire_time = "2000-01-01T00:00:00.000000Z",
          .renew_time = std::move(renew),
          .lease_transitions = transitions};
}

// Where the elector stands before the step under test.
enum class prior {
  fresh,      // just started
  saw_other,  // read the Lease held by `other` at the start (the observation clock starts)
  leading,    // created the Lease and leads
};

struct fsm_case {
  const char* name;
  prior before;
  std::optional<lease_record> lease;  // what the read returns (nullopt: 404)
  clock::duration elapsed;            // since the prior step
  election_action want;
  int want_transitions = 0;        // for writes
  bool want_acquire_kept = false;  // acquireTime carried over rather than set to now
};

class fsm_table : public testing::TestWithParam<fsm_case> {};

TEST_P(fsm_table, decides) {
  const fsm_case& c = GetParam();
  manual_clock clock;
  leader_election_fsm fsm(me, {});

  lease_record mine_at_start;
  switch (c.before) {
    case prior::fresh:
      break;
    case prior::saw_other:
      ASSERT_EQ(fsm.observe(held_by(other), clock.now(), clock.wall_now()).action, election_action::wait);
      break;
    case prior::leading: {
      auto d = fsm.observe(std::nullopt, clock.now(), clock.wall_now());
      ASSERT_EQ(d.action, election_action::create);
      fsm.write_succeeded(d.record, clock.now());
      ASSERT_TRUE(fsm.leading());
      mine_at_start = d.record;
      break;
    }
  }
  clock.advance(c.elapsed);
  std::optional<lease_record> lease = c.lease;
  if (lease && lease->holder_identity == me && c.before == prior::leading) lease = mine_at_start;

  auto d = fsm.observe(lease, clock.now(), clock.wall_now());
  EXPECT_EQ(to_string(d.action), to_string(c.want));
  const bool writes = c.want == election_action::create || c.want == election_action::acquire ||
                      c.want == election_action::renew;
  if (writes) {
    const std::string now_stamp = format_micro_time(clock.wall_now());
    EXPECT_EQ(d.record.holder_identity, me);
    EXPECT_EQ(d.record.lease_duration_seconds, 15);
    EXPECT_EQ(d.record.renew_time, now_stamp);
    EXPECT_EQ(d.record.lease_transitions, c.want_transitions);
    EXPECT_EQ(d.record.acquire_time, c.want_acquire_kept ? lease->acquire_time : now_stamp);
  }
  if (c.want == election_action::stop_leading) {
    EXPECT_FALSE(fsm.leading());
  }
}

INSTANTIATE_TEST_SUITE_P(
    leader_election, fsm_table,
    testing::Values(fsm_case{"no_lease_creates", prior::fresh, std::nullopt, 0s, election_action::create, 0},
                    // The holder's renewTime is 25 years old, but we have only just seen it: wait.
                    fsm_case{"held_by_other_first_seen_waits", prior::fresh, held_by(other), 0s,
                             election_action::wait},
                    fsm_case{"held_by_other_fresh_waits", prior::saw_other, held_by(other), 14999ms,
                             election_action::wait},
                    fsm_case{"held_by_other_expired_by_my_observation_acquires", prior::saw_other,
                             held_by(other, 3), 15s, election_action::acquire, 4},
                    // The holder wrote since we looked: the observation clock restarts, so it is fresh again.
                    fsm_case{"held_by_other_renewed_waits", prior::saw_other,
                             held_by(other, 3, "2001-01-01T00:00:10.000000Z"), 20s, election_action::wait},
                    fsm_case{"released_lease_acquires_at_once", prior::fresh, held_by("", 5), 0s,
                             election_action::acquire, 6},
                    fsm_case{"mine_renews_keeping_acquire_time", prior::leading, held_by(me), 2s,
                             election_action::renew, 0, true},
                    // Restarted with the same identity: the Lease is still ours, no transition.
                    fsm_case{"mine_after_restart_renews", prior::fresh, held_by(me, 7), 0s,
                             election_action::renew, 7, true},
                    fsm_case{"leading_just_inside_renew_deadline_renews", prior::leading, held_by(me), 9999ms,
                             election_action::renew, 0, true},
                    fsm_case{"renew_failing_past_renew_deadline_stops_leading", prior::leading, held_by(me),
                             10s, election_action::stop_leading},
                    fsm_case{"leading_but_other_holder_stops_leading", prior::leading, held_by(other), 2s,
                             election_action::stop_leading},
                    fsm_case{"leading_and_lease_deleted_recreates", prior::leading, std::nullopt, 2s,
                             election_action::create, 0}),
    [](const testing::TestParamInfo<fsm_case>& info) { return std::string(info.param.name); });

TEST(leader_election_fsm, lease_without_duration_gets_ours) {
  manual_clock clock;
  leader_election_fsm fsm(me, {});
  lease_record lease = held_by(other);
  lease.lease_duration_seconds = 0;
  EXPECT_EQ(fsm.observe(lease, clock.now(), clock.wall_now()).action, election_action::wait);
  clock.advance(14s);
  EXPECT_EQ(fsm.observe(lease, clock.now(), clock.wall_now()).action, election_action::wait);
  clock.advance(1s);
  EXPECT_EQ(fsm.observe(lease, clock.now(), clock.wall_now()).action, election_action::acquire);
}

TEST(leader_election_fsm, longer_lease_of_holder_is_honoured) {
  manual_clock clock;
  leader_election_fsm fsm(me, {});
  lease_record lease = held_by(other);
  lease.lease_duration_seconds = 30;
  EXPECT_EQ(fsm.observe(lease, clock.now(), clock.wall_now()).action, election_action::wait);
  clock.advance(20s);
  EXPECT_EQ(fsm.observe(lease, clock.now(), clock.wall_now()).action, election_action::wait);
  clock.advance(10s);
  EXPECT_EQ(fsm.observe(lease, clock.now(), clock.wall_now()).action, election_action::acquire);
}

TEST(leader_election_fsm, renew_deadline_counts_from_when_the_write_was_decided) {
  manual_clock clock;
  leader_election_fsm fsm(me, {});
  auto d = fsm.observe(std::nullopt, clock.now(), clock.wall_now());
  auto decided = clock.now();
  clock.advance(3s);  // a slow create
  fsm.write_succeeded(d.record, clock.now());
  EXPECT_EQ(fsm.renew_deadline_at(), decided + 10s);
  clock.advance(7s);
  EXPECT_TRUE(fsm.renew_deadline_passed(clock.now()));
}

TEST(leader_election_fsm, failed_renewals_do_not_extend_the_deadline) {
  manual_clock clock;
  leader_election_fsm fsm(me, {});
  auto d = fsm.observe(std::nullopt, clock.now(), clock.wall_now());
  fsm.write_succeeded(d.record, clock.now());
  for (int i = 0; i < 4; ++i) {
    clock.advance(2s);
    auto renewal = fsm.optimistic_renewal(clock.now(), clock.wall_now());
    ASSERT_TRUE(renewal) << i;  // sent, and failed: nothing is reported back
    EXPECT_FALSE(fsm.renew_deadline_passed(clock.now())) << i;
  }
  clock.advance(2s);
  EXPECT_TRUE(fsm.renew_deadline_passed(clock.now()));
  EXPECT_FALSE(fsm.optimistic_renewal(clock.now(), clock.wall_now()));
}

TEST(leader_election_fsm, optimistic_renewal_only_while_leading) {
  manual_clock clock;
  leader_election_fsm fsm(me, {});
  EXPECT_FALSE(fsm.optimistic_renewal(clock.now(), clock.wall_now()));
  auto d = fsm.observe(held_by("", 2), clock.now(), clock.wall_now());
  ASSERT_EQ(d.action, election_action::acquire);
  fsm.write_succeeded(d.record, clock.now());
  clock.advance(2s);
  auto renewal = fsm.optimistic_renewal(clock.now(), clock.wall_now());
  ASSERT_TRUE(renewal);
  EXPECT_EQ(renewal->holder_identity, me);
  EXPECT_EQ(renewal->lease_transitions, 3);
  EXPECT_EQ(renewal->acquire_time, d.record.acquire_time);
  EXPECT_EQ(renewal->renew_time, format_micro_time(clock.wall_now()));
}

TEST(leader_election_fsm, release_gives_the_lease_up) {
  manual_clock clock;
  leader_election_fsm fsm(me, {});
  EXPECT_FALSE(fsm.release(clock.now(), clock.wall_now()));
  auto d = fsm.observe(held_by("", 4), clock.now(), clock.wall_now());
  fsm.write_succeeded(d.record, clock.now());
  clock.advance(1s);
  auto released = fsm.release(clock.now(), clock.wall_now());
  ASSERT_TRUE(released);
  const std::string stamp = format_micro_time(clock.wall_now());
  EXPECT_EQ(*released, (lease_record{.holder_identity = "",
                                     .lease_duration_seconds = 1,
                                     .acquire_time = stamp,
                                     .renew_time = stamp,
                                     .lease_transitions = 5}));
  fsm.write_succeeded(*released, clock.now());
  EXPECT_FALSE(fsm.leading());
}

// Two electors and an in-memory Lease with optimistic concurrency, stepped by hand: the protocol
// end to end, with the API server's one guarantee (a stale resourceVersion is refused).
class simulated_store {
 public:
  std::optional<lease_record> read() const { return lease_; }
  // Every read returns the version with it; a write succeeds only against the current one.
  int version() const { return version_; }
  bool write(const election_decision& d, int read_version) {
    if (d.action == election_action::create ? lease_.has_value() : read_version != version_) return false;
    lease_ = d.record;
    ++version_;
    return true;
  }
  bool write_record(const lease_record& r, int read_version) {
    if (read_version != version_) return false;
    lease_ = r;
    ++version_;
    return true;
  }

 private:
  std::optional<lease_record> lease_;
  int version_ = 0;
};

// One retry of one elector: read, decide, write.
void step(leader_election_fsm& fsm, simulated_store& store, const manual_clock& clock) {
  auto seen = store.read();
  int version = store.version();
  auto d = fsm.observe(seen, clock.now(), clock.wall_now());
  if (d.action == election_action::create || d.action == election_action::acquire ||
      d.action == election_action::renew) {
    if (store.write(d, version)) fsm.write_succeeded(d.record, clock.now());
  }
}

TEST(leader_election_fsm, two_candidates_exactly_one_leads_and_killed_leader_is_replaced_after_lease) {
  manual_clock clock;
  simulated_store store;
  leader_election_fsm a(me, {}), b(other, {});
  clock::time_point b_saw_last_renewal;
  for (int i = 0; i < 20; ++i) {
    step(a, store, clock);
    step(b, store, clock);
    b_saw_last_renewal = clock.now();
    EXPECT_NE(a.leading(), b.leading()) << i;
    clock.advance(2s);
  }
  ASSERT_TRUE(a.leading());
  // `a` is killed: it stops renewing without releasing. `b` takes over once the Lease has not
  // changed for a whole lease duration of b's own time, and not before.
  while (!b.leading()) {
    step(b, store, clock);
    if (!b.leading()) clock.advance(1s);
    ASSERT_LE(clock.now() - b_saw_last_renewal, 16s);
  }
  EXPECT_GE(clock.now() - b_saw_last_renewal, 15s);
  EXPECT_EQ(store.read()->lease_transitions, 1);
}

TEST(leader_election_fsm, released_lease_is_taken_at_the_next_retry) {
  manual_clock clock;
  simulated_store store;
  leader_election_fsm a(me, {}), b(other, {});
  step(a, store, clock);
  step(b, store, clock);
  ASSERT_TRUE(a.leading());
  clock.advance(2s);
  auto released = a.release(clock.now(), clock.wall_now());
  ASSERT_TRUE(released);
  ASSERT_TRUE(store.write_record(*released, store.version()));
  a.write_succeeded(*released, clock.now());
  clock.advance(2s);
  step(b, store, clock);
  EXPECT_TRUE(b.leading());
  EXPECT_FALSE(a.leading());
}

struct timing_case {
  const char* name;
  election_timing timing;
  double jitter;
  bool ok;
};

class timing_table : public testing::TestWithParam<timing_case> {};

TEST_P(timing_table, validates) {
  const auto& c = GetParam();
  EXPECT_EQ(validate_election_timing(c.timing, c.jitter).empty(), c.ok)
      << validate_election_timing(c.timing, c.jitter);
}

INSTANTIATE_TEST_SUITE_P(
    leader_election, timing_table,
    testing::Values(timing_case{"defaults", {}, 1.2, true},
                    timing_case{"lease_not_longer_than_renew", {10s, 10s, 2s}, 1.2, false},
                    timing_case{"renew_not_longer_than_jittered_retry", {15s, 2400ms, 2s}, 1.2, false},
                    timing_case{"renew_longer_than_jittered_retry", {15s, 2401ms, 2s}, 1.2, true},
                    timing_case{"fractional_lease_seconds", {1500ms, 1s, 100ms}, 0, false},
                    timing_case{"zero_retry", {15s, 10s, 0s}, 1.2, false},
                    timing_case{"negative_jitter", {}, -1, false}),
    [](const testing::TestParamInfo<timing_case>& info) { return std::string(info.param.name); });

TEST(lease_record, parses_a_lease_from_the_api_server) {
  auto lease = json::parse(R"({
    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
    "metadata": {"name": "rolloutd", "namespace": "rolloutd-system", "resourceVersion": "812"},
    "spec": {"holderIdentity": "pod-1_abc", "leaseDurationSeconds": 15,
             "acquireTime": "2026-01-01T00:00:00.000000Z", "renewTime": "2026-01-01T00:01:00.123456Z",
             "leaseTransitions": 2}})");
  auto parsed = parse_lease_record(lease);
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_EQ(*parsed.record, (lease_record{.holder_identity = "pod-1_abc",
                                          .lease_duration_seconds = 15,
                                          .acquire_time = "2026-01-01T00:00:00.000000Z",
                                          .renew_time = "2026-01-01T00:01:00.123456Z",
                                          .lease_transitions = 2}));
}

TEST(lease_record, absent_spec_and_fields_are_zero) {
  auto parsed = parse_lease_record(json::parse(R"({"metadata": {"name": "x"}})"));
  ASSERT_TRUE(parsed.record);
  EXPECT_EQ(*parsed.record, lease_record{});
  parsed = parse_lease_record(json::parse(R"({"spec": {"holderIdentity": null}})"));
  ASSERT_TRUE(parsed.record);
  EXPECT_EQ(*parsed.record, lease_record{});
}

TEST(lease_record, malformed_fields_are_errors_naming_the_field) {
  struct bad {
    const char* body;
    const char* field;
  };
  for (const auto& b :
       std::vector<bad>{{R"([])", "lease"},
                        {R"({"spec": "x"})", "spec"},
                        {R"({"spec": {"holderIdentity": 7}})", "spec.holderIdentity"},
                        {R"({"spec": {"leaseDurationSeconds": "15"}})", "spec.leaseDurationSeconds"},
                        {R"({"spec": {"leaseDurationSeconds": 1.5}})", "spec.leaseDurationSeconds"},
                        {R"({"spec": {"leaseTransitions": 99999999999}})", "spec.leaseTransitions"},
                        {R"({"spec": {"renewTime": 12}})", "spec.renewTime"}}) {
    auto parsed = parse_lease_record(json::parse(b.body));
    EXPECT_FALSE(parsed.record) << b.body;
    EXPECT_NE(parsed.error.find(b.field), std::string::npos) << b.body << " -> " << parsed.error;
  }
}

TEST(lease_record, make_lease_has_the_api_shape) {
  lease_record r{.holder_identity = "me",
                 .lease_duration_seconds = 15,
                 .acquire_time = "2026-01-01T00:00:00.000000Z",
                 .renew_time = "2026-01-01T00:00:00.000000Z",
                 .lease_transitions = 0};
  EXPECT_EQ(make_lease("ns", "rolloutd", r), json::parse(R"({
    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
    "metadata": {"name": "rolloutd", "namespace": "ns"},
    "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15, "acquireTime": "2026-01-01T00:00:00.000000Z",
             "renewTime": "2026-01-01T00:00:00.000000Z", "leaseTransitions": 0}})"));
}

TEST(lease_record, update_keeps_metadata_and_unknown_spec_fields_and_drops_unset_times) {
  auto lease = json::parse(R"({
    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
    "metadata": {"name": "rolloutd", "namespace": "ns", "resourceVersion": "812", "uid": "u-1"},
    "spec": {"holderIdentity": "old", "acquireTime": "2026-01-01T00:00:00.000000Z", "strategy": "OldestEmulationVersion"}})");
  auto updated = with_lease_record(lease, {.holder_identity = "new",
                                           .lease_duration_seconds = 1,
                                           .renew_time = "2026-01-02T00:00:00.000000Z",
                                           .lease_transitions = 4});
  EXPECT_EQ(updated["metadata"], lease["metadata"]);
  EXPECT_EQ(updated["spec"], json::parse(R"({"holderIdentity": "new", "leaseDurationSeconds": 1,
    "renewTime": "2026-01-02T00:00:00.000000Z", "leaseTransitions": 4, "strategy": "OldestEmulationVersion"})"));
}

TEST(wire_time, formats_micro_and_whole_seconds_in_utc) {
  using namespace std::chrono;
  sys_time<microseconds> t = sys_days{year{2006} / 1 / 2} + 15h + 4min + 5s + 123456us;
  EXPECT_EQ(format_micro_time(t), "2006-01-02T15:04:05.123456Z");
  EXPECT_EQ(format_time(t), "2006-01-02T15:04:05Z");
  EXPECT_EQ(format_micro_time(sys_days{year{1970} / 1 / 1}), "1970-01-01T00:00:00.000000Z");
  // Before the epoch the fraction still counts forward from the whole second below.
  EXPECT_EQ(format_micro_time(sys_days{year{1970} / 1 / 1} - 1us), "1969-12-31T23:59:59.999999Z");
  // Sub-microsecond digits are cut, never rounded up into the next second.
  EXPECT_EQ(format_micro_time(sys_days{year{2026} / 1 / 1} + 999999999ns), "2026-01-01T00:00:00.999999Z");
}

}  // namespace
}  // namespace rolloutd::kube
