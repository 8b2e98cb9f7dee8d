// What `kubectl rp get` and `list` compute from the objects: which ReplicaSets and pods belong to
// the policy, their roles, the canary step and weights, kubectl's pod STATUS words.

#include <gtest/gtest.h>

#include "cli/rollout_view.hpp"
#include "cli_test_support.hpp"

namespace rolloutd::cli {
namespace {

using json = nlohmann::json;
using testing::items;
using testing::load_fixture;

rollout_view canary_scene() {
  const auto f = load_fixture("canary_paused.json");
  return make_rollout_view(f["policy"], items(f, "replicaSets"), items(f, "pods"));
}

TEST(CliView, KeepsOnlyWhatThePolicyControlsNewestRevisionFirst) {
  const auto v = canary_scene();
  ASSERT_EQ(v.replica_sets.size(), 3u);  // not the look-alike owned by another uid
  EXPECT_EQ(v.replica_sets[0].name, "hello-7c5b9d6f8d");
  EXPECT_EQ(v.replica_sets[0].revision, 3);
  EXPECT_EQ(v.replica_sets[2].revision, 1);
  EXPECT_EQ(v.replica_sets[0].pods.size(), 1u);
  EXPECT_EQ(v.replica_sets[1].pods.size(), 4u);
  EXPECT_EQ(v.replica_sets[2].pods.size(), 1u);
  EXPECT_EQ(v.replica_sets[1].pods[0].name, "hello-6b8c7d5f4b-2xk9p");  // sorted by name
}

TEST(CliView, CanaryStepWeightsAndRoles) {
  const auto v = canary_scene();
  EXPECT_EQ(v.strategy, "Canary");
  EXPECT_EQ(v.phase, "Paused");
  EXPECT_EQ(v.step, 1);
  EXPECT_EQ(v.steps, 4);
  EXPECT_EQ(v.set_weight, 25);  // the setWeight before the pause the rollout is at
  EXPECT_EQ(v.actual_weight, 20);
  EXPECT_EQ(v.replica_sets[0].roles, std::vector<std::string>{"canary"});
  EXPECT_EQ(v.replica_sets[1].roles, std::vector<std::string>{"stable"});
  EXPECT_TRUE(v.replica_sets[2].roles.empty());
  ASSERT_EQ(v.images.size(), 3u);  // the scaled-down revision still has a pod terminating
  EXPECT_EQ(v.images[0].image, "kelseyhightower/hello:2.0.0");
  EXPECT_EQ(v.images[0].roles, std::vector<std::string>{"canary"});
  EXPECT_EQ(v.images[1].roles, std::vector<std::string>{"stable"});
  EXPECT_EQ(v.desired, 4);
  EXPECT_EQ(v.current, 5);
  EXPECT_FALSE(v.stale);
}

TEST(CliView, SetWeightFollowsTheSteps) {
  auto policy = load_fixture("canary_paused.json")["policy"];
  const std::vector<std::pair<int, int>> index_to_weight = {{0, 25}, {1, 25}, {2, 50}, {3, 50}, {4, 100}};
  for (auto [index, weight] : index_to_weight) {
    policy["status"]["currentStepIndex"] = index;
    EXPECT_EQ(make_rollout_view(policy, {}, {}).set_weight, weight) << "step " << index;
  }
  policy["status"]["abort"] = true;
  EXPECT_EQ(make_rollout_view(policy, {}, {}).set_weight, 0);
}

TEST(CliView, StaleStatusAndMissingStatus) {
  auto policy = load_fixture("canary_paused.json")["policy"];
  policy["metadata"]["generation"] = 4;
  EXPECT_TRUE(make_rollout_view(policy, {}, {}).stale);
  policy.erase("status");
  const auto v = make_rollout_view(policy, {}, {});
  EXPECT_EQ(v.phase, "Unknown");
  ASSERT_EQ(v.images.size(), 1u);  // no ReplicaSets yet: the template's images
  EXPECT_EQ(v.images[0].image, "kelseyhightower/hello:2.0.0");
}

TEST(CliView, ASpecThatDoesNotParseIsStillShown) {
  const auto policies = items(load_fixture("policies.json"), "policies");
  const auto v = make_rollout_view(policies[3], {}, {});
  EXPECT_EQ(v.name, "broken");
  EXPECT_EQ(v.strategy, "Unknown");
  EXPECT_EQ(v.phase, "Degraded");
  EXPECT_EQ(v.desired, 1);
  EXPECT_EQ(make_rollout_view(json::object(), {}, {}).phase, "Unknown");  // nothing at all: no crash
}

TEST(CliView, BlueGreenRolesFollowTheSelectors) {
  const auto f = load_fixture("canary_paused.json");
  json policy = f["policy"];
  policy["spec"]["strategy"] = {
      {"blueGreen", {{"activeService", "hello"}, {"previewService", "hello-preview"}}}};
  policy["status"]["activeSelector"] = "6b8c7d5f4b";
  policy["status"]["previewSelector"] = "7c5b9d6f8d";
  const auto v = make_rollout_view(policy, items(f, "replicaSets"), {});
  EXPECT_EQ(v.strategy, "BlueGreen");
  EXPECT_FALSE(v.steps.has_value());
  EXPECT_EQ(v.replica_sets[0].roles, std::vector<std::string>{"preview"});
  EXPECT_EQ(v.replica_sets[1].roles, (std::vector<std::string>{"stable", "active"}));
}

json pod_with(json status, json metadata = json::object()) {
  metadata["name"] = "p";
  return {
      {"metadata", metadata}, {"spec", {{"containers", json::array({{{"name", "c"}}})}}}, {"status", status}};
}

TEST(CliView, PodStatusWordsAsKubectlPrintsThem) {
  struct case_ {
    json status;
    std::string state;
    bool healthy;
    bool failing;
  };
  const std::vector<case_> cases = {
      {{{"phase", "Running"},
        {"containerStatuses", {{{"ready", true}, {"state", {{"running", json::object()}}}}}}},
       "Running",
       true,
       false},
      {{{"phase", "Running"},
        {"containerStatuses", {{{"ready", false}, {"state", {{"running", json::object()}}}}}}},
       "Running",
       false,
       false},
      {{{"phase", "Pending"}}, "Pending", false, false},
      {{{"phase", "Pending"},
        {"containerStatuses",
         {{{"ready", false}, {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}}}},
       "ContainerCreating",
       false,
       false},
      {{{"phase", "Running"},
        {"containerStatuses",
         {{{"ready", false},
           {"restartCount", 4},
           {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}}}}},
       "CrashLoopBackOff",
       false,
       true},
      {{{"phase", "Pending"},
        {"containerStatuses",
         {{{"ready", false}, {"state", {{"waiting", {{"reason", "ImagePullBackOff"}}}}}}}}},
       "ImagePullBackOff",
       false,
       true},
      {{{"phase", "Pending"},
        {"initContainerStatuses", {{{"state", {{"waiting", {{"reason", "PodInitializing"}}}}}}}}},
       "Init:0/1",
       false,
       false},
      {{{"phase", "Failed"}, {"reason", "Evicted"}}, "Evicted", false, true},
      {{{"phase", "Running"}, {"containerStatuses", "not a list"}}, "Running", false, false},
  };
  for (const auto& c : cases) {
    const auto p = make_pod_view(pod_with(c.status));
    EXPECT_EQ(p.state, c.state) << c.status.dump();
    EXPECT_EQ(p.healthy, c.healthy) << c.status.dump();
    EXPECT_EQ(p.failing, c.failing) << c.status.dump();
  }
  const auto terminating =
      make_pod_view(pod_with({{"phase", "Running"}}, {{"deletionTimestamp", "2026-01-01T00:00:00Z"}}));
  EXPECT_EQ(terminating.state, "Terminating");
  const auto restarted = make_pod_view(pod_with(cases[4].status));
  EXPECT_EQ(restarted.restarts, 4);
  EXPECT_EQ(restarted.containers, 1);
}

}  // namespace
}  // namespace rolloutd::cli
