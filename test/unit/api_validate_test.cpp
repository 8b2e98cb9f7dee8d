#include "api/validate.hpp"

#include <gtest/gtest.h>

#include "api/parse.hpp"
#include "api_test_support.hpp"

namespace rolloutd::api {
namespace {

using json = nlohmann::json;
using testing::load_json;
using testing::minimal_policy;

rollout_policy parsed(const json& object) {
  auto p = parse_rollout_policy(object);
  EXPECT_TRUE(p.ok()) << describe(p.errors());
  return p.ok() ? p.value() : rollout_policy{};
}

TEST(ApiValidate, TheFixturesAreValid) {
  for (const char* name : {"policy_rolling.json", "policy_canary.json", "policy_blue_green.json"}) {
    EXPECT_EQ(describe(validate(parsed(load_json(name)))), "") << name;
  }
  EXPECT_TRUE(validate(parsed(minimal_policy())).empty());
}

struct invalid_case {
  const char* name;
  std::function<void(json&)> edit;
  const char* path;
  const char* message;
};

void PrintTo(const invalid_case& c, std::ostream* os) {
  *os << c.name;
}

class ApiValidateInvalid : public ::testing::TestWithParam<invalid_case> {};

TEST_P(ApiValidateInvalid, IsInvalidSpecAtThePath) {
  const auto& c = GetParam();
  json object = minimal_policy();
  c.edit(object);
  const auto errors = validate(parsed(object));
  const bool found = std::any_of(errors.begin(), errors.end(), [&](const field_error& e) {
    return e.path == c.path && e.message.find(c.message) != std::string::npos;
  });
  EXPECT_TRUE(found) << "wanted " << c.path << ": ..." << c.message << "...\ngot: " << describe(errors, 50);
}

json& strategy(json& o) {
  return o["spec"]["strategy"];
}
json& containers(json& o) {
  return o["spec"]["template"]["spec"]["containers"];
}

const invalid_case invalid_cases[] = {
    {"selector_does_not_match_labels", [](json& o) { o["spec"]["selector"]["matchLabels"]["app"] = "web"; },
     "spec.template.metadata.labels", "(app=hello) do not match spec.selector (app=web)"},
    {"selector_expression_does_not_match",
     [](json& o) {
       o["spec"]["selector"]["matchExpressions"] = json::parse(R"([{"key": "tier", "operator": "Exists"}])");
     },
     "spec.template.metadata.labels", "do not match spec.selector (app=hello,tier)"},
    {"template_labels_missing", [](json& o) { o["spec"]["template"]["metadata"].erase("labels"); },
     "spec.template.metadata.labels", "are required"},
    {"selector_empty", [](json& o) { o["spec"]["selector"] = json::object(); }, "spec.selector",
     "must not be empty"},
    {"selector_uses_hash_label",
     [](json& o) {
       o["spec"]["selector"]["matchLabels"]["rolloutd.io/pod-template-hash"] = "abc";
       o["spec"]["template"]["metadata"]["labels"]["rolloutd.io/pod-template-hash"] = "abc";
     },
     "spec.selector", "must not use rolloutd.io/pod-template-hash"},
    {"selector_bad_key",
     [](json& o) {
       o["spec"]["selector"]["matchLabels"] = json{{"bad key", "x"}};
     },
     "spec.selector.matchLabels.bad key", "is not a valid label key"},
    {"template_bad_label_value",
     [](json& o) { o["spec"]["template"]["metadata"]["labels"]["v"] = "1.0 beta"; },
     "spec.template.metadata.labels.v", "\"1.0 beta\" is not a valid label value"},
    {"duplicate_container_names",
     [](json& o) {
       containers(o).push_back(json{{"name", "hello"}, {"image", "busybox"}});
     },
     "spec.template.spec.containers[1].name", "\"hello\" is used by another container"},
    {"init_container_reuses_name",
     [](json& o) {
       o["spec"]["template"]["spec"]["initContainers"] =
           json::parse(R"([{"name": "hello", "image": "busybox"}])");
     },
     "spec.template.spec.initContainers[0].name", "is used by another container"},
    {"container_name_invalid", [](json& o) { containers(o)[0]["name"] = "Hello_World"; },
     "spec.template.spec.containers[0].name", "is not a valid container name"},
    {"container_image_missing", [](json& o) { containers(o)[0].erase("image"); },
     "spec.template.spec.containers[0].image", "is required"},
    {"restart_policy_never", [](json& o) { o["spec"]["template"]["spec"]["restartPolicy"] = "Never"; },
     "spec.template.spec.restartPolicy", "\"Never\" is not allowed"},
    {"workload_kind_statefulset",
     [](json& o) {
       o["spec"].erase("template");
       o["spec"]["workloadRef"] = json{{"kind", "StatefulSet"}, {"name", "hello"}};
     },
     "spec.workloadRef.kind", "\"StatefulSet\" is not supported"},
    {"workload_api_version",
     [](json& o) {
       o["spec"].erase("template");
       o["spec"]["workloadRef"] = json{{"apiVersion", "apps/v1beta1"}, {"name", "hello"}};
     },
     "spec.workloadRef.apiVersion", "is not supported; use apps/v1"},
    {"workload_bad_name",
     [](json& o) {
       o["spec"].erase("template");
       o["spec"]["workloadRef"] = json{{"name", "Hello"}};
     },
     "spec.workloadRef.name", "is not a valid Deployment name"},
    {"rolling_both_zero",
     [](json& o) {
       strategy(o) = json::parse(R"({"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}})");
     },
     "spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when maxSurge is 0"},
    {"canary_both_zero",
     [](json& o) { strategy(o) = json::parse(R"({"canary": {"maxSurge": "0%", "maxUnavailable": 0}})"); },
     "spec.strategy.canary.maxUnavailable", "may not be 0 when maxSurge is 0"},
    {"deadline_not_after_min_ready",
     [](json& o) {
       o["spec"]["minReadySeconds"] = 600;
       o["spec"]["progressDeadlineSeconds"] = 600;
     },
     "spec.progressDeadlineSeconds", "must be greater than minReadySeconds (600)"},
    {"blue_green_same_services",
     [](json& o) {
       strategy(o) = json::parse(R"({"blueGreen": {"activeService": "hello", "previewService": "hello"}})");
     },
     "spec.strategy.blueGreen.previewService", "must differ from activeService"},
    {"blue_green_bad_service_name",
     [](json& o) { strategy(o) = json::parse(R"({"blueGreen": {"activeService": "Hello"}})"); },
     "spec.strategy.blueGreen.activeService", "is not a valid Service name"},
    {"blue_green_auto_seconds_without_auto",
     [](json& o) {
       strategy(o) = json::parse(
           R"({"blueGreen": {"activeService": "a", "autoPromotionEnabled": false, "autoPromotionSeconds": 30}})");
     },
     "spec.strategy.blueGreen.autoPromotionSeconds", "has no effect while autoPromotionEnabled is false"},
    {"canary_same_pinned_services",
     [](json& o) {
       strategy(o) = json::parse(R"({"canary": {"stableService": "s", "canaryService": "s"}})");
     },
     "spec.strategy.canary.canaryService", "must differ from stableService"},
    {"canary_user_service_pinned",
     [](json& o) {
       strategy(o) = json::parse(R"({"canary": {"service": "hello", "stableService": "hello"}})");
     },
     "spec.strategy.canary.service", "is also named as stableService or canaryService"},
    {"canary_bad_service_name",
     [](json& o) { strategy(o) = json::parse(R"({"canary": {"canaryService": "hello_canary"}})"); },
     "spec.strategy.canary.canaryService", "is not a valid Service name"},
    {"canary_traffic_routing_unsupported",
     [](json& o) { strategy(o) = json::parse(R"({"canary": {"trafficRouting": {"nginx": {}}}})"); },
     "spec.strategy.canary.trafficRouting", "is not supported by this version"},
    {"canary_analysis_unsupported",
     [](json& o) {
       strategy(o) = json::parse(R"({"canary": {"steps": [{"setWeight": 5}, {"analysis": {}}]}})");
     },
     "spec.strategy.canary.steps[1].analysis", "is not supported by this version"},
    {"name_too_long_for_replica_sets", [](json& o) { o["metadata"]["name"] = std::string(243, 'a'); },
     "metadata.name", "must be at most 242 characters"},
};

