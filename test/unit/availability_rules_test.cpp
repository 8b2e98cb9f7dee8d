// The availability checker's sampling rules (test/tools/availability_rules.hpp): how EndpointSlices
// become a Service's endpoints, the floor, and the single-revision rule with its grace window.

#include <gtest/gtest.h>

#include <map>

#include "availability_rules.hpp"

namespace rolloutd::tools {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using time_point = std::chrono::steady_clock::time_point;

json endpoint(const std::string& pod, std::optional<bool> ready, bool terminating = false) {
  json e = {{"addresses", {"10.0.0.1"}},
            {"targetRef", {{"kind", "Pod"}, {"name", pod}}},
            {"conditions", json::object()}};
  if (ready) e["conditions"]["ready"] = *ready;
  if (terminating) e["conditions"]["terminating"] = true;
  return e;
}

json slice(std::vector<json> endpoints) {
  return {{"endpoints", std::move(endpoints)}};
}

pod_hash_lookup hashes(std::map<std::string, std::string> by_pod) {
  return [by_pod](std::string_view pod) -> std::optional<std::string> {
    auto it = by_pod.find(std::string(pod));
    if (it == by_pod.end()) return std::nullopt;
    return it->second;
  };
}

endpoint_view ep(std::string pod, bool ready, std::string hash, bool terminating = false) {
  return {.pod = std::move(pod), .ready = ready, .terminating = terminating, .hash = std::move(hash)};
}

TEST(AvailabilityRules, EndpointsAreDeduplicatedAcrossSlicesAndAbsentReadyMeansReady) {
  std::vector<json> slices = {
      slice({endpoint("a", true), endpoint("b", false), endpoint("c", std::nullopt)}),
      slice({endpoint("b", true), endpoint("d", false, true)}),  // b listed again, ready there
      json{{"endpoints", nullptr}},                              // an empty slice
      json::array(),                                             // not even an object
  };
  auto endpoints = service_endpoints(slices, hashes({{"a", "h1"}, {"b", "h2"}}));
  ASSERT_EQ(endpoints.size(), 4U);
  EXPECT_EQ(endpoints[0].pod, "a");
  EXPECT_EQ(endpoints[0].hash, "h1");
  EXPECT_TRUE(endpoints[1].ready);  // b
  EXPECT_EQ(endpoints[1].hash, "h2");
  EXPECT_TRUE(endpoints[2].ready);   // c: no ready condition
  EXPECT_EQ(endpoints[2].hash, "");  // c: pod unknown
  EXPECT_FALSE(endpoints[3].ready);  // d
  EXPECT_TRUE(endpoints[3].terminating);
}

TEST(AvailabilityRules, EndpointWithoutTargetRefIsKeyedByAddress) {
  json bare = {{"addresses", {"10.0.0.9"}}, {"conditions", {{"ready", true}}}};
  auto endpoints = service_endpoints({slice({bare})}, {});
  ASSERT_EQ(endpoints.size(), 1U);
  EXPECT_EQ(endpoints[0].pod, "10.0.0.9");
}

TEST(AvailabilityRules, FloorCountsReadyEndpointsOnly) {
  struct row {
    std::vector<endpoint_view> endpoints;
    std::optional<int> floor;
    int ready;
    bool violated;
  };
  const std::vector<row> rows = {
      {{ep("a", true, ""), ep("b", true, ""), ep("c", false, "")}, 2, 2, false},
      {{ep("a", true, ""), ep("b", false, ""), ep("c", false, "")}, 2, 1, true},
      {{}, 1, 0, true},
      {{}, 0, 0, false},
      {{ep("a", false, "")}, std::nullopt, 0, false},
  };
  for (const auto& r : rows) {
    checker_state state;
    auto verdict = judge_sample({.floor = r.floor}, r.endpoints, time_point{}, state);
    EXPECT_EQ(verdict.ready, r.ready);
    EXPECT_EQ(!verdict.violations.empty(), r.violated) << r.ready << " ready, floor " << r.floor.value_or(-1);
  }
}

TEST(AvailabilityRules, StateCountsSamplesAndTheMinimum) {
  checker_state state;
  (void)judge_sample({}, {ep("a", true, ""), ep("b", true, "")}, time_point{}, state);
  (void)judge_sample({}, {ep("a", true, "")}, time_point{}, state);
  (void)judge_sample({}, {ep("a", true, ""), ep("b", true, ""), ep("c", true, "")}, time_point{}, state);
  EXPECT_EQ(state.samples, 3);
  EXPECT_EQ(state.min_ready, 1);
}

TEST(AvailabilityRules, SingleRevisionRefusesANotReadyEndpointButNotATerminatingOne) {
  checker_rules rules{.single_revision = true};
  checker_state state;
  auto not_ready = judge_sample(rules, {ep("a", true, "h1"), ep("b", false, "h1")}, time_point{}, state);
  ASSERT_EQ(not_ready.violations.size(), 1U);
  EXPECT_NE(not_ready.violations[0].find("b not ready"), std::string::npos);
  auto leaving = judge_sample(rules, {ep("a", true, "h1"), ep("b", false, "h2", true)}, time_point{}, state);
  EXPECT_TRUE(leaving.violations.empty());
}

TEST(AvailabilityRules, SingleRevisionToleratesAMixOnlyForTheGraceWindow) {
  checker_rules rules{.single_revision = true, .switch_grace = milliseconds(1000)};
  checker_state state;
  const std::vector<endpoint_view> mixed = {ep("a", true, "h1"), ep("b", true, "h2"), ep("c", true, "h2")};
  const std::vector<endpoint_view> settled = {ep("b", true, "h2"), ep("c", true, "h2")};
  time_point t0{std::chrono::hours(1)};
  EXPECT_TRUE(judge_sample(rules, mixed, t0, state).violations.empty());
  EXPECT_TRUE(judge_sample(rules, mixed, t0 + milliseconds(1000), state).violations.empty());
  auto late = judge_sample(rules, mixed, t0 + milliseconds(1100), state);
  ASSERT_EQ(late.violations.size(), 1U);
  EXPECT_NE(late.violations[0].find("h1x1,h2x2"), std::string::npos) << late.violations[0];
  EXPECT_EQ(state.longest_mix, milliseconds(1100));

  // Settling resets the window: a later switch gets a fresh grace period.
  EXPECT_TRUE(judge_sample(rules, settled, t0 + milliseconds(1200), state).violations.empty());
  EXPECT_TRUE(judge_sample(rules, mixed, t0 + milliseconds(5000), state).violations.empty());
  EXPECT_TRUE(judge_sample(rules, mixed, t0 + milliseconds(5900), state).violations.empty());
}

TEST(AvailabilityRules, SingleRevisionIgnoresUnknownHashes) {
  checker_rules rules{.single_revision = true, .switch_grace = milliseconds(0)};
  checker_state state;
  auto verdict = judge_sample(rules, {ep("a", true, "h1"), ep("b", true, "")}, time_point{}, state);
  EXPECT_TRUE(verdict.violations.empty());
}

TEST(AvailabilityRules, FloorFileText) {
  EXPECT_EQ(parse_floor("3"), 3);
  EXPECT_EQ(parse_floor(" 12\n"), 12);
  EXPECT_EQ(parse_floor("0"), 0);
  EXPECT_EQ(parse_floor(""), std::nullopt);
  EXPECT_EQ(parse_floor("\n"), std::nullopt);
  EXPECT_EQ(parse_floor("-1"), std::nullopt);
  EXPECT_EQ(parse_floor("3x"), std::nullopt);
  EXPECT_EQ(parse_floor("99999999999999"), std::nullopt);
}

}  // namespace
}  // namespace rolloutd::tools
