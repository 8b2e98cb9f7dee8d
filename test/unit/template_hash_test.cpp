#include "api/template_hash.hpp"

#include <gtest/gtest.h>

#include "api_test_support.hpp"

namespace rolloutd::api {
namespace {

using json = nlohmann::json;
using testing::load_json;

json hello() {
  return json::parse(R"({
    "metadata": {"labels": {"app": "hello"}},
    "spec": {"containers": [{"name": "hello", "image": "kelseyhightower/hello:1.0.0"}]}
  })");
}

// A ReplicaSet is named after this value, so it must never change: a different hash for the same
// template after an upgrade would start a rollout of every policy. If one of these fails, the
// canonical form or the encoding changed; restore it, do not update the value.
TEST(TemplateHash, GoldenValues) {
  EXPECT_EQ(template_hash(hello()), "xdc4fvqgrr");
  EXPECT_EQ(template_hash(hello(), 1), "7tf6lr2frt");
  EXPECT_EQ(template_hash(hello(), 2), "k8dnxbzvsn");
  EXPECT_EQ(template_hash(json::object()), "l7t7jbdt44");
  EXPECT_EQ(template_hash(load_json("template_hello_as_written.json")), "ttq47pmd54");
  EXPECT_EQ(template_hash(load_json("template_volumes_as_written.json")), "x4k9fcxqkl");
  EXPECT_EQ(template_hash(load_json("template_scheduling_as_written.json")), "898m7js86l");
}

TEST(TemplateHash, IsTenCharactersOfTheSafeAlphabet) {
  for (int collisions = 0; collisions < 50; ++collisions) {
    const auto h = template_hash(hello(), collisions);
    ASSERT_EQ(h.size(), 10u);
    EXPECT_EQ(h.find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), std::string::npos) << h;
  }
}

TEST(TemplateHash, KeyOrderDoesNotMatter) {
  const json a =
      json::parse(R"({"spec": {"containers": [{"image": "kelseyhightower/hello:1.0.0", "name": "hello"}]},
                                 "metadata": {"labels": {"app": "hello"}}})");
  EXPECT_EQ(template_hash(a), template_hash(hello()));
  EXPECT_TRUE(templates_equal(a, hello()));
}

// What kube-apiserver v1.36 stored for each template (captured, see test/data/api/README.md)
// is the same revision as what the user wrote.
TEST(TemplateHash, ServerDefaultedTemplatesHashAsWritten) {
  for (const char* name : {"hello", "volumes", "scheduling"}) {
    const auto written = load_json(std::string("template_") + name + "_as_written.json");
    const auto stored = load_json(std::string("template_") + name + "_as_stored.json");
    ASSERT_FALSE(written.is_discarded() || stored.is_discarded()) << name;
    ASSERT_NE(written, stored) << name << ": the fixture should show the server's defaulting";
    EXPECT_EQ(canonical_template(written), canonical_template(stored)) << name;
    EXPECT_EQ(template_hash(written), template_hash(stored)) << name;
    EXPECT_TRUE(templates_equal(written, stored)) << name;
  }
}

json with(json t, const json::json_pointer& at, json value) {
  t[at] = std::move(value);
  return t;
}

TEST(TemplateHash, ExplicitDefaultsEqualOmittedOnes) {
  const json base = hello();
  const std::pair<const char*, json> defaults[] = {
      {"/spec/restartPolicy", "Always"},
      {"/spec/dnsPolicy", "ClusterFirst"},
      {"/spec/schedulerName", "default-scheduler"},
      {"/spec/terminationGracePeriodSeconds", 30},
      {"/spec/terminationGracePeriodSeconds", 30.0},
      {"/spec/securityContext", json::object()},
      {"/spec/hostNetwork", false},
      {"/spec/containers/0/imagePullPolicy", "IfNotPresent"},
      {"/spec/containers/0/terminationMessagePath", "/dev/termination-log"},
      {"/spec/containers/0/terminationMessagePolicy", "File"},
      {"/spec/containers/0/resources", json::object()},
      {"/spec/containers/0/args", json::array()},
      {"/spec/containers/0/workingDir", ""},
      {"/spec/containers/0/tty", false},
      {"/metadata/creationTimestamp", nullptr},
      {"/metadata/annotations", json::object()},
      {"/metadata/labels/rolloutd.io~1pod-template-hash", "x2c4d5f6g7"},
  };
  for (const auto& [pointer, value] : defaults) {
    EXPECT_EQ(template_hash(with(base, json::json_pointer(pointer), value)), template_hash(base))
        << pointer << " = " << value.dump();
  }
}

