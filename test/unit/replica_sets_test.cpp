#include "reconcile/replica_sets.hpp"

#include <gtest/gtest.h>

namespace rolloutd::reconcile {
namespace {

const json selector = json::parse(R"({"matchLabels": {"app": "hello"}})");
const json pod_template = json::parse(R"({
  "metadata": {"labels": {"app": "hello", "track": "stable"}, "annotations": {"a": "b"},
               "creationTimestamp": null, "name": "ignored"},
  "spec": {"containers": [{"name": "hello", "image": "kelseyhightower/hello:1.0.0"}]}})");

TEST(BuildReplicaSet, OwnedLabelledAndSelectedByHash) {
  owner policy{"prod", "hello", "uid-1"};
  strategy::create_replica_set action{.name = "hello-abc",
                                      .replicas = 2,
                                      .revision = 3,
                                      .annotations = {.desired_replicas = 3, .max_replicas = 4}};
  auto rs = build_replica_set(policy, {selector, pod_template, "abc", 5}, action);

  EXPECT_EQ(rs["metadata"]["name"], "hello-abc");
  EXPECT_EQ(rs["metadata"]["namespace"], "prod");
  EXPECT_EQ(rs["metadata"]["labels"]["rolloutd.io/pod-template-hash"], "abc");
  EXPECT_EQ(rs["metadata"]["annotations"]["rolloutd.io/revision"], "3");
  EXPECT_EQ(rs["metadata"]["annotations"]["rolloutd.io/desired-replicas"], "3");
  EXPECT_EQ(rs["metadata"]["annotations"]["rolloutd.io/max-replicas"], "4");
  const auto& ref = rs["metadata"]["ownerReferences"][0];
  EXPECT_EQ(ref["kind"], "RolloutPolicy");
  EXPECT_EQ(ref["apiVersion"], "rolloutd.io/v1alpha1");
  EXPECT_EQ(ref["uid"], "uid-1");
  EXPECT_TRUE(ref["controller"].get<bool>());
  EXPECT_EQ(rs["spec"]["replicas"], 2);
  EXPECT_EQ(rs["spec"]["minReadySeconds"], 5);
  EXPECT_EQ(rs["spec"]["selector"]["matchLabels"],
            json::parse(R"({"app": "hello", "rolloutd.io/pod-template-hash": "abc"})"));
  const auto& tmeta = rs["spec"]["template"]["metadata"];
  EXPECT_EQ(tmeta["labels"]["rolloutd.io/pod-template-hash"], "abc");
  EXPECT_EQ(tmeta["labels"]["track"], "stable");
  EXPECT_EQ(tmeta["annotations"]["a"], "b");
  EXPECT_FALSE(tmeta.contains("name")) << "only labels and annotations are carried over";
  EXPECT_FALSE(tmeta.contains("creationTimestamp"));
  EXPECT_EQ(rs["spec"]["template"]["spec"], pod_template["spec"]);
  EXPECT_FALSE(rs["metadata"]["annotations"].contains("kubernetes.io/change-cause"));

  auto caused = build_replica_set(policy, {selector, pod_template, "abc", 5, "image 2.0.0"}, action);
  EXPECT_EQ(caused["metadata"]["annotations"]["kubernetes.io/change-cause"], "image 2.0.0");
}

// The template's own hash is recorded, so a later look recognises the ReplicaSet whatever the API
// server filled into its copy of the template.
TEST(BuildReplicaSet, RecordsTheTemplateHash) {
  owner policy{"prod", "hello", "uid-1"};
  strategy::create_replica_set action{.name = "hello-abc", .replicas = 1, .revision = 1};
  auto rs = build_replica_set(policy, {selector, pod_template, "abc", 0, "", "tmplhash"}, action);
  EXPECT_EQ(rs["metadata"]["annotations"]["rolloutd.io/template-hash"], "tmplhash");
  auto without = build_replica_set(policy, {selector, pod_template, "abc", 0}, action);
  EXPECT_FALSE(without["metadata"]["annotations"].contains("rolloutd.io/template-hash"));
}

TEST(Patches, CarryResourceVersionAndAnnotations) {
  auto p = scale_patch(
      {.name = "x", .from = 1, .to = 3, .annotations = {.desired_replicas = 3, .max_replicas = 4}}, "42");
  EXPECT_EQ(p, json::parse(R"({"metadata": {"resourceVersion": "42", "annotations":
      {"rolloutd.io/desired-replicas": "3", "rolloutd.io/max-replicas": "4"}}, "spec": {"replicas": 3}})"));
  auto a = annotate_patch({.name = "x", .revision = 5, .revision_history = "1,3"}, "7");
  EXPECT_EQ(a, json::parse(R"({"metadata": {"resourceVersion": "7", "annotations":
      {"rolloutd.io/revision": "5", "rolloutd.io/revision-history": "1,3"}}})"));
}

