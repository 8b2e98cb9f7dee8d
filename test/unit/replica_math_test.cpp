#include "strategy/replica_math.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <map>

namespace rolloutd::strategy {
namespace {

using std::chrono::hours;
using std::chrono::sys_days;
using std::chrono::system_clock;

constexpr auto pct = int_or_percent::percentage;
constexpr auto num = int_or_percent::count;
constexpr std::int32_t int32_max = std::numeric_limits<std::int32_t>::max();

TEST(ReplicaMath, ParsesIntOrPercent) {
  struct row {
    std::string_view text;
    std::optional<int_or_percent> want;
  };
  const row rows[] = {
      {"25%", pct(25)},
      {"0%", pct(0)},
      {"150%", pct(150)},
      {"3", num(3)},
      {"0", num(0)},
      {"", std::nullopt},
      {"%", std::nullopt},
      {"-1", std::nullopt},
      {"+3", std::nullopt},
      {"2.5%", std::nullopt},
      {" 3", std::nullopt},
      {"25 %", std::nullopt},
      {"25%%", std::nullopt},
      {"abc", std::nullopt},
      {"99999999999", std::nullopt},
      {"99999999999%", std::nullopt},
  };
  for (const auto& r : rows) EXPECT_EQ(parse_int_or_percent(r.text), r.want) << "'" << r.text << "'";
}

TEST(ReplicaMath, ScaledValueRoundsPercentagesAsTold) {
  struct row {
    int_or_percent v;
    std::int32_t total;
    rounding r;
    std::int32_t want;
  };
  const row rows[] = {
      {pct(25), 3, rounding::up, 1},    // 0.75 up
      {pct(25), 3, rounding::down, 0},  // 0.75 down
      {pct(25), 4, rounding::up, 1},    // exact
      {pct(39), 10, rounding::up, 4},   // 3.9
      {pct(39), 10, rounding::down, 3},
      {pct(150), 4, rounding::up, 6},  // above 100% is allowed for surge
      {pct(0), 10, rounding::up, 0},
      {num(5), 3, rounding::down, 5},  // counts ignore the total
      {num(-2), 3, rounding::up, 0},   // negatives (rejected by validation) count as 0
      {pct(25), -4, rounding::up, 0},
      {pct(100), int32_max, rounding::up, int32_max},
      {pct(1000), int32_max, rounding::up, int32_max},  // saturates instead of overflowing
  };
  for (const auto& r : rows) {
    EXPECT_EQ(scaled_value(r.v, r.total, r.r), r.want)
        << r.v.value << (r.v.percent ? "%" : "") << " of " << r.total;
  }
}

TEST(ReplicaMath, ResolvesFenceposts) {
  struct row {
    std::string_view name;
    int_or_percent surge, unavailable;
    std::int32_t replicas;
    fenceposts want;
  };
  const row rows[] = {
      {"3 at 25%/25%: surge rounds up, unavailable down", pct(25), pct(25), 3, {1, 0}},
      {"1 at 25%/25%", pct(25), pct(25), 1, {1, 0}},
      {"10 at 25%/25%", pct(25), pct(25), 10, {3, 2}},
      {"10 at 39%/39% (Kubernetes' table)", pct(39), pct(39), 10, {4, 3}},
      {"surge 0, unavailable 1", num(0), num(1), 10, {0, 1}},
      {"surge 3, unavailable 0", num(3), num(0), 10, {3, 0}},
      {"both 0 -> unavailable 1", num(0), num(0), 10, {0, 1}},
      {"both 0% -> unavailable 1", pct(0), pct(0), 10, {0, 1}},
      {"both round to 0 -> unavailable 1", pct(0), pct(1), 1, {0, 1}},
      {"100% surge", pct(100), num(0), 4, {4, 0}},
      {"over 100%: surge uncapped, unavailable capped at replicas", pct(150), pct(150), 4, {6, 4}},
      {"unavailable count above replicas is capped", num(1), num(10), 5, {1, 5}},
      {"0 replicas, both 0%: nothing may be unavailable", pct(0), pct(0), 0, {0, 0}},
      {"0 replicas, 25%/25%", pct(25), pct(25), 0, {0, 0}},
      {"0 replicas keep a count surge", num(1), num(10), 0, {1, 0}},
  };
  for (const auto& r : rows)
    EXPECT_EQ(resolve_fenceposts(r.surge, r.unavailable, r.replicas), r.want) << r.name;
}

TEST(ReplicaMath, NewReplicaSetTargetStaysWithinSurge) {
  struct row {
    std::string_view name;
    std::int32_t replicas, surge, total_spec, new_spec, want;
  };
  const row rows[] = {
      // Kubernetes' TestDeploymentController_reconcileNewReplicaSet and TestNewRSNewReplicas.
      {"no surge, old still full", 10, 0, 10, 0, 0},
      {"surge 2 over a full old set", 10, 2, 10, 0, 2},
      {"old half gone: grow to replicas + surge - total", 10, 2, 5, 0, 7},
      {"already at the surge limit", 10, 2, 12, 2, 2},
      {"total above the limit: stay", 1, 1, 5, 5, 5},
      {"never beyond replicas", 6, 10, 5, 2, 6},
      {"0 replicas", 0, 0, 0, 0, 0},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(new_replica_set_target(r.replicas, r.surge, r.total_spec, r.new_spec), r.want) << r.name;
  }
}

TEST(ReplicaMath, CreatedBeforeBreaksTiesByName) {
  const auto t = system_clock::time_point{sys_days{std::chrono::year{2026} / 1 / 1}};
  EXPECT_TRUE(created_before(t, "b", t + hours(1), "a"));
  EXPECT_FALSE(created_before(t + hours(1), "a", t, "b"));
  EXPECT_TRUE(created_before(t, "a", t, "b"));
  EXPECT_FALSE(created_before(t, "b", t, "a"));
  EXPECT_FALSE(created_before(t, "a", t, "a"));
}

// A ReplicaSet for the proportional tables; `age` 0 is the newest.
struct member_row {
  std::string name;
  int age_hours;
  std::int32_t replicas;
  std::optional<std::int32_t> max_replicas;
};

std::map<std::string, std::int32_t> scale_by_name(const std::vector<member_row>& rows, std::int32_t replicas,
                                                  std::int32_t surge, std::int32_t fallback,
                                                  std::vector<std::string>* order = nullptr) {
  const auto now = system_clock::time_point{sys_days{std::chrono::year{2026} / 1 / 1}};
  std::vector<proportional_member> members;
  for (const auto& r : rows)
    members.push_back({r.name, now - hours(r.age_hours), r.replicas, r.max_replicas});
  std::map<std::string, std::int32_t> out;
  for (const auto& step : proportional_scale(members, replicas, surge, fallback)) {
    out[rows.at(step.member).name] = step.replicas;
    if (order) order->push_back(rows.at(step.member).name);
  }
  EXPECT_EQ(out.size(), rows.size());
  return out;
}

TEST(ReplicaMath, ProportionalScaleMatchesKubernetes) {
  // The cases of Kubernetes' TestScale (sync_test.go). Every ReplicaSet carries max-replicas =
  // old replicas + old surge, as the controller wrote it when it last scaled them.
  struct row {
    std::string_view name;
    std::vector<member_row> members;
    std::int32_t replicas, surge;
    std::map<std::string, std::int32_t> want;
  };
  const row rows[] = {
      {"5 -> 10", {{"v2", 0, 2, 5}, {"v1", 1, 3, 5}}, 10, 0, {{"v2", 4}, {"v1", 6}}},
      {"5 -> 3", {{"v2", 0, 2, 5}, {"v1", 1, 3, 5}}, 3, 0, {{"v2", 1}, {"v1", 2}}},
      {"9 -> 4", {{"v2", 0, 8, 9}, {"v1", 1, 1, 9}}, 4, 0, {{"v2", 4}, {"v1", 0}}},
      // 7 -> 10, +3: v2 round(3*10/7)=4 (+1), v3 round(2*10/7)=3 (+1), v1 the same (+1).
      {"7 -> 10",
       {{"v3", 0, 2, 7}, {"v2", 1, 3, 7}, {"v1", 2, 2, 7}},
       10,
       0,
       {{"v3", 3}, {"v2", 4}, {"v1", 3}}},
      // 13 -> 8, -5: v2 round(8*8/13)=5 (-3), v1 round(3*8/13)=2 (-1), v3 round(2*8/13)=1 (-1).
      {"13 -> 8",
       {{"v3", 0, 2, 13}, {"v2", 1, 8, 13}, {"v1", 2, 3, 13}},
       8,
       0,
       {{"v3", 1}, {"v2", 5}, {"v1", 2}}},
      // Every share rounds to 0; the leftover goes to the first visited: the newest when growing...
      {"3 -> 4 leftover",
       {{"v3", 0, 1, 3}, {"v2", 1, 1, 3}, {"v1", 2, 1, 3}},
       4,
       0,
       {{"v3", 2}, {"v2", 1}, {"v1", 1}}},
      // ...and the oldest when shrinking.
      {"3 -> 2 leftover",
       {{"v3", 0, 1, 3}, {"v2", 1, 1, 3}, {"v1", 2, 1, 3}},
       2,
       0,
       {{"v3", 1}, {"v2", 1}, {"v1", 0}}},
      {"4 -> 5 without a new ReplicaSet", {{"v2", 1, 2, 4}, {"v1", 2, 2, 4}}, 5, 0, {{"v2", 3}, {"v1", 2}}},
      {"6 -> 0",
       {{"v3", 0, 3, 6}, {"v2", 1, 2, 6}, {"v1", 2, 1, 6}},
       0,
       0,
       {{"v3", 0}, {"v2", 0}, {"v1", 0}}},
      // v2 was last scaled for 3 replicas, so its share is measured against 3, the others' 5.
      {"mixed bases",
       {{"v3", 0, 2, 5}, {"v2", 1, 1, 3}, {"v1", 2, 1, 5}},
       5,
       0,
       {{"v3", 2}, {"v2", 2}, {"v1", 1}}},
      // 10 (+2 surge) -> 20 (+2): target 22 from 12, each 6 * 22 / 12 = 11.
      {"with surge pods", {{"v2", 0, 6, 12}, {"v1", 1, 6, 12}}, 20, 2, {{"v2", 11}, {"v1", 11}}},
      // 10 (+3) -> 50 (+6): v1 round(8*56/13)=34, v2 round(5*56/13)=22.
      {"surge and size change", {{"v2", 0, 5, 13}, {"v1", 1, 8, 13}}, 50, 6, {{"v2", 22}, {"v1", 34}}},
      {"nothing to add: sizes stay", {{"v2", 0, 5, 13}, {"v1", 1, 8, 13}}, 10, 3, {{"v2", 5}, {"v1", 8}}},
  };
  for (const auto& r : rows) EXPECT_EQ(scale_by_name(r.members, r.replicas, r.surge, 0), r.want) << r.name;
}

TEST(ReplicaMath, ProportionalScaleVisitsLargestFirst) {
  std::vector<std::string> order;
  scale_by_name({{"v3", 0, 1, 3}, {"v2", 1, 4, 3}, {"v1", 2, 1, 3}}, 9, 0, 0, &order);
  EXPECT_EQ(order, (std::vector<std::string>{"v2", "v3", "v1"}));  // growing: equal sizes newest first
  order.clear();
  scale_by_name({{"v3", 0, 1, 6}, {"v2", 1, 4, 6}, {"v1", 2, 1, 6}}, 3, 0, 0, &order);
  EXPECT_EQ(order, (std::vector<std::string>{"v2", "v1", "v3"}));  // shrinking: equal sizes oldest first
  order.clear();
  scale_by_name({{"v3", 0, 1, 6}, {"v2", 1, 4, 6}}, 5, 0, 0, &order);
  EXPECT_EQ(order, (std::vector<std::string>{"v3", "v2"}));  // nothing to move: input order
}

TEST(ReplicaMath, ProportionalScaleFallsBackWithoutAnnotation) {
  // No max-replicas annotation: the status.replicas last written (10) stands in for it.
  EXPECT_EQ(scale_by_name({{"v2", 0, 4, std::nullopt}, {"v1", 1, 6, std::nullopt}}, 20, 0, 10),
            (std::map<std::string, std::int32_t>{{"v2", 8}, {"v1", 12}}));
  // A zero base would divide by zero in Kubernetes; here the shares are 0 and the leftover goes to
  // the largest, so the total is still right.
  EXPECT_EQ(scale_by_name({{"v2", 0, 4, 0}, {"v1", 1, 6, 0}}, 20, 0, 0),
            (std::map<std::string, std::int32_t>{{"v2", 4}, {"v1", 16}}));
  EXPECT_TRUE(proportional_scale({}, 5, 1, 0).empty());
}

}  // namespace
}  // namespace rolloutd::strategy
