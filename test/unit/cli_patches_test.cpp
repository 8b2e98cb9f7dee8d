// The changes kubectl-rp's commands send: operations through status only, pause/restart touching
// one spec field, set image and undo producing exactly the intended template with a
// resourceVersion precondition; and undo picks the revision `kubectl rollout undo` would.

#include <gtest/gtest.h>

#include "api/template_hash.hpp"
#include "cli/patches.hpp"
#include "cli_test_support.hpp"

namespace rolloutd::cli {
namespace {

using json = nlohmann::json;

// RFC 7386, to check what a merge patch does to the object.
json apply_merge_patch(json target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      target.erase(key);
    } else {
      target[key] = apply_merge_patch(target.contains(key) ? target[key] : json(), value);
    }
  }
  return target;
}

const api::timestamp noon{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + std::chrono::hours(12)};

json canary_policy() {
  return testing::load_fixture("canary_paused.json")["policy"];
}

std::vector<revision_entry> canary_history() {
  const auto f = testing::load_fixture("canary_paused.json");
  return revision_history("u-hello", testing::items(f, "replicaSets"));
}

TEST(CliPatches, OperationsGoToStatusOnly) {
  const std::vector<std::pair<api::operation_type, std::string>> cases = {
      {api::operation_type::promote, "Promote"},
      {api::operation_type::promote_full, "PromoteFull"},
      {api::operation_type::abort, "Abort"},
      {api::operation_type::retry, "Retry"}};
  for (const auto& [type, name] : cases) {
    const json expected = {
        {"status",
         {{"operation",
           {{"type", name}, {"requestedAt", "2026-03-01T12:00:00Z"}, {"requestedBy", "kubectl-rp"}}}}}};
    EXPECT_EQ(operation_patch(type, noon), expected);
  }
}

TEST(CliPatches, PauseAndRestartTouchOneField) {
  EXPECT_EQ(paused_patch(true), json::parse(R"({"spec":{"paused":true}})"));
  EXPECT_EQ(paused_patch(false), json::parse(R"({"spec":{"paused":false}})"));
  EXPECT_EQ(restart_patch(noon), json::parse(R"({"spec":{"restartAt":"2026-03-01T12:00:00Z"}})"));
}

TEST(CliPatches, ImageAssignments) {
  std::string error;
  auto a = parse_image_assignments({"hello=repo/hello:2", "*=x:1"}, error);
  EXPECT_TRUE(error.empty());
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].container, "hello");
  EXPECT_EQ(a[0].image, "repo/hello:2");
  EXPECT_EQ(a[1].container, "*");
  for (const std::string bad : {"hello", "=x", "hello="}) {
    error.clear();
    EXPECT_TRUE(parse_image_assignments({bad}, error).empty());
    EXPECT_NE(error.find(bad), std::string::npos) << error;
  }
  error.clear();
  (void)parse_image_assignments({}, error);
  EXPECT_FALSE(error.empty());
}

TEST(CliPatches, SetImageChangesOnlyTheNamedContainer) {
  json policy = canary_policy();
  policy["spec"]["template"]["spec"]["containers"].push_back({{"name", "sidecar"}, {"image", "envoy:1"}});
  policy["spec"]["template"]["spec"]["initContainers"] =
      json::array({{{"name", "init"}, {"image", "busybox:1"}}});
  auto p = set_image_patch(policy, {{"hello", "kelseyhightower/hello:3.0.0"}, {"init", "busybox:2"}});
  ASSERT_TRUE(p.error.empty()) << p.error;
  EXPECT_EQ(p.patch["metadata"]["resourceVersion"], "4711");
  const json after = apply_merge_patch(policy, p.patch);
  const auto& spec = after["spec"]["template"]["spec"];
  EXPECT_EQ(spec["containers"][0]["image"], "kelseyhightower/hello:3.0.0");
  EXPECT_EQ(spec["containers"][0]["ports"][0]["containerPort"], 80);  // the rest of the container is kept
  EXPECT_EQ(spec["containers"][1]["image"], "envoy:1");
  EXPECT_EQ(spec["initContainers"][0]["image"], "busybox:2");

  auto all = set_image_patch(policy, {{"*", "same:1"}});
  const json every = apply_merge_patch(policy, all.patch)["spec"]["template"]["spec"];
  EXPECT_EQ(every["containers"][1]["image"], "same:1");
  EXPECT_EQ(every["initContainers"][0]["image"], "same:1");
}