TEST(Patches, MinReadySecondsFollowsThePolicy) {
  const json with_five =
      json::parse(R"({"metadata": {"resourceVersion": "9"}, "spec": {"minReadySeconds": 5}})");
  const json without = json::parse(R"({"metadata": {"resourceVersion": "9"}, "spec": {"replicas": 1}})");
  EXPECT_EQ(new_replica_set_update(with_five, {.min_ready_seconds = 5}), std::nullopt);
  EXPECT_EQ(new_replica_set_update(without, {.min_ready_seconds = 0}), std::nullopt);  // absent means 0
  EXPECT_EQ(new_replica_set_update(with_five, {.min_ready_seconds = 0}),
            json::parse(R"({"metadata": {"resourceVersion": "9"}, "spec": {"minReadySeconds": 0}})"));
  EXPECT_EQ(new_replica_set_update(without, {.min_ready_seconds = 10}),
            json::parse(R"({"metadata": {"resourceVersion": "9"}, "spec": {"minReadySeconds": 10}})"));
  // A malformed value is corrected, not trusted.
  EXPECT_NE(
      new_replica_set_update(json::parse(R"({"spec": {"minReadySeconds": "5"}})"), {.min_ready_seconds = 5}),
      std::nullopt);
}

TEST(Patches, ChangeCauseFollowsThePolicy) {
  const json caused = json::parse(R"({"metadata": {"resourceVersion": "9",
      "annotations": {"kubernetes.io/change-cause": "image 2.0.0"}}})");
  const json uncaused = json::parse(R"({"metadata": {"resourceVersion": "9"}})");
  EXPECT_EQ(new_replica_set_update(caused, {.change_cause = "image 2.0.0"}), std::nullopt);
  // A policy without one leaves the ReplicaSet's alone (as the Deployment controller does).
  EXPECT_EQ(new_replica_set_update(caused, {}), std::nullopt);
  EXPECT_EQ(new_replica_set_update(uncaused, {.change_cause = "image 2.0.0"}),
            json::parse(R"({"metadata": {"resourceVersion": "9",
                "annotations": {"kubernetes.io/change-cause": "image 2.0.0"}}})"));
  EXPECT_EQ(new_replica_set_update(caused, {.min_ready_seconds = 3, .change_cause = "rollback"}),
            json::parse(R"({"metadata": {"resourceVersion": "9",
                "annotations": {"kubernetes.io/change-cause": "rollback"}}, "spec": {"minReadySeconds": 3}})"));
}

TEST(ObserveReplicaSet, ReadsCountsAnnotationsAndGeneration) {
  auto rs = json::parse(R"({"metadata": {"name": "hello-abc", "generation": 3,
      "creationTimestamp": "2026-11-27T03:41:35Z",
      "labels": {"rolloutd.io/pod-template-hash": "abc"},
      "annotations": {"rolloutd.io/revision": "4", "rolloutd.io/revision-history": "1,2",
                      "rolloutd.io/desired-replicas": "3", "rolloutd.io/max-replicas": "nope"}},
    "spec": {"replicas": 3},
    "status": {"replicas": 3, "readyReplicas": 2, "availableReplicas": 1, "observedGeneration": 2}})");
  auto o = observe_replica_set(rs);
  ASSERT_TRUE(o.state) << o.error;
  EXPECT_EQ(o.hash, "abc");
  EXPECT_EQ(o.state->revision, 4);
  EXPECT_EQ(o.state->revision_history, "1,2");
  EXPECT_EQ(o.state->spec_replicas, 3);
  EXPECT_EQ(o.state->ready_replicas, 2);
  EXPECT_EQ(o.state->available_replicas, 1);
  EXPECT_EQ(o.state->desired_replicas, 3);
  EXPECT_EQ(o.state->max_replicas, std::nullopt) << "a malformed annotation reads as absent";
  EXPECT_FALSE(o.state->status_current);
  EXPECT_FALSE(o.state->being_deleted);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(o.state->created), 1795750895);
}

