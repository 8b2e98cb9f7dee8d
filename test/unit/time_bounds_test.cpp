// Absurd but well-formed durations and times (issue 14, defect 9): the parser refuses what the
// CRD refuses, with the same bounds, and where a value reaches the planners anyway (a policy stored
// without the schema, a status written by hand) the time arithmetic saturates instead of
// overflowing the nanosecond clock. Run under UBSan, a signed overflow anywhere here fails the run.

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "api/parse.hpp"
#include "api_test_support.hpp"
#include "common/saturating_time.hpp"
#include "reconcile/canary_status.hpp"
#include "reconcile/condition_convert.hpp"
#include "strategy/blue_green.hpp"
#include "strategy/canary.hpp"
#include "strategy/progress.hpp"

namespace rolloutd {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using std::chrono::sys_days;
using std::chrono::year;

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int32_t int32_max = std::numeric_limits<std::int32_t>::max();

const std::chrono::system_clock::time_point noon{sys_days{year{2026} / 1 / 1} + 12h};
const std::chrono::sys_seconds year_9999{sys_days{year{9999} / 12 / 31}};
const std::chrono::sys_seconds year_1{sys_days{year{1} / 1 / 1}};

json canary_with_pause(const json& duration) {
  auto object = api::testing::minimal_policy();
  object["spec"]["strategy"]["canary"]["steps"] =
      json::array({{{"setWeight", 20}}, {{"pause", {{"duration", duration}}}}});
  return object;
}

// The error parse gives for `object`, "" when it parses.
std::string parse_error(const json& object) {
  auto parsed = api::parse_rollout_policy(object);
  return parsed.ok() ? std::string() : api::describe(parsed.errors(), 10);
}

TEST(TimeBounds, ParseRefusesPausesLongerThanThirtyDays) {
  struct row {
    json duration;
    std::string error;  // "" when accepted
  };
  const std::vector<row> rows{
      {"2500000h", "must be at most 720h (30 days)"},
      {"720h1s", "must be at most 720h (30 days)"},
      {"2562047h47m16.854775807s", "must be at most 720h (30 days)"},  // INT64_MAX nanoseconds
      {"2562048h", "out of range"},
      {"-5s", "must not be negative"},
      {int64_max, "must be at most 2592000"},
      {2592001, "must be at most 2592000"},
      {-1, "must be at least 0"},
      {"720h", ""},
      {"719h59m60s", ""},
      {2592000, ""},
      {0, ""},
  };
  for (const auto& r : rows) {
    const std::string error = parse_error(canary_with_pause(r.duration));
    if (r.error.empty()) {
      EXPECT_EQ(error, "") << r.duration.dump();
    } else {
      EXPECT_NE(error.find(r.error), std::string::npos) << r.duration.dump() << ": " << error;
      EXPECT_NE(error.find("pause.duration"), std::string::npos) << error;
    }
  }
}

TEST(TimeBounds, ParseRefusesWaitsAndTimesOutsideTheirBounds) {
  struct row {
    std::string field;  // a JSON pointer under the policy
    json value;
    std::string error;  // "" when accepted
  };
  const std::vector<row> rows{
      {"/spec/minReadySeconds", 2592001, "must be at most 2592000"},
      {"/spec/minReadySeconds", 2592000, ""},
      {"/spec/progressDeadlineSeconds", 100000000,
       "at most 2592000 (30 days), or 2147483647 for no deadline"},
      {"/spec/progressDeadlineSeconds", int32_max, ""},
      {"/spec/progressDeadlineSeconds", 2592000, ""},
      {"/spec/restartAt", "9999-12-31T23:59:59Z", "must be from 1970-01-01T00:00:00Z and before 2100"},
      {"/spec/restartAt", "2262-04-12T00:00:00Z", "must be from 1970-01-01T00:00:00Z and before 2100"},
      {"/spec/restartAt", "0001-01-01T00:00:00Z", "must be from 1970-01-01T00:00:00Z and before 2100"},
      {"/spec/restartAt", "2099-12-31T23:59:59Z", ""},
      {"/spec/strategy/blueGreen", json{{"activeService", "a"}, {"scaleDownDelaySeconds", int32_max}},
       "scaleDownDelaySeconds: must be at most 2592000"},
      {"/spec/strategy/blueGreen", json{{"activeService", "a"}, {"abortScaleDownDelaySeconds", 2592001}},
       "abortScaleDownDelaySeconds: must be at most 2592000"},
      {"/spec/strategy/blueGreen", json{{"activeService", "a"}, {"autoPromotionSeconds", int32_max}},
       "autoPromotionSeconds: must be at most 2592000"},
      {"/spec/strategy/canary", json{{"scaleDownDelaySeconds", int64_max}},
       "scaleDownDelaySeconds: must be at most"},
      {"/spec/strategy/canary", json{{"abortScaleDownDelaySeconds", 2592000}}, ""},
  };
  for (const auto& r : rows) {
    auto object = api::testing::minimal_policy();
    object[json::json_pointer(r.field)] = r.value;
    const std::string error = parse_error(object);
    if (r.error.empty()) {
      EXPECT_EQ(error, "") << r.field << "=" << r.value.dump();
    } else {
      EXPECT_NE(error.find(r.error), std::string::npos) << r.field << "=" << r.value.dump() << ": " << error;
    }
  }
}

// The planners get what the parser would refuse: a policy that bypassed the schema and the
// parser's bounds must still never see a wait end early.
strategy::canary_input paused_canary(std::chrono::nanoseconds duration, strategy::wall_time started) {
  strategy::canary_input in;
  in.replicas = 2;
  in.steps = {strategy::weight_step{50}, strategy::pause_step{duration}, strategy::weight_step{100}};
  in.hash = "v2";
  in.new_replica_set_name = "hello-v2";
  strategy::replica_set_state v1;
  v1.name = "hello-v1";
  v1.hash = "v1";
  v1.revision = 1;
  v1.spec_replicas = v1.status_replicas = v1.ready_replicas = v1.available_replicas = 1;
  auto v2 = v1;
  v2.name = "hello-v2";
  v2.hash = "v2";
  v2.revision = 2;
  in.old_replica_sets = {v1};
  in.new_replica_set = v2;
  in.memory.current_hash = "v2";
  in.memory.stable_hash = "v1";
  in.memory.step_index = 1;
  in.memory.pause_start = started;
  in.now = noon;
  return in;
}

TEST(TimeBounds, AnEnormousCanaryPauseNeverEndsEarly) {
  for (const auto duration :
       {std::chrono::nanoseconds(std::chrono::hours(2'500'000)), std::chrono::nanoseconds(int64_max),
        std::chrono::nanoseconds(366 * 24h * 200)}) {
    auto planned = strategy::plan_canary(paused_canary(duration, noon - 1h));
    ASSERT_TRUE(planned.ok()) << planned.error;
    EXPECT_EQ(planned.plan.stage, strategy::canary_stage::paused_step) << duration.count();
    EXPECT_EQ(planned.plan.memory.step_index, 1) << duration.count();
    ASSERT_TRUE(planned.plan.wake_after.has_value());
    EXPECT_GT(*planned.plan.wake_after, 24h * 365 * 50) << duration.count();
  }
}

TEST(TimeBounds, APauseStartedInTheYear9999FromStatusDoesNotEndAndDoesNotOverflow) {
  api::rollout_policy policy;
  policy.metadata.name = "hello";
  policy.spec.replicas = 2;
  api::canary_strategy canary;
  canary.steps = {api::set_weight_step{50}, api::pause_step{10s}, api::set_weight_step{100}};
  policy.status.current_pod_hash = "v2";
  policy.status.stable_pod_hash = "v1";
  policy.status.current_step_index = 1;
  policy.status.pause_conditions = {{"CanaryPauseStep", year_9999}};
  auto progressing = api::make_condition(api::condition_types::progressing, api::condition_statuses::true_,
                                         "ReplicaSetUpdated", "", year_9999);
  policy.status.conditions = {progressing};
  const auto base = paused_canary(10s, noon);
  reconcile::canary_observed observed{"v2", "hello-v2", base.new_replica_set, base.old_replica_sets};
  const auto made = reconcile::make_canary_input(policy, canary, std::move(observed), noon);
  EXPECT_FALSE(made.deadline_newly_passed);
  auto planned = strategy::plan_canary(made.input);
  ASSERT_TRUE(planned.ok()) << planned.error;
  EXPECT_EQ(planned.plan.memory.step_index, 1);
  EXPECT_EQ(planned.plan.stage, strategy::canary_stage::paused_step);
}

TEST(TimeBounds, ProgressDeadlineFromAFarFutureOrFarPastLastUpdateTime) {
  for (const auto when : {year_9999, year_1}) {
    auto c = api::make_condition(api::condition_types::progressing, api::condition_statuses::true_,
                                 "ReplicaSetUpdated", "", when);
    const auto converted = reconcile::condition_to_strategy(&c);
    ASSERT_TRUE(converted.has_value());
    const bool far_future = when == year_9999;
    EXPECT_EQ(converted->last_update > noon, far_future);
    EXPECT_EQ(strategy::deadline_exceeded(converted, int32_max - 1, noon), !far_future);
    EXPECT_EQ(strategy::deadline_exceeded(converted, 600, noon), !far_future);

    strategy::progress_input in;
    in.current = converted;
    in.deadline_seconds = int32_max - 1;
    in.estimate = true;
    in.replicas = 3;
    in.previous = in.next = {3, 1, 3, 3, 0};
    in.new_replica_set = "hello-v2";
    in.now = noon;
    const auto out = strategy::evaluate_progress(in);
    EXPECT_EQ(out.deadline_exceeded, !far_future);
    if (out.recheck_after) {
      EXPECT_GE(*out.recheck_after, 0s);
    }
  }
}

TEST(TimeBounds, BlueGreenAutoPromotionAndScaleDownDelaysAtTheirExtremes) {
  strategy::blue_green_input in;
  in.replicas = 1;
  in.auto_promotion_seconds = int32_max;
  in.scale_down_delay_seconds = int32_max;
  in.active_service_name = "hello";
  in.active.exists = true;
  in.active.selected_hash = "v1";
  in.new_hash = "v2";
  in.new_replica_set_name = "hello-v2";
  strategy::replica_set_state v1;
  v1.name = "hello-v1";
  v1.hash = "v1";
  v1.revision = 1;
  v1.spec_replicas = v1.status_replicas = v1.ready_replicas = v1.available_replicas = 1;
  auto v2 = v1;
  v2.name = "hello-v2";
  v2.hash = "v2";
  v2.revision = 2;
  in.old_replica_sets = {v1};
  in.new_replica_set = v2;
  in.memory.current_hash = "v2";
  in.memory.stable_hash = "v1";
  in.memory.pause_start = std::chrono::system_clock::time_point(
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::time_point::max() - 1h));
  in.now = noon;
  auto planned = strategy::plan_blue_green(in);
  ASSERT_TRUE(planned.ok()) << planned.error;
  EXPECT_EQ(planned.plan.stage, strategy::blue_green_stage::awaiting_promotion);
  EXPECT_EQ(planned.plan.active_hash, "v1");
  ASSERT_TRUE(planned.plan.auto_promotion_at.has_value());
  EXPECT_GT(*planned.plan.auto_promotion_at, noon);
}

}  // namespace
}  // namespace rolloutd