TEST(TemplateHash, EverythingElseChangesIt) {
  const json base = hello();
  const std::pair<const char*, json> changes[] = {
      {"/spec/containers/0/image", "kelseyhightower/hello:2.0.0"},
      {"/spec/containers/0/imagePullPolicy", "Always"},  // not the default for a tagged image
      {"/spec/containers/0/env", json::parse(R"([{"name": "A", "value": "1"}])")},
      {"/spec/containers/0/securityContext", json::parse(R"({"allowPrivilegeEscalation": false})")},
      {"/spec/terminationGracePeriodSeconds", 31},
      {"/spec/restartPolicy", "OnFailure"},
      {"/spec/initContainers",
       json::parse(R"([{"name": "proxy", "image": "envoy:1", "restartPolicy": "Always"}])")},
      {"/spec/automountServiceAccountToken", false},  // unset means true
      {"/metadata/labels/track", "canary"},
      {"/metadata/labels/empty", ""},  // a label with an empty value is still a label
      {"/metadata/annotations/kubectl.kubernetes.io~1restartedAt", "2026-01-31T12:00:00Z"},
  };
  std::set<std::string> hashes{template_hash(base)};
  for (const auto& [pointer, value] : changes) {
    const auto changed = with(base, json::json_pointer(pointer), value);
    EXPECT_TRUE(hashes.insert(template_hash(changed)).second) << pointer << " = " << value.dump();
    EXPECT_FALSE(templates_equal(base, changed)) << pointer;
  }
}

TEST(TemplateHash, SidecarRestartPolicyIsNotMistakenForThePodDefault) {
  const json plain = with(hello(), json::json_pointer("/spec/initContainers"),
                          json::parse(R"([{"name": "proxy", "image": "envoy:1"}])"));
  const json sidecar = with(plain, json::json_pointer("/spec/initContainers/0/restartPolicy"), "Always");
  EXPECT_NE(template_hash(plain), template_hash(sidecar));
}

TEST(TemplateHash, ImagePullPolicyDefaultFollowsTheTag) {
  struct row {
    const char* image;
    const char* default_policy;
  };
  for (const auto& r :
       {row{"busybox", "Always"}, row{"busybox:latest", "Always"}, row{"registry:5000/busybox", "Always"},
        row{"registry:5000/busybox:1.36", "IfNotPresent"}, row{"busybox:1.36", "IfNotPresent"},
        row{"busybox@sha256:abc", "IfNotPresent"}, row{"busybox:latest@sha256:abc", "Always"}}) {
    const json base = with(hello(), json::json_pointer("/spec/containers/0/image"), r.image);
    const json explicit_default =
        with(base, json::json_pointer("/spec/containers/0/imagePullPolicy"), r.default_policy);
    EXPECT_EQ(template_hash(base), template_hash(explicit_default)) << r.image;
    const json other = with(base, json::json_pointer("/spec/containers/0/imagePullPolicy"), "Never");
    EXPECT_NE(template_hash(base), template_hash(other)) << r.image;
  }
}

TEST(TemplateHash, QuantitiesCompareByValue) {
  const auto limits = [](const char* cpu, const char* memory) {
    return with(hello(), json::json_pointer("/spec/containers/0/resources/limits"),
                json{{"cpu", cpu}, {"memory", memory}});
  };
  EXPECT_EQ(template_hash(limits("0.5", "1024Mi")), template_hash(limits("500m", "1Gi")));
  EXPECT_EQ(template_hash(limits("1", "1G")), template_hash(limits("1000m", "1000M")));
  EXPECT_NE(template_hash(limits("1", "1Gi")), template_hash(limits("2", "1Gi")));
  EXPECT_NE(template_hash(limits("1", "1G")), template_hash(limits("1", "1Gi")));
}

TEST(TemplateHash, CollisionCountChangesIt) {
  EXPECT_EQ(template_hash(hello(), 0), template_hash(hello()));
  std::set<std::string> seen;
  for (int n = 0; n < 100; ++n) EXPECT_TRUE(seen.insert(template_hash(hello(), n)).second) << n;
}

TEST(TemplateHash, AnyJsonIsHashedWithoutThrowing) {
  for (const json& odd :
       {json(nullptr), json(1), json("x"), json::array({1, 2}), json::parse(R"({"spec": [], "metadata": 5})"),
        json::parse(R"({"spec": {"containers": "x", "volumes": [1, null, {"configMap": 3}]}})"),
        json::parse(R"({"metadata": {"labels": [1]}, "spec": {"containers": [null, 1, {"ports": 5}]}})"),
        json(std::string("\xff\xfe invalid utf-8"))}) {
    EXPECT_NO_THROW({
      const auto h = template_hash(odd, 7);
      EXPECT_EQ(h.size(), 10u);
    }) << odd.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

}  // namespace
}  // namespace rolloutd::api