INSTANTIATE_TEST_SUITE_P(Table, ApiValidateInvalid, ::testing::ValuesIn(invalid_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ApiValidate, ZeroThatOnlyResolvesToZeroIsLeftToTheFencepost) {
  // 10% of 3 rounds down to 0 unavailable with no surge; the Deployment controller accepts this
  // and lets one pod be unavailable, so rolloutd does too.
  json object = minimal_policy();
  object["spec"]["replicas"] = 3;
  object["spec"]["strategy"] = json::parse(R"({"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "10%"}})");
  EXPECT_TRUE(validate(parsed(object)).empty());
}

TEST(ApiValidate, DecreasingCanaryWeightsAreAllowed) {
  // Stepping back down (say to hold a canary at low weight after a spike test) is a valid plan.
  json object = minimal_policy();
  object["spec"]["strategy"] = json::parse(
      R"({"canary": {"steps": [{"setWeight": 50}, {"pause": {}}, {"setWeight": 10}, {"pause": {}}]}})");
  EXPECT_TRUE(validate(parsed(object)).empty());
}

// Without a router, setCanaryScale runs that many canary pods beside a whole stable (the runbook's
// hello-canary Deployment of 1 replica next to hello's 3), so it is served, not refused.
TEST(ApiValidate, SetCanaryScaleWithoutARouterIsAllowed) {
  auto object = minimal_policy();
  strategy(object) = json::parse(R"({"canary": {"steps": [{"setCanaryScale": {"replicas": 1}}, {"pause": {}},
                                                         {"setCanaryScale": {"matchTrafficWeight": true}}]}})");
  EXPECT_EQ(describe(validate(parsed(object))), "");
}

