#include "metrics/policy_feed.hpp"

#include <gtest/gtest.h>

#include <string>

#include "kube/informer_cache.hpp"
#include "metrics_text.hpp"

namespace rolloutd {
namespace {

using nlohmann::json;
using testing::label_set;
using testing::parse_exposition;

json policy(const std::string& name, int rv, const std::string& phase, const std::string& current_hash) {
  auto p = json::parse(R"({
    "apiVersion": "rolloutd.io/v1alpha1",
    "kind": "RolloutPolicy",
    "metadata": {"namespace": "shop"},
    "spec": {
      "replicas": 4,
      "template": {"spec": {"containers": [{"name": "c", "image": "img:1"}]}}
    },
    "status": {"replicas": 4, "updatedReplicas": 2, "availableReplicas": 3, "currentRevision": 2}
  })");
  p["metadata"]["name"] = name;
  p["metadata"]["uid"] = "uid-" + name;
  p["metadata"]["resourceVersion"] = std::to_string(rv);
  p["spec"]["selector"]["matchLabels"]["app"] = name;
  p["spec"]["template"]["metadata"]["labels"]["app"] = name;
  p["status"]["phase"] = phase;
  p["status"]["currentPodHash"] = current_hash;
  return p;
}

json replica_set(const std::string& owner, const std::string& hash, int rv, int desired, int available) {
  return {
      {"metadata",
       {{"name", owner + "-" + hash},
        {"namespace", "shop"},
        {"resourceVersion", std::to_string(rv)},
        {"labels", {{"rolloutd.io/pod-template-hash", hash}}},
        {"ownerReferences", json::array({{{"apiVersion", "rolloutd.io/v1alpha1"},
                                          {"kind", "RolloutPolicy"},
                                          {"name", owner},
                                          {"uid", "uid-" + owner},
                                          {"controller", true}}})}}},
      {"spec", {{"replicas", desired}}},
      {"status", {{"availableReplicas", available}}},
  };
}

class MetricsPolicyFeed : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(policies.add_handlers(feed.policy_handlers()));
    ASSERT_TRUE(replica_sets.add_handlers(feed.replica_set_handlers()));
  }
  testing::exposition scrape() const { return parse_exposition(m.render_text()); }
  static label_set of(const std::string& name, label_set extra = {}) {
    extra.emplace("namespace", "shop");
    extra.emplace("name", name);
    return extra;
  }

  manual_clock clock;
  metrics m{clock};
  kube::informer_cache policies;
  kube::informer_cache replica_sets;
  policy_feed feed{m, policies, replica_sets};
};

TEST_F(MetricsPolicyFeed, PolicyAndReplicaSetEventsUpdateTheSeries) {
  policies.upsert(policy("web", 1, "Progressing", "new"));
  auto text = scrape();
  EXPECT_EQ(text.value("rolloutd_policy_info",
                       of("web", {{"strategy", "rollingUpdate"}, {"phase", "Progressing"}})),
            1.0);
  EXPECT_EQ(text.value("rolloutd_policy_replicas", of("web", {{"state", "available"}})), 3.0);
  EXPECT_TRUE(text.named("rolloutd_policy_revision_replicas").empty());

  replica_sets.upsert(replica_set("web", "new", 10, 2, 1));
  replica_sets.upsert(replica_set("web", "old", 11, 2, 2));
  text = scrape();
  EXPECT_EQ(
      text.value("rolloutd_policy_revision_replicas", of("web", {{"role", "new"}, {"state", "desired"}})),
      2.0);
  EXPECT_EQ(
      text.value("rolloutd_policy_revision_replicas", of("web", {{"role", "new"}, {"state", "available"}})),
      1.0);
  EXPECT_EQ(
      text.value("rolloutd_policy_revision_replicas", of("web", {{"role", "old"}, {"state", "desired"}})),
      2.0);

  // The new ReplicaSet becomes available: only a ReplicaSet event says so.
  replica_sets.upsert(replica_set("web", "new", 12, 4, 4));
  replica_sets.remove(replica_set("web", "old", 13, 0, 0));
  policies.upsert(policy("web", 2, "Healthy", "new"));
  text = scrape();
  EXPECT_EQ(
      text.value("rolloutd_policy_revision_replicas", of("web", {{"role", "new"}, {"state", "available"}})),
      4.0);
  EXPECT_EQ(text.count_matching(of("web", {{"role", "old"}})), 0U);
  EXPECT_EQ(
      text.value("rolloutd_policy_info", of("web", {{"strategy", "rollingUpdate"}, {"phase", "Healthy"}})),
      1.0);
}

TEST_F(MetricsPolicyFeed, ADeletedPolicyLeavesNoSeriesEvenWhenItsReplicaSetsGoLater) {
  policies.upsert(policy("web", 1, "Progressing", "new"));
  policies.upsert(policy("api", 2, "Healthy", "h"));
  replica_sets.upsert(replica_set("web", "new", 10, 4, 4));
  replica_sets.upsert(replica_set("api", "h", 11, 1, 1));
  m.count_event("shop", "web", "ScalingReplicaSet");
  ASSERT_GT(scrape().count_matching(of("web")), 0U);
  const auto api_series = scrape().count_matching(of("api"));

  policies.remove(policy("web", 20, "Progressing", "new"));
  EXPECT_EQ(scrape().count_matching(of("web")), 0U);
  EXPECT_EQ(m.policy_count(), 1U);

  // The garbage collector deletes the ReplicaSets afterwards, and a late reconcile records an event.
  replica_sets.remove(replica_set("web", "new", 21, 4, 4));
  m.count_event("shop", "web", "ScalingReplicaSet");
  EXPECT_EQ(scrape().count_matching(of("web")), 0U);
  EXPECT_EQ(scrape().count_matching(of("api")), api_series) << "the other policy is untouched";
}

TEST_F(MetricsPolicyFeed, ReplicaSetsOfOtherOwnersAreIgnored) {
  policies.upsert(policy("web", 1, "Progressing", "new"));
  auto foreign = replica_set("web", "new", 10, 9, 9);
  foreign["metadata"]["ownerReferences"][0]["kind"] = "Deployment";
  replica_sets.upsert(foreign);
  auto not_controller = replica_set("web", "x", 11, 9, 9);
  not_controller["metadata"]["ownerReferences"][0]["controller"] = false;
  replica_sets.upsert(not_controller);
  EXPECT_TRUE(scrape().named("rolloutd_policy_revision_replicas").empty());
  // An owner that does not exist creates no series.
  replica_sets.upsert(replica_set("ghost", "g", 12, 1, 1));
  EXPECT_EQ(scrape().count_matching(of("ghost")), 0U);
  EXPECT_EQ(m.policy_count(), 1U);
}

TEST_F(MetricsPolicyFeed, AnInvalidPolicyStillHasItsInfoSeries) {
  auto bad = policy("web", 1, "Degraded", "");
  bad["spec"]["replicas"] = "many";
  bad["spec"]["strategy"] = {{"blueGreen", {{"activeService", 5}}}};
  policies.upsert(bad);
  EXPECT_EQ(
      scrape().value("rolloutd_policy_info", of("web", {{"strategy", "blueGreen"}, {"phase", "Degraded"}})),
      1.0);
}

}  // namespace
}  // namespace rolloutd