namespace rolloutd {
namespace {

// The saturating helpers against 128-bit arithmetic, on seeded random values weighted toward the
// edges (INT64_MIN/MAX, the range's ends, 0). Prints the seed and the operands on a mismatch.
TEST(TimeBounds, SaturatingArithmeticAgreesWithWideArithmetic) {
  const auto seed =
      static_cast<std::uint64_t>(::testing::UnitTest::GetInstance()->random_seed()) * 7919u + 14u;
  std::mt19937_64 rng(seed);
  constexpr __int128 hi = std::numeric_limits<std::int64_t>::max() / 2;
  constexpr __int128 lo = -hi;
  const std::vector<std::int64_t> edges{std::numeric_limits<std::int64_t>::min(),
                                        std::numeric_limits<std::int64_t>::max(),
                                        static_cast<std::int64_t>(hi),
                                        static_cast<std::int64_t>(lo),
                                        static_cast<std::int64_t>(hi) + 1,
                                        0,
                                        -1,
                                        1};
  auto pick = [&]() -> std::int64_t {
    switch (rng() % 4) {
      case 0:
        return edges[rng() % edges.size()];
      case 1:
        return static_cast<std::int64_t>(rng() % 4'000'000'000'000'000'000ull);  // up to 2096
      default:
        return static_cast<std::int64_t>(rng());
    }
  };
  auto clamp = [](__int128 v) { return v > hi ? hi : v < lo ? lo : v; };
  for (int i = 0; i < 200'000; ++i) {
    const std::int64_t t = pick();
    const std::int64_t d = pick();
    const __int128 want = clamp(clamp(t) + d);
    const auto got = saturating_add(wall_time(wall_duration(t)), wall_duration(d));
    ASSERT_EQ(static_cast<__int128>(got.time_since_epoch().count()), want)
        << "seed " << seed << " step " << i << ": " << t << " + " << d;

    const std::int64_t s = pick();
    const __int128 want_s = clamp(static_cast<__int128>(s) * 1'000'000'000);
    const auto got_s = to_wall_time(std::chrono::sys_seconds(std::chrono::seconds(s)));
    // Saturated values are the range's ends; others are exact.
    if (want_s == hi || want_s == lo) {
      ASSERT_EQ(static_cast<__int128>(got_s.time_since_epoch().count()), want_s)
          << "seed " << seed << ": " << s;
    } else {
      ASSERT_EQ(static_cast<__int128>(got_s.time_since_epoch().count()),
                static_cast<__int128>(s) * 1'000'000'000)
          << "seed " << seed << ": " << s;
    }
  }
}

}  // namespace
}  // namespace rolloutd