TEST(ObserveReplicaSet, MalformedFieldsAreErrorsNotCrashes) {
  for (const char* text :
       {R"({})", R"({"metadata": {"name": 3}})", R"({"metadata": {"name": "x"}, "spec": {"replicas": "3"}})",
        R"({"metadata": {"name": "x"}, "spec": {"replicas": -1}})",
        R"({"metadata": {"name": "x"}, "status": {"availableReplicas": 1e12}})",
        R"({"metadata": {"name": "x"}, "status": {"replicas": 99999999999}})"}) {
    auto o = observe_replica_set(json::parse(text));
    EXPECT_FALSE(o.state) << text;
    EXPECT_FALSE(o.error.empty()) << text;
  }
  auto tolerant = observe_replica_set(json::parse(R"({"metadata": {"name": "x", "annotations": 5,
      "ownerReferences": "no"}, "spec": {"replicas": 2}})"));
  ASSERT_TRUE(tolerant.state) << tolerant.error;
  EXPECT_EQ(tolerant.state->revision, 0);
}

TEST(ScaleDownDeadline, WrittenClearedAndObserved) {
  const auto deadline = std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + std::chrono::hours(7) +
                        std::chrono::milliseconds(1500);
  auto set = annotate_patch({.name = "x", .scale_down_deadline = deadline}, "7");
  EXPECT_EQ(set["metadata"]["annotations"]["rolloutd.io/scale-down-deadline"], "2026-11-27T07:00:01Z");
  auto cleared = annotate_patch({.name = "x", .clear_scale_down_deadline = true}, "7");
  EXPECT_TRUE(cleared["metadata"]["annotations"]["rolloutd.io/scale-down-deadline"].is_null());
  auto untouched = annotate_patch({.name = "x", .revision = 2}, "7");
  EXPECT_FALSE(untouched["metadata"]["annotations"].contains("rolloutd.io/scale-down-deadline"));

  auto observed = observe_replica_set(json::parse(R"({"metadata": {"name": "x",
      "creationTimestamp": "2026-11-27T06:00:00Z",
      "labels": {"rolloutd.io/pod-template-hash": "abc"},
      "annotations": {"rolloutd.io/scale-down-deadline": "2026-11-27T07:00:01Z"}}})"));
  ASSERT_TRUE(observed.state);
  EXPECT_EQ(observed.state->hash, "abc");
  ASSERT_TRUE(observed.state->scale_down_deadline);
  EXPECT_EQ(*observed.state->scale_down_deadline, std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} +
                                                      std::chrono::hours(7) + std::chrono::seconds(1));

  // Garbage in the annotation means "due now" (its creation time), never a crash or "never".
  auto garbage = observe_replica_set(json::parse(R"({"metadata": {"name": "x",
      "creationTimestamp": "2026-11-27T06:00:00Z",
      "annotations": {"rolloutd.io/scale-down-deadline": "soon"}}})"));
  ASSERT_TRUE(garbage.state && garbage.state->scale_down_deadline);
  EXPECT_EQ(*garbage.state->scale_down_deadline, garbage.state->created);
  auto none = observe_replica_set(json::parse(R"({"metadata": {"name": "x"}})"));
  ASSERT_TRUE(none.state);
  EXPECT_FALSE(none.state->scale_down_deadline);
}

TEST(ControlledBy, OnlyTheControllerReferenceCounts) {
  auto rs = json::parse(R"({"metadata": {"ownerReferences": [
      {"uid": "a", "controller": false}, {"uid": "b", "controller": true}, "junk"]}})");
  EXPECT_TRUE(controlled_by(rs, "b"));
  EXPECT_FALSE(controlled_by(rs, "a"));
  EXPECT_FALSE(controlled_by(json::parse("[]"), "b"));
}

}  // namespace
}  // namespace rolloutd::reconcile
