// `kubectl rp status` decides like `kubectl rollout status`: done only on Healthy for the current
// generation, failed on Degraded, waiting otherwise; each look gives one line.

#include <gtest/gtest.h>

#include "cli/status_report.hpp"
#include "cli_test_support.hpp"

namespace rolloutd::cli {
namespace {

using json = nlohmann::json;

json rolling(json status, std::int64_t generation = 2, bool paused = false) {
  json p = {{"metadata", {{"name", "hello"}, {"namespace", "shop"}, {"generation", generation}}},
            {"spec",
             {{"replicas", 3},
              {"paused", paused},
              {"selector", {{"matchLabels", {{"app", "hello"}}}}},
              {"template",
               {{"metadata", {{"labels", {{"app", "hello"}}}}},
                {"spec", {{"containers", json::array({{{"name", "hello"}, {"image", "hello:2"}}})}}}}}}}};
  if (!status.is_null()) p["status"] = std::move(status);
  return p;
}

TEST(CliStatus, VerdictsAndLines) {
  struct case_ {
    std::string what;
    json policy;
    rollout_verdict verdict;
    std::string text;
  };
  const std::vector<case_> cases = {
      {"no status yet", rolling(nullptr), rollout_verdict::waiting,
       "Waiting for rollout \"hello\" to start: the controller has not reported a status yet..."},
      {"healthy", rolling({{"observedGeneration", 2}, {"phase", "Healthy"}}), rollout_verdict::healthy,
       "rollout \"hello\" successfully rolled out"},
      {"healthy for an older generation", rolling({{"observedGeneration", 1}, {"phase", "Healthy"}}),
       rollout_verdict::waiting, "Waiting for rollout \"hello\" spec update to be observed..."},
      {"degraded for an older generation", rolling({{"observedGeneration", 1}, {"phase", "Degraded"}}),
       rollout_verdict::waiting, "Waiting for rollout \"hello\" spec update to be observed..."},
      {"degraded",
       rolling({{"observedGeneration", 2}, {"phase", "Degraded"}, {"message", "rollout aborted"}}),
       rollout_verdict::degraded, "rollout \"hello\" is Degraded: rollout aborted"},
      {"invalid spec without a message",
       rolling({{"observedGeneration", 2},
                {"phase", "Degraded"},
                {"conditions", {{{"type", "InvalidSpec"}, {"status", "True"}, {"message", "bad steps"}}}}}),
       rollout_verdict::degraded, "rollout \"hello\" is Degraded: bad steps"},
      {"new replicas being created",
       rolling({{"observedGeneration", 2},
                {"phase", "Progressing"},
                {"replicas", 4},
                {"updatedReplicas", 1},
                {"availableReplicas", 3}}),
       rollout_verdict::waiting,
       "Waiting for rollout \"hello\" to finish: 1 out of 3 new replicas have been updated..."},
      {"old replicas left",
       rolling({{"observedGeneration", 2},
                {"phase", "Progressing"},
                {"replicas", 4},
                {"updatedReplicas", 3},
                {"availableReplicas", 3}}),
       rollout_verdict::waiting,
       "Waiting for rollout \"hello\" to finish: 1 old replicas are pending termination..."},
      {"not yet available",
       rolling({{"observedGeneration", 2},
                {"phase", "Progressing"},
                {"replicas", 3},
                {"updatedReplicas", 3},
                {"availableReplicas", 2}}),
       rollout_verdict::waiting,
       "Waiting for rollout \"hello\" to finish: 2 of 3 updated replicas are available..."},
      {"pods that cannot be created (ReplicaFailure)",
       rolling({{"observedGeneration", 2},
                {"phase", "Progressing"},
                {"replicas", 1},
                {"updatedReplicas", 1},
                {"availableReplicas", 1},
                {"conditions",
                 {{{"type", "ReplicaFailure"},
                   {"status", "True"},
                   {"reason", "FailedCreate"},
                   {"message", "pods \"hello-x\" is forbidden: exceeded quota: pods"}}}}}),
       rollout_verdict::waiting,
       "Waiting for rollout \"hello\" to finish: 1 out of 3 new replicas have been updated... "
       "(FailedCreate: pods \"hello-x\" is forbidden: exceeded quota: pods)"},
      {"paused by the user",
       rolling({{"observedGeneration", 2}, {"phase", "Paused"}, {"message", "paused"}}, 2, true),
       rollout_verdict::waiting,
       "Waiting for rollout \"hello\" to finish: Paused (resume with: kubectl rp resume hello)"},
  };
  for (const auto& c : cases) {
    const auto r = evaluate_status(c.policy);
    EXPECT_EQ(r.verdict, c.verdict) << c.what;
    EXPECT_EQ(r.text, c.text) << c.what;
  }
}

TEST(CliStatus, CanaryReportsStepsAndAsksForPromotion) {
  const auto policy = testing::load_fixture("canary_paused.json")["policy"];
  const auto r = evaluate_status(policy);
  EXPECT_EQ(r.verdict, rollout_verdict::waiting);
  EXPECT_EQ(r.text,
            "Waiting for rollout \"hello\" to finish: step 1/4, canary weight 20%: Paused - paused at step "
            "2/4 (pause: until promoted) "
            "(continue with: kubectl rp promote hello)");
  EXPECT_DOUBLE_EQ(r.progress, 0.25);
}

TEST(CliStatus, ProgressBarOnlyOnATerminal) {
  status_report r{
      .verdict = rollout_verdict::waiting, .text = "Waiting for rollout \"hello\"", .progress = 0.5};
  render_options pipe;
  EXPECT_EQ(format_status_line(r, pipe), r.text);
  render_options tty{.width = 80, .symbols = true};
  EXPECT_EQ(format_status_line(r, tty), "▕██████████░░░░░░░░░░▏ 50%   Waiting for rollout \"hello\"");
  tty.width = 34;
  const auto narrow = format_status_line(r, tty);
  EXPECT_EQ(display_width(narrow), 34u) << narrow;
  r.progress = 1.0;
  r.verdict = rollout_verdict::healthy;
  tty.width = 0;
  tty.color = true;
  EXPECT_EQ(format_status_line(r, tty).rfind("\x1b[32m▕████████████████████▏ 100%  \x1b[0m", 0), 0u);
}

TEST(CliStatus, ProgressOfARollingUpdateCountsOldReplicas) {
  const auto r = evaluate_status(rolling({{"observedGeneration", 2},
                                          {"phase", "Progressing"},
                                          {"replicas", 4},
                                          {"updatedReplicas", 3},
                                          {"availableReplicas", 3}}));
  EXPECT_DOUBLE_EQ(r.progress, 0.75);
}

}  // namespace
}  // namespace rolloutd::cli