TEST(CliPatches, SetImageRefusals) {
  const json policy = canary_policy();
  auto missing = set_image_patch(policy, {{"nope", "x:1"}});
  EXPECT_EQ(missing.error, "unable to find container named \"nope\"");
  EXPECT_TRUE(missing.patch.is_null());
  auto same = set_image_patch(policy, {{"hello", "kelseyhightower/hello:2.0.0"}});
  EXPECT_TRUE(same.error.empty());
  EXPECT_TRUE(same.patch.is_null());
  EXPECT_EQ(same.note, "image already up to date");
  json workload = policy;
  workload["spec"].erase("template");
  EXPECT_FALSE(set_image_patch(workload, {{"hello", "x:1"}}).error.empty());
}

TEST(CliPatches, UndoRestoresThePreviousRevisionExactly) {
  json policy = canary_policy();
  policy["spec"]["template"]["metadata"]["annotations"] = {{"only-in-current", "x"}};
  const auto history = canary_history();
  auto p = undo_patch(policy, history, 0);
  ASSERT_TRUE(p.error.empty()) << p.error;
  EXPECT_EQ(p.note, "rolled back to revision 2");
  EXPECT_EQ(p.patch["metadata"]["resourceVersion"], "4711");
  const json restored = apply_merge_patch(policy, p.patch)["spec"]["template"];
  EXPECT_EQ(restored, history[1].pod_template);
  EXPECT_FALSE(restored["metadata"]["labels"].contains("rolloutd.io/pod-template-hash"));
  EXPECT_FALSE(restored["metadata"].contains("creationTimestamp"));
  EXPECT_EQ(restored["spec"]["containers"][0]["image"], "kelseyhightower/hello:1.0.0");
  EXPECT_EQ(restored["metadata"]["annotations"], json({{"kubernetes.io/change-cause", "release 1.0.0"}}));
}

TEST(CliPatches, UndoToANamedRevisionOrRefuse) {
  const json policy = canary_policy();
  const auto history = canary_history();
  auto p = undo_patch(policy, history, 1);
  ASSERT_TRUE(p.error.empty());
  EXPECT_EQ(apply_merge_patch(policy, p.patch)["spec"]["template"]["spec"]["containers"][0]["image"],
            "kelseyhightower/hello:0.9.0");
  EXPECT_EQ(undo_patch(policy, history, 9).error, "unable to find specified revision 9 in history");
  EXPECT_EQ(undo_patch(policy, {}, 0).error, "no rollout history found");
  EXPECT_FALSE(undo_patch(policy, {history[0]}, 0).error.empty());
}

TEST(CliPatches, UndoToTheCurrentTemplateIsSkipped) {
  json policy = canary_policy();
  const auto history = canary_history();
  policy["spec"]["template"] = history[2].pod_template;  // already at revision 3's template
  auto p = undo_patch(policy, history, 3);
  EXPECT_TRUE(p.error.empty());
  EXPECT_TRUE(p.patch.is_null());
  EXPECT_EQ(p.note, "skipped rollback (current template already matches revision 3)");
}

TEST(CliRevisions, HistoryFromOwnedReplicaSets) {
  const auto history = canary_history();
  ASSERT_EQ(history.size(), 3u);  // not the look-alike of another owner
  EXPECT_EQ(history[0].revision, 1);
  EXPECT_EQ(history[2].revision, 3);
  EXPECT_EQ(history[2].replica_set, "hello-7c5b9d6f8d");
  EXPECT_EQ(history[2].hash, "7c5b9d6f8d");
  EXPECT_EQ(history[2].change_cause, "kubectl rp set image hello hello=kelseyhightower/hello:2.0.0");
  EXPECT_EQ(history[1].change_cause, "release 1.0.0");  // from the template's annotation
  EXPECT_EQ(history[0].change_cause, "");
  ASSERT_EQ(history[1].images.size(), 1u);
  EXPECT_EQ(history[1].images[0].image, "kelseyhightower/hello:1.0.0");
  // The template hashes as the policy's own would: the hash label is gone.
  EXPECT_TRUE(api::templates_equal(history[2].pod_template, canary_policy()["spec"]["template"]));
}

TEST(CliRevisions, IgnoresReplicaSetsWithoutARevision) {
  auto rs = testing::items(testing::load_fixture("canary_paused.json"), "replicaSets");
  rs[0]["metadata"]["annotations"]["rolloutd.io/revision"] = "three";
  rs[1]["metadata"]["annotations"].erase("rolloutd.io/revision");
  rs[2]["metadata"].erase("ownerReferences");
  EXPECT_TRUE(revision_history("u-hello", rs).empty());
}

}  // namespace
}  // namespace rolloutd::cli
