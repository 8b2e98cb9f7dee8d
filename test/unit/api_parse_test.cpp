#include "api/parse.hpp"

#include <gtest/gtest.h>

#include "api_test_support.hpp"

namespace rolloutd::api {
namespace {

using json = nlohmann::json;
using testing::load_json;
using testing::minimal_policy;
using namespace std::chrono_literals;

rollout_policy parse_ok(const json& object) {
  auto parsed = parse_rollout_policy(object);
  EXPECT_TRUE(parsed.ok()) << describe(parsed.errors(), 100);
  return parsed.ok() ? parsed.value() : rollout_policy{};
}

TEST(ApiParse, AppliesTheSchemaDefaults) {
  const auto p = parse_ok(minimal_policy());
  EXPECT_EQ(p.metadata.name, "hello");
  EXPECT_EQ(p.metadata.namespace_name, "shop");
  EXPECT_EQ(p.spec.replicas, 1);
  EXPECT_EQ(p.spec.min_ready_seconds, 0);
  EXPECT_EQ(p.spec.revision_history_limit, 10);
  EXPECT_EQ(p.spec.progress_deadline_seconds, 600);
  EXPECT_FALSE(p.spec.progress_deadline_abort);
  EXPECT_FALSE(p.spec.paused);
  EXPECT_FALSE(p.spec.restart_at.has_value());
  EXPECT_FALSE(p.spec.workload.has_value());
  ASSERT_TRUE(p.spec.template_spec.has_value());
  const auto* rolling = std::get_if<rolling_update_strategy>(&p.spec.strategy);
  ASSERT_NE(rolling, nullptr);
  EXPECT_EQ(rolling->max_surge, int_or_percent::percent(25));
  EXPECT_EQ(rolling->max_unavailable, int_or_percent::percent(25));
  EXPECT_EQ(p.status, rollout_status{});
}

TEST(ApiParse, EmptyStrategyAndEmptyRollingUpdateMeanTheDefaults) {
  for (const json& strategy : {json::object(), json{{"rollingUpdate", json::object()}}, json(nullptr)}) {
    auto object = minimal_policy();
    object["spec"]["strategy"] = strategy;
    const auto p = parse_ok(object);
    const auto* rolling = std::get_if<rolling_update_strategy>(&p.spec.strategy);
    ASSERT_NE(rolling, nullptr) << strategy.dump();
    EXPECT_EQ(rolling->max_surge, int_or_percent::percent(25));
  }
}

TEST(ApiParse, RollingUpdateReadsEveryField) {
  const auto p = parse_ok(load_json("policy_rolling.json"));
  EXPECT_EQ(p.metadata.uid, "6f1c2a9e-0000-4000-8000-000000000001");
  EXPECT_EQ(p.metadata.generation, 4);
  EXPECT_EQ(p.metadata.resource_version, "12345");
  EXPECT_EQ(p.metadata.labels, (string_map{{"team", "web"}}));
  EXPECT_EQ(p.metadata.annotations, (string_map{{"note", "rolling"}}));
  EXPECT_FALSE(p.metadata.deletion_timestamp.has_value());
  EXPECT_EQ(p.spec.replicas, 3);
  EXPECT_EQ(p.spec.selector.match_labels, (string_map{{"app", "hello"}}));
  EXPECT_EQ(p.spec.min_ready_seconds, 5);
  EXPECT_EQ(p.spec.revision_history_limit, 3);
  EXPECT_EQ(p.spec.progress_deadline_seconds, 120);
  EXPECT_TRUE(p.spec.progress_deadline_abort);
  EXPECT_TRUE(p.spec.paused);
  EXPECT_EQ(p.spec.restart_at, parse_timestamp("2026-01-31T12:00:00Z"));
  const auto& rolling = std::get<rolling_update_strategy>(p.spec.strategy);
  EXPECT_EQ(rolling.max_surge, int_or_percent::count(1));
  EXPECT_EQ(rolling.max_unavailable, int_or_percent::percent(10));

  const auto& t = p.spec.template_spec.value();
  EXPECT_EQ(t.labels(), (string_map{{"app", "hello"}, {"track", "stable"}}));
  EXPECT_EQ(t.containers(), (std::vector<container_image>{{"hello", "kelseyhightower/hello:1.0.0"}}));
  EXPECT_EQ(t.init_containers(), (std::vector<container_image>{{"migrate", "busybox:1.36"}}));
  // The template travels as written, for the ReplicaSet.
  EXPECT_EQ(t.raw, load_json("policy_rolling.json")["spec"]["template"]);
}

TEST(ApiParse, CanaryReadsEveryStepKind) {
  const auto p = parse_ok(load_json("policy_canary.json"));
  ASSERT_EQ(p.spec.selector.match_expressions.size(), 1u);
  EXPECT_EQ(p.spec.selector.match_expressions[0],
            (label_requirement{"tier", label_requirement::op::in, {"web", "edge"}}));
  const auto& c = std::get<canary_strategy>(p.spec.strategy);
  EXPECT_EQ(c.service, "hello");
  EXPECT_EQ(c.stable_service, "hello-stable");
  EXPECT_EQ(c.canary_service, "hello-canary");
  EXPECT_EQ(c.max_surge, int_or_percent::percent(20));
  EXPECT_EQ(c.max_unavailable, int_or_percent::count(0));
  EXPECT_EQ(c.scale_down_delay_seconds, 10);
  EXPECT_EQ(c.abort_scale_down_delay_seconds, 5);
  ASSERT_TRUE(c.session_affinity.has_value());
  EXPECT_EQ(c.session_affinity->type, "ClientIP");
  EXPECT_EQ(c.session_affinity->timeout_seconds, 600);
  EXPECT_FALSE(c.traffic_routing.has_value());

  ASSERT_EQ(c.steps.size(), 5u);
  EXPECT_EQ(std::get<set_weight_step>(c.steps[0]).weight, 10);
  EXPECT_EQ(std::get<pause_step>(c.steps[1]).duration, std::chrono::nanoseconds(90s));
  EXPECT_EQ(std::get<set_weight_step>(c.steps[2]).weight, 50);
  EXPECT_EQ(std::get<pause_step>(c.steps[3]).duration,
            std::chrono::nanoseconds(45s));                             // a bare number is seconds
  EXPECT_FALSE(std::get<pause_step>(c.steps[4]).duration.has_value());  // until promoted
}

TEST(ApiParse, CanaryDefaults) {
  auto object = minimal_policy();
  object["spec"]["strategy"] = json{{"canary", json::object()}};
  const auto c = std::get<canary_strategy>(parse_ok(object).spec.strategy);
  EXPECT_TRUE(c.steps.empty());
  EXPECT_EQ(c.max_surge, int_or_percent::percent(25));
  EXPECT_EQ(c.max_unavailable, int_or_percent::percent(25));
  EXPECT_EQ(c.scale_down_delay_seconds, 30);
  EXPECT_EQ(c.abort_scale_down_delay_seconds, 30);
  EXPECT_FALSE(c.session_affinity.has_value());
  EXPECT_TRUE(c.service.empty());
}

TEST(ApiParse, SetCanaryScaleAndAnalysisSteps) {
  auto object = minimal_policy();
  object["spec"]["strategy"]["canary"]["steps"] = json::parse(R"([
    {"setCanaryScale": {"replicas": 3}},
    {"setCanaryScale": {"weight": 40}},
    {"setCanaryScale": {"matchTrafficWeight": true}},
    {"analysis": {"templates": [{"templateName": "success-rate"}]}}
  ])");
  object["spec"]["strategy"]["canary"]["trafficRouting"] = json{{"gatewayAPI", {{"httpRoute", "hello"}}}};
  const auto c = std::get<canary_strategy>(parse_ok(object).spec.strategy);
  ASSERT_EQ(c.steps.size(), 4u);
  EXPECT_EQ(std::get<set_canary_scale_step>(c.steps[0]).replicas, 3);
  EXPECT_EQ(std::get<set_canary_scale_step>(c.steps[1]).weight, 40);
  EXPECT_TRUE(std::get<set_canary_scale_step>(c.steps[2]).match_traffic_weight);
  EXPECT_EQ(std::get<analysis_step>(c.steps[3]).spec["templates"][0]["templateName"], "success-rate");
  EXPECT_EQ(c.traffic_routing, (json{{"gatewayAPI", {{"httpRoute", "hello"}}}}));
}

TEST(ApiParse, BlueGreenReadsEveryFieldAndDefaults) {
  const auto p = parse_ok(load_json("policy_blue_green.json"));
  const auto& b = std::get<blue_green_strategy>(p.spec.strategy);
  EXPECT_EQ(b.active_service, "hello");
  EXPECT_EQ(b.preview_service, "hello-preview");
  EXPECT_TRUE(b.auto_promotion_enabled);
  EXPECT_EQ(b.auto_promotion_seconds, 60);
  EXPECT_EQ(b.preview_replica_count, 1);
  EXPECT_EQ(b.scale_down_delay_seconds, 120);
  EXPECT_EQ(b.abort_scale_down_delay_seconds, 15);
  ASSERT_TRUE(b.session_affinity.has_value());
  EXPECT_EQ(b.session_affinity->timeout_seconds, 10800);

  auto object = minimal_policy();
  object["spec"]["strategy"] = json{{"blueGreen", {{"activeService", "hello"}}}};
  const auto d = std::get<blue_green_strategy>(parse_ok(object).spec.strategy);
  EXPECT_TRUE(d.auto_promotion_enabled);
  EXPECT_FALSE(d.auto_promotion_seconds.has_value());
  EXPECT_FALSE(d.preview_replica_count.has_value());
  EXPECT_EQ(d.scale_down_delay_seconds, 30);
  EXPECT_EQ(d.abort_scale_down_delay_seconds, 30);
  EXPECT_TRUE(d.preview_service.empty());
}

TEST(ApiParse, StatusIsReadBack) {
  const auto p = parse_ok(load_json("policy_blue_green.json"));
  const auto& s = p.status;
  EXPECT_EQ(s.observed_generation, 2);
  EXPECT_EQ(s.phase, rollout_phase::paused);
  EXPECT_EQ(s.replicas, 4);
  EXPECT_EQ(s.updated_replicas, 1);
  EXPECT_EQ(s.selector, "app=hello");
  EXPECT_EQ(s.current_revision, 2);
  EXPECT_EQ(s.active_selector, "z2c4d5f6g7");
  ASSERT_EQ(s.pause_conditions.size(), 1u);
  EXPECT_EQ(s.pause_conditions[0].reason, "BlueGreenPause");
  ASSERT_TRUE(s.operation.has_value());
  EXPECT_EQ(s.operation->type, operation_type::promote);
  EXPECT_EQ(s.operation->requested_at, parse_timestamp("2026-01-31T12:05:00Z"));
  ASSERT_EQ(s.conditions.size(), 1u);
  EXPECT_EQ(s.conditions[0].reason, "MinimumReplicasAvailable");
}

TEST(ApiParse, WorkloadRefInsteadOfTemplate) {
  auto object = minimal_policy();
  object["spec"].erase("template");
  object["spec"]["workloadRef"] = json{{"name", "hello"}};
  const auto p = parse_ok(object);
  ASSERT_TRUE(p.spec.workload.has_value());
  EXPECT_EQ(p.spec.workload->api_version, "apps/v1");
  EXPECT_EQ(p.spec.workload->kind, "Deployment");
  EXPECT_EQ(p.spec.workload->name, "hello");
  EXPECT_FALSE(p.spec.template_spec.has_value());
}

TEST(ApiParse, NullMeansUnset) {
  auto object = minimal_policy();
  object["spec"]["replicas"] = nullptr;
  object["spec"]["paused"] = nullptr;
  object["spec"]["restartAt"] = nullptr;
  object["status"] = nullptr;
  const auto p = parse_ok(object);
  EXPECT_EQ(p.spec.replicas, 1);
  EXPECT_FALSE(p.spec.paused);
}

TEST(ApiParse, IntegralFloatsAreIntegers) {
  auto object = minimal_policy();
  object["spec"]["replicas"] = 3.0;
  EXPECT_EQ(parse_ok(object).spec.replicas, 3);
}

// One mutation of a valid object and the error it must produce, at its path.
struct error_case {
  const char* name;
  const char* pointer;  // JSON pointer into minimal_policy(); set to `value`, or removed if `removed`
  json value;
  const char* path;
  const char* message;  // a substring of the message
};

void PrintTo(const error_case& c, std::ostream* os) {
  *os << c.name;
}

class ApiParseErrors : public ::testing::TestWithParam<error_case> {};

TEST_P(ApiParseErrors, NameThePathAndTheProblem) {
  const auto& c = GetParam();
  json object = minimal_policy();
  const json::json_pointer pointer(c.pointer);
  if (c.value.is_discarded()) {
    object[pointer.parent_pointer()].erase(pointer.back());
  } else {
    object[pointer] = c.value;
  }
  const auto parsed = parse_rollout_policy(object);
  ASSERT_FALSE(parsed.ok()) << c.name;
  const auto& errors = parsed.errors();
  const auto found = std::find_if(errors.begin(), errors.end(), [&](const field_error& e) {
    return e.path == c.path && e.message.find(c.message) != std::string::npos;
  });
  EXPECT_NE(found, errors.end()) << "wanted " << c.path << ": ..." << c.message
                                 << "...\ngot: " << describe(errors, 100);
}

const json removed = json(json::value_t::discarded);

const error_case error_cases[] = {
    {"replicas_string", "/spec/replicas", "3", "spec.replicas", "must be an integer, got \"3\""},
    {"replicas_negative", "/spec/replicas", -1, "spec.replicas", "must be at least 0, got -1"},
    {"replicas_fraction", "/spec/replicas", 1.5, "spec.replicas", "must be an integer, got 1.5"},
    {"replicas_too_big", "/spec/replicas", 2147483648LL, "spec.replicas", "must be at most 2147483647"},
    {"replicas_huge", "/spec/replicas", 18446744073709551615ULL, "spec.replicas",
     "must be at most 2147483647"},
    {"spec_missing", "/spec", removed, "spec", "is required"},
    {"spec_array", "/spec", json::array(), "spec", "must be an object, got an array"},
    {"metadata_missing", "/metadata", removed, "metadata", "is required"},
    {"name_missing", "/metadata/name", removed, "metadata.name", "is required"},
    {"generation_string", "/metadata/generation", "1", "metadata.generation", "must be an integer"},
    {"deletion_timestamp_bad", "/metadata/deletionTimestamp", "soon", "metadata.deletionTimestamp",
     "\"soon\" is not an RFC 3339 timestamp"},
    {"annotation_not_string", "/metadata/annotations", json{{"a", 1}}, "metadata.annotations.a",
     "must be a string"},
    {"selector_missing", "/spec/selector", removed, "spec.selector", "is required"},
    {"selector_string", "/spec/selector", "app=hello", "spec.selector", "must be an object"},
    {"match_label_not_string", "/spec/selector/matchLabels/app", 5, "spec.selector.matchLabels.app",
     "must be a string, got 5"},
    {"expression_bad_operator", "/spec/selector/matchExpressions",
     json::parse(R"([{"key":"a","operator":"Near"}])"), "spec.selector.matchExpressions[0].operator",
     "\"Near\" is not one of In, NotIn, Exists, DoesNotExist"},
    {"expression_no_key", "/spec/selector/matchExpressions", json::parse(R"([{"operator":"Exists"}])"),
     "spec.selector.matchExpressions[0].key", "is required"},
    {"expression_in_without_values", "/spec/selector/matchExpressions",
     json::parse(R"([{"key":"a","operator":"In"}])"), "spec.selector.matchExpressions[0].values",
     "must list at least one value"},
    {"expression_exists_with_values", "/spec/selector/matchExpressions",
     json::parse(R"([{"key":"a","operator":"Exists","values":["x"]}])"),
     "spec.selector.matchExpressions[0].values", "must be empty"},
    {"expression_value_not_string", "/spec/selector/matchExpressions",
     json::parse(R"([{"key":"a","operator":"In","values":["x", 2]}])"),
     "spec.selector.matchExpressions[0].values[1]", "must be a string, got 2"},
    {"template_and_workload_missing", "/spec/template", removed, "spec",
     "one of template or workloadRef is required"},
    {"template_and_workload_both", "/spec/workloadRef", json{{"name", "hello"}}, "spec",
     "mutually exclusive"},
    {"template_not_object", "/spec/template", "nginx", "spec.template", "must be an object, got \"nginx\""},
    {"template_spec_missing", "/spec/template/spec", removed, "spec.template.spec", "is required"},
    {"containers_empty", "/spec/template/spec/containers", json::array(), "spec.template.spec.containers",
     "must list at least one container"},
    {"containers_missing", "/spec/template/spec/containers", removed, "spec.template.spec.containers",
     "must list at least one container"},
    {"container_not_object", "/spec/template/spec/containers/0", "hello", "spec.template.spec.containers[0]",
     "must be an object"},
    {"container_name_missing", "/spec/template/spec/containers/0/name", removed,
     "spec.template.spec.containers[0].name", "is required"},
    {"container_image_number", "/spec/template/spec/containers/0/image", 7,
     "spec.template.spec.containers[0].image", "must be a string, got 7"},
    {"init_container_name_number", "/spec/template/spec/initContainers", json::parse(R"([{"name": 1}])"),
     "spec.template.spec.initContainers[0].name", "must be a string"},
    {"template_labels_string", "/spec/template/metadata/labels", "app=hello", "spec.template.metadata.labels",
     "must be an object, got \"app=hello\""},
    {"progress_deadline_zero", "/spec/progressDeadlineSeconds", 0, "spec.progressDeadlineSeconds",
     "must be at least 1"},
    {"min_ready_negative", "/spec/minReadySeconds", -5, "spec.minReadySeconds", "must be at least 0"},
    {"history_bool", "/spec/revisionHistoryLimit", true, "spec.revisionHistoryLimit",
     "must be an integer, got true"},
    {"paused_string", "/spec/paused", "yes", "spec.paused", "must be true or false, got \"yes\""},
    {"abort_number", "/spec/progressDeadlineAbort", 1, "spec.progressDeadlineAbort", "must be true or false"},
    {"restart_at_bad", "/spec/restartAt", "yesterday", "spec.restartAt",
     "\"yesterday\" is not an RFC 3339 timestamp"},
    {"workload_name_missing", "/spec/workloadRef", json{{"kind", "Deployment"}}, "spec.workloadRef.name",
     "is required"},
    {"strategy_two", "/spec/strategy", json{{"rollingUpdate", json::object()}, {"canary", json::object()}},
     "spec.strategy",
     "exactly one of rollingUpdate, canary or blueGreen may be set, found rollingUpdate and canary"},
    {"strategy_string", "/spec/strategy", "RollingUpdate", "spec.strategy", "must be an object"},
    {"rolling_not_object", "/spec/strategy/rollingUpdate", 1, "spec.strategy.rollingUpdate",
     "must be an object"},
    {"surge_word", "/spec/strategy/rollingUpdate/maxSurge", "abc", "spec.strategy.rollingUpdate.maxSurge",
     "\"abc\" is not a count or a percentage like \"25%\""},
    {"surge_number_string", "/spec/strategy/rollingUpdate/maxSurge", "5",
     "spec.strategy.rollingUpdate.maxSurge", "\"5\" is not a count or a percentage"},
    {"surge_negative", "/spec/strategy/rollingUpdate/maxSurge", -1, "spec.strategy.rollingUpdate.maxSurge",
     "must not be negative, got -1"},
    {"unavailable_over_100", "/spec/strategy/rollingUpdate/maxUnavailable", "150%",
     "spec.strategy.rollingUpdate.maxUnavailable", "must not be more than 100%"},
    {"steps_object", "/spec/strategy/canary/steps", json::object(), "spec.strategy.canary.steps",
     "must be a list, got an object"},
    {"pause_bad_duration", "/spec/strategy/canary/steps",
     json::parse(R"([{"setWeight": 10}, {"pause": {}}, {"pause": {"duration": "5x"}}])"),
     "spec.strategy.canary.steps[2].pause.duration", "\"5x\" is not a duration"},
    {"pause_negative", "/spec/strategy/canary/steps", json::parse(R"([{"pause": {"duration": "-5s"}}])"),
     "spec.strategy.canary.steps[0].pause.duration", "must not be negative"},
    {"pause_negative_seconds", "/spec/strategy/canary/steps", json::parse(R"([{"pause": {"duration": -5}}])"),
     "spec.strategy.canary.steps[0].pause.duration", "must be at least 0"},
    {"pause_duration_bool", "/spec/strategy/canary/steps", json::parse(R"([{"pause": {"duration": true}}])"),
     "spec.strategy.canary.steps[0].pause.duration", "must be a duration like \"30s\""},
    {"pause_string", "/spec/strategy/canary/steps", json::parse(R"([{"pause": "30s"}])"),
     "spec.strategy.canary.steps[0].pause", "must be an object, got \"30s\""},
    {"weight_over_100", "/spec/strategy/canary/steps", json::parse(R"([{"setWeight": 101}])"),
     "spec.strategy.canary.steps[0].setWeight", "must be at most 100, got 101"},
    {"weight_string", "/spec/strategy/canary/steps", json::parse(R"([{"setWeight": "10%"}])"),
     "spec.strategy.canary.steps[0].setWeight", "must be an integer, got \"10%\""},
    {"step_empty", "/spec/strategy/canary/steps", json::parse(R"([{"setWeight": 1}, {}])"),
     "spec.strategy.canary.steps[1]",
     "exactly one of setWeight, pause, setCanaryScale or analysis must be set"},
    {"step_two_kinds", "/spec/strategy/canary/steps", json::parse(R"([{"setWeight": 5, "pause": {}}])"),
     "spec.strategy.canary.steps[0]", "found setWeight and pause"},
    {"step_number", "/spec/strategy/canary/steps", json::parse(R"([5])"), "spec.strategy.canary.steps[0]",
     "must be an object, got 5"},
    {"canary_scale_empty", "/spec/strategy/canary/steps", json::parse(R"([{"setCanaryScale": {}}])"),
     "spec.strategy.canary.steps[0].setCanaryScale", "exactly one of replicas, weight or matchTrafficWeight"},
    {"canary_scale_two", "/spec/strategy/canary/steps",
     json::parse(R"([{"setCanaryScale": {"replicas": 1, "weight": 2}}])"),
     "spec.strategy.canary.steps[0].setCanaryScale", "found replicas and weight"},
    {"canary_scale_weight_over", "/spec/strategy/canary/steps",
     json::parse(R"([{"setCanaryScale": {"weight": 200}}])"),
     "spec.strategy.canary.steps[0].setCanaryScale.weight", "must be at most 100"},
    {"analysis_string", "/spec/strategy/canary/steps", json::parse(R"([{"analysis": "x"}])"),
     "spec.strategy.canary.steps[0].analysis", "must be an object"},
    {"canary_service_number", "/spec/strategy/canary/service", 1, "spec.strategy.canary.service",
     "must be a string"},
    {"canary_delay_negative", "/spec/strategy/canary/scaleDownDelaySeconds", -1,
     "spec.strategy.canary.scaleDownDelaySeconds", "must be at least 0"},
    {"affinity_timeout_zero", "/spec/strategy/canary/sessionAffinity", json{{"timeoutSeconds", 0}},
     "spec.strategy.canary.sessionAffinity.timeoutSeconds", "must be at least 1"},
    {"affinity_timeout_big", "/spec/strategy/canary/sessionAffinity", json{{"timeoutSeconds", 86401}},
     "spec.strategy.canary.sessionAffinity.timeoutSeconds", "must be at most 86400"},
    {"affinity_type", "/spec/strategy/canary/sessionAffinity", json{{"type", "Sticky"}},
     "spec.strategy.canary.sessionAffinity.type", "\"Sticky\" is not one of ClientIP, None"},
    {"routing_string", "/spec/strategy/canary/trafficRouting", "istio", "spec.strategy.canary.trafficRouting",
     "must be an object"},
    {"blue_green_no_active", "/spec/strategy/blueGreen", json{{"previewService", "p"}},
     "spec.strategy.blueGreen.activeService", "is required"},
    {"blue_green_auto_string", "/spec/strategy/blueGreen",
     json{{"activeService", "a"}, {"autoPromotionEnabled", "no"}},
     "spec.strategy.blueGreen.autoPromotionEnabled", "must be true or false"},
    {"blue_green_preview_zero", "/spec/strategy/blueGreen",
     json{{"activeService", "a"}, {"previewReplicaCount", 0}}, "spec.strategy.blueGreen.previewReplicaCount",
     "must be at least 1"},
};

INSTANTIATE_TEST_SUITE_P(Table, ApiParseErrors, ::testing::ValuesIn(error_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ApiParse, ReportsEveryProblemNotJustTheFirst) {
  auto object = minimal_policy();
  object["spec"]["replicas"] = "three";
  object["spec"]["paused"] = "no";
  object["spec"]["strategy"] =
      json::parse(R"({"canary": {"steps": [{"setWeight": -1}, {"pause": {"duration": "1y"}}]}})");
  const auto parsed = parse_rollout_policy(object);
  ASSERT_FALSE(parsed.ok());
  std::vector<std::string> paths;
  for (const auto& e : parsed.errors()) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"spec.replicas", "spec.paused",
                                             "spec.strategy.canary.steps[0].setWeight",
                                             "spec.strategy.canary.steps[1].pause.duration"}));
  EXPECT_EQ(describe(parsed.errors(), 1), "spec.replicas: must be an integer, got \"three\"; and 3 more");
}

