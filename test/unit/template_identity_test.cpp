// How a policy recognises the ReplicaSet of its current template (reconcile/template_identity.hpp).
// The ReplicaSets here are shaped as the API server returns them: their templates defaulted
// (httpGet.path "/", imagePullPolicy, terminationMessagePath, dnsPolicy, ...), which a policy's
// template, stored as written, is not.

#include <gtest/gtest.h>

#include "api/names.hpp"
#include "api/template_hash.hpp"
#include "reconcile/template_identity.hpp"

namespace rolloutd::reconcile {
namespace {

using json = nlohmann::json;

// What most charts write: a probe without path or scheme, no imagePullPolicy.
const json chart_template = json::parse(R"({
  "metadata": {"labels": {"app": "hello"}},
  "spec": {"containers": [{"name": "hello", "image": "kelseyhightower/hello:1.0.0",
                           "ports": [{"containerPort": 80}],
                           "readinessProbe": {"httpGet": {"port": 80}}}]}})");

// The same template as the API server stores it on a ReplicaSet.
json defaulted(const json& t, const std::string& hash) {
  json d = t;
  d["metadata"]["labels"][std::string(api::pod_template_hash_label)] = hash;
  auto& c = d["spec"]["containers"][0];
  c["imagePullPolicy"] = "IfNotPresent";
  c["terminationMessagePath"] = "/dev/termination-log";
  c["terminationMessagePolicy"] = "File";
  c["resources"] = json::object();
  c["ports"][0]["protocol"] = "TCP";
  c["readinessProbe"] = {{"httpGet", {{"port", 80}, {"path", "/"}, {"scheme", "HTTP"}}},
                         {"timeoutSeconds", 1},
                         {"periodSeconds", 10},
                         {"successThreshold", 1},
                         {"failureThreshold", 3}};
  d["spec"]["restartPolicy"] = "Always";
  d["spec"]["dnsPolicy"] = "ClusterFirst";
  d["spec"]["schedulerName"] = "default-scheduler";
  d["spec"]["securityContext"] = json::object();
  d["spec"]["terminationGracePeriodSeconds"] = 30;
  return d;
}

// A ReplicaSet named hello-<hash> as stored; `recorded` is its rolloutd.io/template-hash ("": none).
kube::object_ptr replica_set(const std::string& hash, const json& stored_template,
                             const std::string& recorded, const std::string& name = {}) {
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata",
              {{"name", name.empty() ? "hello-" + hash : name},
               {"namespace", "web"},
               {"labels", {{"app", "hello"}, {std::string(api::pod_template_hash_label), hash}}},
               {"annotations", {{"rolloutd.io/revision", "1"}}},
               {"ownerReferences", json::array({{{"uid", "policy-uid"}, {"controller", true}}})}}},
             {"spec", {{"replicas", 3}, {"template", stored_template}}},
             {"status", {{"replicas", 3}, {"availableReplicas", 3}}}};
  if (!recorded.empty()) rs["metadata"]["annotations"][std::string(api::template_hash_annotation)] = recorded;
  return std::make_shared<const json>(std::move(rs));
}

struct lookup {
  json pod_template;
  std::int32_t collision_count = 0;
  std::vector<kube::object_ptr> owned{};
  kube::object_ptr under_new_name{};

  [[nodiscard]] std::string hash() const { return api::template_hash(pod_template, collision_count); }
  [[nodiscard]] children_found sort() const {
    return sort_children({.owned = owned,
                          .pod_template = pod_template,
                          .template_hash = api::template_hash(pod_template),
                          .hash = hash(),
                          .new_name = "hello-" + hash(),
                          .under_new_name = under_new_name});
  }
};

// Defect: a probe without path made every look a "collision" on rolloutd's own ReplicaSet, and so a
// new ReplicaSet without end (the template comparison sees "/" on one side only).
TEST(TemplateIdentity, OwnReplicaSetWithADefaultedTemplateIsTheCurrentOne) {
  lookup l{.pod_template = chart_template};
  const auto stored = defaulted(chart_template, l.hash());
  ASSERT_FALSE(api::templates_equal(stored, chart_template)) << "the server's defaults are not all known";
  l.owned = {replica_set(l.hash(), stored, api::template_hash(chart_template))};
  l.under_new_name = l.owned[0];
  const auto found = l.sort();
  EXPECT_FALSE(found.collision);
  ASSERT_TRUE(found.children.new_replica_set);
  EXPECT_EQ(found.children.new_replica_set->name, "hello-" + l.hash());
  EXPECT_EQ(found.hash, l.hash());
  EXPECT_TRUE(found.children.old_replica_sets.empty());
}

TEST(TemplateIdentity, NothingUnderTheNameMeansCreate) {
  lookup l{.pod_template = chart_template};
  json v2 = chart_template;
  v2["spec"]["containers"][0]["image"] = "kelseyhightower/hello:2.0.0";
  const auto old_hash = api::template_hash(v2);
  l.owned = {replica_set(old_hash, defaulted(v2, old_hash), old_hash)};
  const auto found = l.sort();
  EXPECT_FALSE(found.collision);
  EXPECT_FALSE(found.children.new_replica_set);
  EXPECT_EQ(found.name, "hello-" + l.hash());
  EXPECT_EQ(found.hash, l.hash());
  ASSERT_EQ(found.children.old_replica_sets.size(), 1u);
}

