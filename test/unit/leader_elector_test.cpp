// The leader_elector coroutine shell against an in-memory Lease store (no sockets). Real timers
// with short periods: these check wiring and timing behaviour (deadlines, release, hanging
// requests); the decision table itself is in leader_election_test.cpp.

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <gtest/gtest.h>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <functional>
#include <optional>

#include "kube/leader_elector.hpp"
#include "kube/lease_record.hpp"

namespace rolloutd::kube {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

// The API server's part: one Lease, a resourceVersion, and optimistic concurrency. Faults are
// switched on by the test.
struct fake_server {
  explicit fake_server(asio::any_io_executor ex) : hang(std::move(ex)) {
    hang.expires_at(asio::steady_timer::time_point::max());
  }
  enum class mode { normal, failing, hanging };

  std::optional<json> lease;
  int version = 0;
  mode faults = mode::normal;
  asio::steady_timer hang;  // requests in `hanging` mode wait on it until the test ends

  void store(json object) {
    object["metadata"]["resourceVersion"] = std::to_string(++version);
    lease = std::move(object);
  }
};

class fake_lease_store final : public lease_store {
 public:
  explicit fake_lease_store(fake_server& server) : server_(server) {}

  asio::awaitable<result<json>> get() override {
    if (auto fault = co_await faulted()) co_return *fault;
    if (!server_.lease) co_return api_error{404, "NotFound", "leases \"l\" not found"};
    co_return *server_.lease;
  }
  asio::awaitable<result<json>> create(json lease) override {
    if (auto fault = co_await faulted()) co_return *fault;
    if (server_.lease) co_return api_error{409, "AlreadyExists", "exists"};
    server_.store(std::move(lease));
    co_return *server_.lease;
  }
  asio::awaitable<result<json>> update(json lease) override {
    if (auto fault = co_await faulted()) co_return *fault;
    if (!server_.lease) co_return api_error{404, "NotFound", "gone"};
    if (lease["metadata"].value("resourceVersion", "") != (*server_.lease)["metadata"]["resourceVersion"]) {
      co_return api_error{409, "Conflict", "the object has been modified"};
    }
    server_.store(std::move(lease));
    co_return *server_.lease;
  }
  const std::string& namespace_name() const override { return namespace_; }
  const std::string& name() const override { return name_; }

 private:
  // Every request completes asynchronously, as a real one does.
  asio::awaitable<std::optional<api_error>> faulted() {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    if (server_.faults == fake_server::mode::failing) co_return api_error{503, "ServiceUnavailable", "down"};
    if (server_.faults == fake_server::mode::hanging) {
      co_await server_.hang.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return api_error{0, "Timeout", "hung"};
    }
    co_return std::nullopt;
  }

  fake_server& server_;
  std::string namespace_ = "t-lease";
  std::string name_ = "l";
};

const election_timing fast{.lease_duration = 1s, .renew_deadline = 500ms, .retry_period = 50ms};

// One elector with its callbacks counted.
struct candidate {
  candidate(asio::io_context& io, fake_server& server, const rolloutd::clock& clock, std::string identity,
            spdlog::logger& log)
      : elector(io.get_executor(), std::make_shared<fake_lease_store>(server), clock,
                {.identity = std::move(identity), .timing = fast, .jitter_factor = 0},
                {.on_started_leading = [this] { ++started, started_at = steady::now(); },
                 .on_stopped_leading = [this] { ++stopped, stopped_at = steady::now(); }},
                log) {}

  void start(asio::io_context& io) {
    asio::co_spawn(
        io, [this]() -> asio::awaitable<void> { outcome = co_await elector.run(); },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
  }

  leader_elector elector;
  int started = 0;
  int stopped = 0;
  steady::time_point started_at{};
  steady::time_point stopped_at{};
  std::optional<election_outcome> outcome;
};

class leader_elector_test : public testing::Test {
 protected:
  // Drives the io_context until `done` holds or `limit` passes; false on timeout.
  bool run_until(const std::function<bool()>& done, steady::duration limit = 5s) {
    auto end = steady::now() + limit;
    while (!done()) {
      if (steady::now() >= end) return false;
      io.run_for(2ms);
      io.restart();
    }
    return true;
  }