TEST(ApiParse, NonObjectsAreErrorsAtTheRoot) {
  for (const json& v : {json(nullptr), json(1), json("x"), json::array(), json(true)}) {
    const auto parsed = parse_rollout_policy(v);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.errors().at(0).path, "");
    EXPECT_FALSE(parse_object_meta(v).ok());
  }
}

TEST(ApiParse, MetadataIsReadableWhenTheSpecIsNot) {
  auto object = load_json("policy_rolling.json");
  object["spec"] = "garbage";
  EXPECT_FALSE(parse_rollout_policy(object).ok());
  const auto meta = parse_object_meta(object);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->name, "hello");
  EXPECT_EQ(meta->namespace_name, "shop");
  EXPECT_EQ(meta->uid, "6f1c2a9e-0000-4000-8000-000000000001");
}

TEST(ApiParse, MalformedStatusIsAWarningNotAnError) {
  auto object = minimal_policy();
  object["status"] = json::parse(R"({"phase": "Exploded", "replicas": "3", "observedGeneration": 2,
    "operation": {"type": "Promot"}, "conditions": [{"status": "True"}, {"type": "Ready", "status": "True"}]})");
  const auto parsed = parse_rollout_policy(object);
  ASSERT_TRUE(parsed.ok()) << describe(parsed.errors());
  std::vector<std::string> paths;
  for (const auto& w : parsed.warnings()) paths.push_back(w.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"status.phase", "status.replicas", "status.operation.type",
                                             "status.conditions[0].type"}));
  const auto& s = parsed->status;
  EXPECT_EQ(s.phase, rollout_phase::unset);
  EXPECT_EQ(s.replicas, 0);
  EXPECT_EQ(s.observed_generation, 2);  // the good fields survive
  EXPECT_FALSE(s.operation.has_value());
  ASSERT_EQ(s.conditions.size(), 1u);
  EXPECT_EQ(s.conditions[0].type, "Ready");
}

}  // namespace
}  // namespace rolloutd::api