// Real collisions still bump collisionCount: another owner's object under the name, or ours
// recording another template.
TEST(TemplateIdentity, AnotherOwnersObjectUnderTheNameIsACollision) {
  lookup l{.pod_template = chart_template};
  l.under_new_name =
      replica_set(l.hash(), defaulted(chart_template, l.hash()), api::template_hash(chart_template));
  const auto found = l.sort();  // not among the policy's own: a deleted policy's, or someone else's
  EXPECT_TRUE(found.collision);
  EXPECT_FALSE(found.children.new_replica_set);
}

TEST(TemplateIdentity, OursRecordingAnotherTemplateUnderTheNameIsACollision) {
  lookup l{.pod_template = chart_template};
  json other = chart_template;
  other["spec"]["containers"][0]["image"] = "kelseyhightower/hello:9.9.9";
  l.owned = {replica_set(l.hash(), defaulted(other, l.hash()), api::template_hash(other))};
  l.under_new_name = l.owned[0];
  const auto found = l.sort();
  EXPECT_TRUE(found.collision);
  EXPECT_FALSE(found.children.new_replica_set);
  ASSERT_EQ(found.children.old_replica_sets.size(), 1u);
}

// Defect 12: after a collision moved the name on (collisionCount 1), an undo to a template whose
// ReplicaSet was made before it reuses that ReplicaSet, under its own name and hash.
TEST(TemplateIdentity, UndoAfterACollisionReusesTheReplicaSet) {
  lookup l{.pod_template = chart_template, .collision_count = 1};
  const auto first_hash = api::template_hash(chart_template);
  ASSERT_NE(first_hash, l.hash());
  l.owned = {replica_set(first_hash, defaulted(chart_template, first_hash), first_hash)};
  const auto found = l.sort();
  EXPECT_FALSE(found.collision);
  ASSERT_TRUE(found.children.new_replica_set);
  EXPECT_EQ(found.name, "hello-" + first_hash);
  EXPECT_EQ(found.hash, first_hash);  // the Services and the selector follow the ReplicaSet's own hash
}

// `kubectl rp undo` copies a ReplicaSet's stored (defaulted) template into the policy: its hash is
// not the recorded one, but the templates are equal.
TEST(TemplateIdentity, UndoCopyingAStoredTemplateFindsItsReplicaSet) {
  const auto first_hash = api::template_hash(chart_template);
  json copied = defaulted(chart_template, first_hash);
  copied["metadata"]["labels"].erase(std::string(api::pod_template_hash_label));
  lookup l{.pod_template = copied};
  ASSERT_NE(l.hash(), first_hash);
  l.owned = {replica_set(first_hash, defaulted(chart_template, first_hash), first_hash)};
  const auto found = l.sort();
  EXPECT_FALSE(found.collision);
  ASSERT_TRUE(found.children.new_replica_set);
  EXPECT_EQ(found.hash, first_hash);
}

// A ReplicaSet made before rolloutd recorded the template hash is still its own by name and label.
TEST(TemplateIdentity, ReplicaSetWithoutTheRecordIsFoundByNameAndLabel) {
  lookup l{.pod_template = chart_template};
  l.owned = {replica_set(l.hash(), defaulted(chart_template, l.hash()), "")};
  l.under_new_name = l.owned[0];
  const auto found = l.sort();
  EXPECT_FALSE(found.collision);
  ASSERT_TRUE(found.children.new_replica_set);
}

TEST(TemplateIdentity, TheRecordIsPreferredToAnEqualTemplate) {
  lookup l{.pod_template = defaulted(chart_template, "")};
  l.pod_template["metadata"]["labels"].erase(std::string(api::pod_template_hash_label));
  const auto equal_one = replica_set("aaaaaaaaaa", defaulted(chart_template, "aaaaaaaaaa"), "bbbbbbbbbb");
  const auto recorded_one =
      replica_set("cccccccccc", defaulted(chart_template, "cccccccccc"), api::template_hash(l.pod_template));
  l.owned = {equal_one, recorded_one};
  const auto found = l.sort();
  ASSERT_TRUE(found.children.new_replica_set);
  EXPECT_EQ(found.children.new_replica_set->name, "hello-cccccccccc");
  ASSERT_EQ(found.children.old_replica_sets.size(), 1u);
  EXPECT_EQ(found.children.old_replica_sets[0].name, "hello-aaaaaaaaaa");
}

TEST(TemplateIdentity, UnreadableReplicaSetsAreReportedAndLeftOut) {
  lookup l{.pod_template = chart_template};
  l.owned = {std::make_shared<const json>(
      json{{"metadata", {{"name", "hello-x"}}}, {"spec", {{"replicas", "three"}}}})};
  const auto found = l.sort();
  EXPECT_EQ(found.ignored.size(), 1u);
  EXPECT_TRUE(found.children.old_replica_sets.empty());
  EXPECT_FALSE(found.children.by_name.contains("hello-x"));
}

}  // namespace
}  // namespace rolloutd::reconcile
