#include "reconcile/service_patch.hpp"

#include <gtest/gtest.h>

namespace rolloutd::reconcile {
namespace {

using json = nlohmann::json;

json service(const char* extra_spec = "{}", const char* annotations = "{}") {
  json s = json::parse(R"({"metadata": {"name": "hello", "namespace": "prod", "resourceVersion": "42"},
                           "spec": {"selector": {"app": "hello"}, "sessionAffinity": "None"}})");
  s["spec"].update(json::parse(extra_spec));
  s["metadata"]["annotations"] = json::parse(annotations);
  return s;
}

// Applies an RFC 7386 merge patch, as the API server would.
json applied(json target, const json& patch) {
  target.merge_patch(patch);
  return target;
}

const api::session_affinity_config client_ip{.type = "ClientIP", .timeout_seconds = 600};

TEST(ServicePatch, PinsTheSelectorAndMarksTheService) {
  const json s = service();
  const json patch = service_patch(s, "web", {.name = "hello", .pinned_hash = "abc"});
  EXPECT_EQ(patch["spec"]["selector"]["rolloutd.io/pod-template-hash"], "abc");
  EXPECT_EQ(patch["metadata"]["annotations"]["rolloutd.io/managed-by"], "web");
  EXPECT_EQ(patch["metadata"]["resourceVersion"], "42");  // a concurrent edit is a conflict
  EXPECT_FALSE(patch["spec"].contains("sessionAffinity"));

  const json after = applied(s, patch);
  EXPECT_EQ(pinned_hash(after), "abc");
  EXPECT_EQ(service_manager(after), "web");
  EXPECT_EQ(after["spec"]["selector"]["app"], "hello");  // the user's selector is kept
  // Already as wanted: nothing to send.
  EXPECT_TRUE(service_patch(after, "web", {.name = "hello", .pinned_hash = "abc"}).empty());
  // A new revision moves the pin only.
  const json moved = service_patch(after, "web", {.name = "hello", .pinned_hash = "def"});
  EXPECT_EQ(moved["spec"]["selector"], json({{"rolloutd.io/pod-template-hash", "def"}}));
  EXPECT_FALSE(moved.contains("metadata") && moved["metadata"].contains("annotations"));
}

TEST(ServicePatch, AffinityIsAppliedAndTheOriginalRestored) {
  const json s = service(R"({"sessionAffinity": "None"})");
  const json on = applied(s, service_patch(s, "web", {.name = "hello", .affinity = client_ip}));
  EXPECT_EQ(on["spec"]["sessionAffinity"], "ClientIP");
  EXPECT_EQ(on["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"], 600);
  EXPECT_EQ(on["metadata"]["annotations"]["rolloutd.io/original-session-affinity"], "None");
  EXPECT_FALSE(on["spec"]["selector"].contains("rolloutd.io/pod-template-hash"));  // no pin asked
  EXPECT_TRUE(service_patch(on, "web", {.name = "hello", .affinity = client_ip}).empty());

  // The policy stops asking: the user's setting comes back and every mark of rolloutd goes.
  const json off = applied(on, service_patch(on, "web", {.name = "hello"}));
  EXPECT_EQ(off["spec"]["sessionAffinity"], "None");
  EXPECT_FALSE(off["spec"].contains("sessionAffinityConfig"));
  EXPECT_FALSE(off["metadata"]["annotations"].contains("rolloutd.io/original-session-affinity"));
  EXPECT_FALSE(off["metadata"]["annotations"].contains("rolloutd.io/managed-by"));
}

TEST(ServicePatch, AUserClientIpTimeoutSurvivesARoundTrip) {
  const json s = service(R"({"sessionAffinity": "ClientIP",
                             "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 30}}})");
  const json on =
      applied(s, service_patch(s, "web", {.name = "hello", .pinned_hash = "abc", .affinity = client_ip}));
  EXPECT_EQ(on["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"], 600);
  EXPECT_EQ(on["metadata"]["annotations"]["rolloutd.io/original-session-affinity"], "ClientIP/30");
  const json off = applied(on, release_patch(on));
  EXPECT_EQ(off["spec"]["sessionAffinity"], "ClientIP");
  EXPECT_EQ(off["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"], 30);
  EXPECT_FALSE(off["spec"]["selector"].contains("rolloutd.io/pod-template-hash"));
  EXPECT_EQ(off["spec"]["selector"]["app"], "hello");
  EXPECT_TRUE(off["metadata"]["annotations"].empty());
  EXPECT_TRUE(release_patch(off).empty());  // nothing left to undo
}

TEST(ServicePatch, GarbageInTheOriginalAnnotationRestoresTheDefault) {
  const json s =
      service(R"({"sessionAffinity": "ClientIP"})",
              R"({"rolloutd.io/managed-by": "web", "rolloutd.io/original-session-affinity": "%%"})");
  const json off = applied(s, release_patch(s));
  EXPECT_EQ(off["spec"]["sessionAffinity"], "None");
  EXPECT_TRUE(off["metadata"]["annotations"].empty());
}

TEST(PolicyNamesService, ReadsEveryServiceFieldOfBothStrategies) {
  const json canary = json::parse(R"({"spec": {"strategy": {"canary": {"service": "a", "stableService": "b",
                                                                         "canaryService": "c"}}}})");
  const json blue_green =
      json::parse(R"({"spec": {"strategy": {"blueGreen": {"activeService": "d", "previewService": "e"}}}})");
  for (const char* name : {"a", "b", "c"}) EXPECT_TRUE(policy_names_service(canary, name)) << name;
  for (const char* name : {"d", "e"}) EXPECT_TRUE(policy_names_service(blue_green, name)) << name;
  EXPECT_FALSE(policy_names_service(canary, "d"));
  EXPECT_FALSE(policy_names_service(json::parse(R"({"spec": {"strategy": {"canary": 5}}})"), "a"));
  EXPECT_FALSE(policy_names_service(json::parse("[]"), "a"));
}

}  // namespace
}  // namespace rolloutd::reconcile