  // Lets time pass while the electors run, checking `invariant` all along.
  void run_for(
      steady::duration span, const std::function<void()>& invariant = [] {}) {
    auto end = steady::now() + span;
    while (steady::now() < end) {
      io.run_for(2ms);
      io.restart();
      invariant();
    }
  }

  candidate& add(std::string identity) {
    auto& c = candidates.emplace_back(io, server, clock, std::move(identity), log);
    c.start(io);
    return c;
  }

  // Every elector must have returned from run() before it is destroyed, even when a test failed.
  void TearDown() override {
    server.hang.cancel();
    for (auto& c : candidates) c.elector.stop();
    EXPECT_TRUE(run_until([&] {
      return std::all_of(candidates.begin(), candidates.end(), [](auto& c) { return c.outcome.has_value(); });
    }));
    io.run_for(50ms);  // requests the electors stopped waiting for
  }

  lease_record stored() const { return *parse_lease_record(*server.lease).record; }

  asio::io_context io;
  fake_server server{io.get_executor()};
  system_clock clock;
  spdlog::logger log{"leader_elector_test", std::make_shared<spdlog::sinks::null_sink_mt>()};
  std::deque<candidate> candidates;
};

TEST_F(leader_elector_test, creates_the_lease_and_releases_it_on_stop) {
  candidate& a = add("a");
  ASSERT_TRUE(run_until([&] { return a.started == 1; }));
  EXPECT_TRUE(a.elector.leading());
  EXPECT_EQ(stored().holder_identity, "a");
  EXPECT_EQ(stored().lease_duration_seconds, 1);
  run_for(200ms);  // renewals keep it
  EXPECT_TRUE(a.elector.leading());
  EXPECT_EQ(a.stopped, 0);

  a.elector.stop();
  ASSERT_TRUE(run_until([&] { return a.outcome.has_value(); }));
  EXPECT_EQ(*a.outcome, election_outcome::stopped);
  EXPECT_EQ(a.stopped, 1);
  EXPECT_FALSE(a.elector.leading());
  EXPECT_EQ(stored().holder_identity, "");
  EXPECT_EQ(stored().lease_duration_seconds, 1);
  EXPECT_EQ(stored().lease_transitions, 0);
}

TEST_F(leader_elector_test, waits_while_the_holder_renews_and_acquires_once_it_stops) {
  server.store(make_lease(
      "t-lease", "l",
      {.holder_identity = "b", .lease_duration_seconds = 1, .renew_time = "x", .lease_transitions = 2}));
  candidate& a = add("a");
  // "b" renews every 100 ms for a while; its renewTime is a counter, which is all "a" compares.
  for (int i = 0; i < 12; ++i) {
    json lease = *server.lease;
    lease["spec"]["renewTime"] = std::to_string(i);
    server.store(lease);
    run_for(100ms);
    ASSERT_EQ(a.started, 0) << "took a lease that was being renewed, after " << i;
  }
  auto b_last_renewal = steady::now() - 100ms;
  ASSERT_TRUE(run_until([&] { return a.started == 1; }, 3s));
  EXPECT_GE(a.started_at - b_last_renewal, 1s);
  EXPECT_EQ(stored().holder_identity, "a");
  EXPECT_EQ(stored().lease_transitions, 3);
  a.elector.stop();
  ASSERT_TRUE(run_until([&] { return a.outcome.has_value(); }));
}

TEST_F(leader_elector_test, steps_down_when_renewals_fail_past_the_renew_deadline) {
  candidate& a = add("a");
  ASSERT_TRUE(run_until([&] { return a.started == 1; }));
  server.faults = fake_server::mode::failing;
  auto failing_since = steady::now();
  ASSERT_TRUE(run_until([&] { return a.outcome.has_value(); }, 3s));
  EXPECT_EQ(*a.outcome, election_outcome::lost);
  EXPECT_EQ(a.stopped, 1);
  EXPECT_FALSE(a.elector.leading());
  // The last good renewal was at most a retry period before the failures began.
  EXPECT_GE(a.stopped_at - failing_since, fast.renew_deadline - fast.retry_period - 20ms);
  EXPECT_LT(a.stopped_at - failing_since, fast.renew_deadline + 300ms);
}

TEST_F(leader_elector_test, steps_down_on_time_even_when_a_request_never_returns) {
  candidate& a = add("a");
  ASSERT_TRUE(run_until([&] { return a.started == 1; }));
  server.faults = fake_server::mode::hanging;
  auto hanging_since = steady::now();
  ASSERT_TRUE(run_until([&] { return a.outcome.has_value(); }, 3s));
  EXPECT_EQ(*a.outcome, election_outcome::lost);
  EXPECT_EQ(a.stopped, 1);
  EXPECT_LT(a.stopped_at - hanging_since, fast.renew_deadline + 300ms);
}

TEST_F(leader_elector_test, stops_leading_at_once_when_someone_else_takes_the_lease) {
  candidate& a = add("a");
  ASSERT_TRUE(run_until([&] { return a.started == 1; }));
  json lease = *server.lease;
  lease["spec"]["holderIdentity"] = "intruder";
  server.store(lease);
  auto taken_at = steady::now();
  ASSERT_TRUE(run_until([&] { return a.outcome.has_value(); }, 3s));
  EXPECT_EQ(*a.outcome, election_outcome::lost);
  // Well before the renew deadline: the next read shows the other holder.
  EXPECT_LT(a.stopped_at - taken_at, fast.renew_deadline - 100ms);
  EXPECT_EQ(stored().holder_identity, "intruder");
}

TEST_F(leader_elector_test, stop_while_campaigning_touches_nothing) {
  server.store(make_lease("t-lease", "l", {.holder_identity = "b", .lease_duration_seconds = 1}));
  candidate& a = add("a");
  run_for(200ms);
  a.elector.stop();
  ASSERT_TRUE(run_until([&] { return a.outcome.has_value(); }));
  EXPECT_EQ(*a.outcome, election_outcome::stopped);
  EXPECT_EQ(a.started, 0);
  EXPECT_EQ(a.stopped, 0);
  EXPECT_EQ(stored().holder_identity, "b");
}

TEST_F(leader_elector_test, two_electors_exactly_one_leads_and_release_hands_over_within_a_retry) {
  candidate& a = add("a");
  candidate& b = add("b");
  ASSERT_TRUE(run_until([&] { return a.elector.leading() || b.elector.leading(); }));
  run_for(1500ms, [&] { ASSERT_NE(a.elector.leading(), b.elector.leading()); });
  candidate& leader = a.elector.leading() ? a : b;
  candidate& standby = a.elector.leading() ? b : a;
  EXPECT_EQ(leader.started, 1);
  EXPECT_EQ(standby.started, 0);

  leader.elector.stop();
  ASSERT_TRUE(run_until([&] { return leader.outcome.has_value(); }));
  auto released_at = steady::now();
  ASSERT_TRUE(run_until([&] { return standby.started == 1; }, 3s));
  // Without the release this would take a whole lease duration (1 s) of the standby's time.
  EXPECT_LT(standby.started_at - released_at, 4 * fast.retry_period);
  EXPECT_EQ(stored().holder_identity, &standby == &a ? "a" : "b");
  EXPECT_EQ(stored().lease_transitions, 1);
  standby.elector.stop();
  ASSERT_TRUE(run_until([&] { return standby.outcome.has_value(); }));
}

}  // namespace
}  // namespace rolloutd::kube