TEST(ApiValidate, HashLabelInTheTemplateIsTolerated) {
  // `rollout undo` copies a ReplicaSet's template back, label included; the controller sets it anyway.
  json object = minimal_policy();
  object["spec"]["template"]["metadata"]["labels"]["rolloutd.io/pod-template-hash"] = "x2c4d5f6g7";
  EXPECT_TRUE(validate(parsed(object)).empty());
}

TEST(ApiValidate, TemplateFromAWorkloadIsValidatedOnItsOwn) {
  json object = minimal_policy();
  const auto deployment_template = object["spec"]["template"];
  object["spec"].erase("template");
  object["spec"]["workloadRef"] = json{{"name", "hello"}};
  const auto policy = parsed(object);
  EXPECT_TRUE(validate(policy).empty());
  EXPECT_TRUE(
      validate_template(pod_template{deployment_template}, policy.spec.selector, "workloadRef").empty());
  json other = deployment_template;
  other["metadata"]["labels"]["app"] = "web";
  const auto errors = validate_template(pod_template{other}, policy.spec.selector, "workloadRef");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "workloadRef.metadata.labels");
}

TEST(ApiValidate, ReportsEveryProblem) {
  json object = minimal_policy();
  object["spec"]["selector"]["matchLabels"]["app"] = "web";
  containers(object).push_back(json{{"name", "hello"}, {"image", ""}});
  object["spec"]["strategy"] = json::parse(R"({"blueGreen": {"activeService": "x", "previewService": "x"}})");
  EXPECT_EQ(validate(parsed(object)).size(), 4u) << describe(validate(parsed(object)), 10);
}

}  // namespace
}  // namespace rolloutd::api
