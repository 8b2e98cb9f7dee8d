#include "metrics/rollout_timer.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace rolloutd {
namespace {

using enum policy_phase;  // outcomes are spelt out: both enums have "healthy"

struct step {
  int advance_s;  // seconds since the previous snapshot
  std::int64_t revision;
  policy_phase phase;
  bool aborted = false;
  std::optional<int> started_s_ago{};  // status says the revision appeared this long ago
};

struct ended {
  std::size_t at_step;
  rollout_outcome outcome;
  double seconds;

  bool operator==(const ended&) const = default;
};

std::ostream& operator<<(std::ostream& out, const ended& e) {
  return out << "{step " << e.at_step << ", " << label_value(e.outcome) << ", " << e.seconds << "s}";
}

struct timer_case {
  std::string name;
  std::vector<step> steps;
  std::vector<ended> want;
};

const std::vector<timer_case> cases = {
    {"a rollout seen from its start is timed to Healthy",
     {{0, 2, progressing}, {30, 2, paused}, {60, 2, progressing}, {15, 2, healthy}, {100, 2, healthy}},
     {{3, rollout_outcome::healthy, 105}}},
    {"a policy first seen Healthy is not timed",
     {{0, 5, healthy}, {20, 5, progressing}, {20, 5, healthy}},
     {}},
    {"a policy first seen aborted is not timed", {{0, 5, degraded, true}, {20, 5, degraded, true}}, {}},
    {"the status time of the revision is the start when given",
     {{0, 3, progressing, false, 400}, {100, 3, healthy}},
     {{1, rollout_outcome::healthy, 500}}},
    {"a status time in the future counts as zero, never negative",
     {{0, 3, progressing, false, -50}, {10, 3, healthy}},
     {{1, rollout_outcome::healthy, 0}}},
    {"an abort ends the rollout once",
     {{0, 1, healthy}, {0, 2, progressing}, {40, 2, degraded, true}, {40, 2, degraded, true}},
     {{2, rollout_outcome::aborted, 40}}},
    {"a retry after an abort starts again from the retry",
     {{0, 1, healthy}, {0, 2, progressing}, {40, 2, degraded, true}, {500, 2, progressing}, {30, 2, healthy}},
     {{2, rollout_outcome::aborted, 40}, {4, rollout_outcome::healthy, 30}}},
    {"a newer revision supersedes a running rollout",
     {{0, 1, healthy}, {0, 2, progressing}, {25, 3, progressing}, {35, 3, healthy}},
     {{2, rollout_outcome::superseded, 25}, {3, rollout_outcome::healthy, 35}}},
    {"a revision already Healthy when first seen ends in the same snapshot",
     {{0, 1, healthy}, {0, 2, progressing}, {25, 3, healthy, false, 5}},
     {{2, rollout_outcome::superseded, 25}, {2, rollout_outcome::healthy, 5}}},
    {"a new revision after a finished rollout starts a new one",
     {{0, 1, progressing}, {10, 1, healthy}, {50, 2, progressing}, {20, 2, healthy}},
     {{1, rollout_outcome::healthy, 10}, {3, rollout_outcome::healthy, 20}}},
    {"a deadline overrun (Degraded without abort) keeps timing",
     {{0, 1, healthy}, {0, 2, progressing}, {600, 2, degraded}, {60, 2, healthy}},
     {{3, rollout_outcome::healthy, 660}}},
    {"leaving Healthy without a new revision is not a rollout",
     {{0, 1, progressing}, {10, 1, healthy}, {10, 1, progressing}, {10, 1, healthy}},
     {{1, rollout_outcome::healthy, 10}}},
};

// Keeps the case's name, not its bytes, in test listings and failure messages.
void PrintTo(const timer_case& c, std::ostream* out) {
  *out << c.name;
}

class RolloutTimer : public ::testing::TestWithParam<timer_case> {};

TEST_P(RolloutTimer, EndsRolloutsAsTheRulesSay) {
  rollout_timer timer;
  auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50);
  std::vector<ended> got;
  const auto& steps = GetParam().steps;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    now += std::chrono::seconds(s.advance_s);
    std::optional<rollout_timer::wall_time> started;
    if (s.started_s_ago) started = now - std::chrono::seconds(*s.started_s_ago);
    for (const auto& f : timer.observe(s.revision, s.phase, s.aborted, started, now)) {
      got.push_back({i, f.outcome, f.seconds});
    }
  }
  EXPECT_EQ(got, GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(Cases, RolloutTimer, ::testing::ValuesIn(cases), [](const auto& info) {
  std::string name;
  for (const char c : info.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
});

}  // namespace
}  // namespace rolloutd
