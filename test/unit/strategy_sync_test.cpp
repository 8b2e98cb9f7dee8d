// Each strategy's sync against the in-process API server, for what every strategy must do alike
// (issue 14): spec.restartAt replaces the pods of canary and blue/green policies as it does for a
// rolling update (defect 7), a ReplicaSet's ReplicaFailure reaches the policy as a condition and
// leaves with it (defect 11), and a restartAt beyond the clock's range is not read as long past
// (defect 9). The server answers the pod list, evictions and patches and records every request;
// the expectations are what a user asks for, stated from the requests, not from the planners.

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <memory>
#include <sstream>

#include "api/parse.hpp"
#include "client_fixture.hpp"
#include "common/logging.hpp"
#include "kube/clock.hpp"
#include "kube/informer_cache.hpp"
#include "reconcile/replica_sets.hpp"
#include "reconcile/strategy_sync.hpp"

namespace rolloutd::testing {
namespace {

namespace net = boost::asio;
using nlohmann::json;
using reconcile::reconcile_outcome;
using namespace std::chrono_literals;

// The manual clock's wall time: 2026-01-01T01:00:00Z.
constexpr std::string_view now_text = "2026-01-01T01:00:00Z";
constexpr std::string_view before_now = "2026-01-01T00:59:00Z";  // restartAt a minute ago
constexpr std::string_view long_ago = "2026-01-01T00:00:00Z";    // pods created an hour ago
constexpr std::string_view quota_message =
    "pods \"hello-h1-x7k2p\" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=1, "
    "limited: pods=1";

json pod_template() {
  return json::parse(R"({"metadata": {"labels": {"app": "hello"}},
                         "spec": {"containers": [{"name": "hello", "image": "kelseyhightower/hello:1.0.0"}]}})");
}

json policy_object(const json& strategy, int replicas) {
  return json{
      {"apiVersion", "rolloutd.io/v1alpha1"},
      {"kind", "RolloutPolicy"},
      {"metadata",
       {{"name", "hello"}, {"namespace", "ns"}, {"uid", "u-1"}, {"resourceVersion", "7"}, {"generation", 1}}},
      {"spec",
       {{"replicas", replicas},
        {"selector", {{"matchLabels", {{"app", "hello"}}}}},
        {"template", pod_template()},
        {"strategy", strategy}}}};
}

// The status of a policy whose revision h1 is stable and complete.
json settled_status(int replicas, const json& strategy) {
  json status{{"observedGeneration", 1},     {"phase", "Healthy"},        {"replicas", replicas},
              {"updatedReplicas", replicas}, {"readyReplicas", replicas}, {"availableReplicas", replicas},
              {"selector", "app=hello"},     {"currentRevision", 1},      {"currentPodHash", "h1"},
              {"stablePodHash", "h1"}};
  if (strategy.contains("canary")) {
    status["currentStepIndex"] = strategy["canary"].value("steps", json::array()).size();
    status["canaryWeight"] = 100;
  }
  if (strategy.contains("blueGreen")) status["activeSelector"] = "h1";
  status["conditions"] = json::array({{{"type", "Progressing"},
                                       {"status", "True"},
                                       {"reason", "NewReplicaSetAvailable"},
                                       {"message", "ReplicaSet \"hello-h1\" has successfully progressed."},
                                       {"lastUpdateTime", long_ago},
                                       {"lastTransitionTime", long_ago}}});
  return status;
}

// ReplicaSet hello-<hash> of the policy, `available` of `replicas` pods available.
json replica_set(const std::string& hash, int revision, int replicas, int available) {
  json labels = {{"app", "hello"}, {"rolloutd.io/pod-template-hash", hash}};
  json t = pod_template();
  t["metadata"]["labels"] = labels;
  return json{{"apiVersion", "apps/v1"},
              {"kind", "ReplicaSet"},
              {"metadata",
               {{"name", "hello-" + hash},
                {"namespace", "ns"},
                {"resourceVersion", "3"},
                {"generation", 1},
                {"creationTimestamp", long_ago},
                {"labels", labels},
                {"annotations",
                 {{"rolloutd.io/revision", std::to_string(revision)},
                  {"rolloutd.io/desired-replicas", std::to_string(replicas)},
                  {"rolloutd.io/max-replicas", std::to_string(replicas + 1)}}},
                {"ownerReferences", json::array({{{"apiVersion", "rolloutd.io/v1alpha1"},
                                                  {"kind", "RolloutPolicy"},
                                                  {"name", "hello"},
                                                  {"uid", "u-1"},
                                                  {"controller", true}}})}}},
              {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", labels}}}, {"template", t}}},
              {"status",
               {{"replicas", replicas},
                {"readyReplicas", available},
                {"availableReplicas", available},
                {"observedGeneration", 1}}}};
}

json failing(json rs) {
  rs["status"]["conditions"] = json::array({{{"type", "ReplicaFailure"},
                                             {"status", "True"},
                                             {"reason", "FailedCreate"},
                                             {"message", quota_message},
                                             {"lastTransitionTime", long_ago}}});
  return rs;
}

json pod(const std::string& name, const std::string& replica_set, std::string_view created) {
  return json{{"metadata",
               {{"name", name},
                {"namespace", "ns"},
                {"creationTimestamp", created},
                {"labels", {{"app", "hello"}}},
                {"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                                  {"kind", "ReplicaSet"},
                                                  {"name", replica_set},
                                                  {"controller", true}}})}}},
              {"status",
               {{"conditions",
                 json::array({{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", created}}})}}}};
}

json canary_strategy() {
  return json::parse(R"({"canary": {"steps": [{"setWeight": 50}, {"pause": {"duration": 10}}]}})");
}
json blue_green_strategy() {
  return json::parse(R"({"blueGreen": {"activeService": "hello", "autoPromotionEnabled": false}})");
}
json rolling_strategy() {
  return json::parse(R"({"rollingUpdate": {}})");
}

json active_service(const std::string& hash) {
  return json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata",
               {{"name", "hello"},
                {"namespace", "ns"},
                {"resourceVersion", "5"},
                {"annotations", {{"rolloutd.io/managed-by", "hello"}}}}},
              {"spec",
               {{"selector", {{"app", "hello"}, {"rolloutd.io/pod-template-hash", hash}}},
                {"sessionAffinity", "None"}}}};
}

class strategy_sync : public client_fixture {
 protected:
  // The pods the API server lists.
  std::vector<json> pods;

  fake_reply answer(const fake_request& r) const {
    if (r.method == "GET" && r.target.starts_with("/api/v1/namespaces/ns/pods")) {
      return fake_reply{.body = json{{"kind", "PodList"}, {"items", pods}}.dump()};
    }
    if (r.method == "POST" && r.target.ends_with("/eviction")) return fake_reply{.status = 201};
    return fake_reply{};
  }

  // One sync of `object` (parsed; `adjust` may then change the parsed policy the way a policy
  // stored without the CRD's schema would read) whose current template runs as h1 in
  // `replica_sets` (hello-h1 the current one, the others old).
  reconcile_outcome sync(json object, const std::vector<json>& owned,
                         const std::function<void(api::rollout_policy&)>& adjust = {}) {
    auto parsed = api::parse_rollout_policy(object);
    EXPECT_TRUE(parsed.ok()) << api::describe(parsed.errors(), 10);
    api::rollout_policy policy = parsed.ok() ? parsed.value() : api::rollout_policy{};
    if (adjust) adjust(policy);

    reconcile::policy_children children;
    for (const auto& rs : owned) {
      auto observed = reconcile::observe_replica_set(rs);
      EXPECT_TRUE(observed.state.has_value()) << observed.error;
      if (!observed.state) continue;
      children.by_name.emplace(observed.state->name, std::make_shared<const json>(rs));
      if (observed.state->name == "hello-h1") {
        children.new_replica_set = *observed.state;
      } else {
        children.old_replica_sets.push_back(*observed.state);
      }
    }
    const reconcile::policy_snapshot snapshot{.object = object,
                                              .policy = policy,
                                              .pod_template = policy.spec.template_spec->raw,
                                              .template_hash = "h1",
                                              .hash = "h1",
                                              .new_name = "hello-h1",
                                              .children = std::move(children)};

    fake_api_server server(io.get_executor(), server_cert,
                           [this](const fake_request& r) { return answer(r); });
    kube::client api(io.get_executor(), config_for(server), fast_options(), clock);
    reconcile::reconciler_deps deps{.api = api,
                                    .policies = policies,
                                    .replica_sets = replica_set_cache,
                                    .services = services,
                                    .events = nullptr,
                                    .clock = wall,
                                    .log = *log};
    reconcile::sync_context c{.d = deps,
                              .ref = {.kind = "RolloutPolicy", .namespace_name = "ns", .name = "hello"}};
    auto out = run<reconcile_outcome>(server, [&]() -> net::awaitable<reconcile_outcome> {
      if (const auto* canary = std::get_if<api::canary_strategy>(&policy.spec.strategy)) {
        co_return co_await reconcile::sync_canary(c, snapshot, *canary);
      }
      if (const auto* bg = std::get_if<api::blue_green_strategy>(&policy.spec.strategy)) {
        co_return co_await reconcile::sync_blue_green(c, snapshot, *bg);
      }
      co_return co_await reconcile::sync_rolling(
          c, snapshot, std::get<api::rolling_update_strategy>(policy.spec.strategy));
    });
    requests = server.requests();
    log->flush();
    return out;
  }

  [[nodiscard]] std::vector<std::string> evicted() const {
    std::vector<std::string> out;
    for (const auto& r : requests) {
      if (r.method != "POST" || !r.target.ends_with("/eviction")) continue;
      const std::string prefix = "/api/v1/namespaces/ns/pods/";
      out.push_back(r.target.substr(prefix.size(), r.target.size() - prefix.size() - 9));
    }
    return out;
  }

  // The body of the status patch, null when none was sent.
  [[nodiscard]] json status_patch() const {
    for (const auto& r : requests) {
      if (r.method == "PATCH" && r.target.ends_with("/rolloutpolicies/hello/status"))
        return json::parse(r.body);
    }
    return nullptr;
  }

  [[nodiscard]] json patched_condition(std::string_view type) const {
    const json patch = status_patch();
    if (!patch.is_object()) return nullptr;
    const json conditions = patch["status"].value("conditions", json());
    if (!conditions.is_array()) return nullptr;
    for (const auto& c : conditions) {
      if (c.value("type", "") == type) return c;
    }
    return json::object();  // conditions rewritten, this one absent
  }

  std::string history() const {
    std::string out;
    for (const auto& r : requests) out += r.method + " " + r.target + "\n";
    return out + logged.str();
  }

  kube::informer_cache policies, replica_set_cache, services;
  manual_clock wall;
  std::vector<fake_request> requests;
  std::ostringstream logged;
  std::shared_ptr<spdlog::logger> log =
      make_logger_to("test", log_format::text, spdlog::level::info,
                     std::make_shared<spdlog::sinks::ostream_sink_mt>(logged));
};

json with_restart(json object, std::string_view at) {
  object["spec"]["restartAt"] = at;
  return object;
}

json settled(const json& strategy, int replicas) {
  json object = policy_object(strategy, replicas);
  object["status"] = settled_status(replicas, strategy);
  return object;
}

TEST_F(strategy_sync, RestartEvictsTheOldestCanaryPodWithinMaxUnavailable) {
  pods = {pod("hello-h1-c", "hello-h1", "2026-01-01T00:00:03Z"), pod("hello-h1-a", "hello-h1", long_ago),
          pod("hello-h1-b", "hello-h1", "2026-01-01T00:00:01Z")};
  const auto out =
      sync(with_restart(settled(canary_strategy(), 3), before_now), {replica_set("h1", 1, 3, 3)});
  EXPECT_FALSE(out.failed) << out.error;
  // maxUnavailable 25% of 3 is 0: one pod at a time, the oldest first.
  EXPECT_EQ(evicted(), std::vector<std::string>{"hello-h1-a"}) << history();
  EXPECT_TRUE(!status_patch().is_object() || !status_patch()["status"].contains("restartedAt")) << history();
}

TEST_F(strategy_sync, RestartEvictsBlueGreenActivePodsOneAtATime) {
  services.upsert(active_service("h1"));
  pods = {pod("hello-h1-a", "hello-h1", long_ago), pod("hello-h1-b", "hello-h1", long_ago),
          pod("hello-h1-c", "hello-h1", long_ago), pod("hello-h1-d", "hello-h1", long_ago)};
  const auto out =
      sync(with_restart(settled(blue_green_strategy(), 4), before_now), {replica_set("h1", 1, 4, 4)});
  EXPECT_FALSE(out.failed) << out.error;
  EXPECT_EQ(evicted(), std::vector<std::string>{"hello-h1-a"}) << history();
}

TEST_F(strategy_sync, ABlueGreenPolicyBackToHealthyAfterARestartAnnouncesNoRollout) {
  services.upsert(active_service("h1"));
  json object = settled(blue_green_strategy(), 3);
  object["status"]["phase"] = "Progressing";  // a pod was being replaced
  object["status"]["availableReplicas"] = 2;
  const auto out = sync(object, {replica_set("h1", 1, 3, 3)});
  EXPECT_FALSE(out.failed) << out.error;
  ASSERT_TRUE(status_patch().is_object()) << history();
  EXPECT_EQ(status_patch()["status"].value("phase", ""), "Healthy") << history();
  EXPECT_EQ(logged.str().find("RolloutCompleted"), std::string::npos) << history();
}

TEST_F(strategy_sync, CanaryAndBlueGreenRecordACompletedRestart) {
  for (const json& strategy : {canary_strategy(), blue_green_strategy()}) {
    services.upsert(active_service("h1"));
    pods = {pod("hello-h1-a", "hello-h1", now_text), pod("hello-h1-b", "hello-h1", now_text)};
    const auto out = sync(with_restart(settled(strategy, 2), before_now), {replica_set("h1", 1, 2, 2)});
    EXPECT_FALSE(out.failed) << out.error;
    EXPECT_TRUE(evicted().empty()) << history();
    const json patch = status_patch();
    ASSERT_TRUE(patch.is_object()) << strategy.dump() << "\n" << history();
    EXPECT_EQ(patch["status"].value("restartedAt", ""), before_now) << strategy.dump() << "\n" << history();
  }
}

TEST_F(strategy_sync, ARestartWaitsWhileACanaryIsMidRollout) {
  // The template changed to h1 (the canary, 1 pod) while h0 is stable with 2.
  json object = with_restart(policy_object(canary_strategy(), 2), before_now);
  object["status"] = settled_status(2, canary_strategy());
  object["status"]["stablePodHash"] = "h0";
  object["status"]["currentStepIndex"] = 0;
  pods = {pod("hello-h0-a", "hello-h0", long_ago), pod("hello-h1-a", "hello-h1", long_ago)};
  const auto out = sync(object, {replica_set("h0", 1, 1, 1), replica_set("h1", 2, 1, 1)});
  EXPECT_FALSE(out.failed) << out.error;
  EXPECT_TRUE(evicted().empty()) << history();
}

TEST_F(strategy_sync, ARestartAtBeyondTheClocksRangeIsNotReadAsLongPast) {
  // Year 9999 fits metav1.Time but not the nanosecond clock (2262): it once wrapped to the past
  // and restarted every pod at once. The parser refuses it now; a policy that reaches the planner
  // anyway waits.
  pods = {pod("hello-h1-a", "hello-h1", long_ago), pod("hello-h1-b", "hello-h1", long_ago)};
  const std::chrono::sys_seconds year_9999{std::chrono::sys_days{std::chrono::year{9999} / 12 / 31}};
  for (const json& strategy : {rolling_strategy(), canary_strategy()}) {
    const auto out = sync(settled(strategy, 2), {replica_set("h1", 1, 2, 2)},
                          [&](api::rollout_policy& p) { p.spec.restart_at = year_9999; });
    EXPECT_FALSE(out.failed) << out.error;
    EXPECT_TRUE(evicted().empty()) << strategy.dump() << "\n" << history();
  }
}

TEST_F(strategy_sync, AReplicaSetsFailedCreateReachesThePolicyForEveryStrategy) {
  for (const json& strategy : {rolling_strategy(), canary_strategy(), blue_green_strategy()}) {
    services.upsert(active_service("h1"));
    const auto out = sync(settled(strategy, 3), {failing(replica_set("h1", 1, 3, 1))});
    EXPECT_FALSE(out.failed) << out.error;
    const json c = patched_condition("ReplicaFailure");
    ASSERT_TRUE(c.is_object()) << strategy.dump() << "\n" << history();
    EXPECT_EQ(c.value("status", ""), "True") << strategy.dump();
    EXPECT_EQ(c.value("reason", ""), "FailedCreate") << strategy.dump();
    EXPECT_EQ(c.value("message", ""), quota_message) << strategy.dump();
  }
}

TEST_F(strategy_sync, AnOldReplicaSetsFailureCountsTooAndTheNewOnesComesFirst) {
  json old_failing = failing(replica_set("h0", 1, 1, 0));
  old_failing["status"]["conditions"][0]["message"] = "the old one";
  json object = settled(rolling_strategy(), 3);
  object["status"]["stablePodHash"] = "h0";
  sync(object, {old_failing, replica_set("h1", 2, 3, 3)});
  EXPECT_EQ(patched_condition("ReplicaFailure").value("message", ""), "the old one") << history();
  sync(object, {old_failing, failing(replica_set("h1", 2, 3, 2))});
  EXPECT_EQ(patched_condition("ReplicaFailure").value("message", ""), quota_message) << history();
}

TEST_F(strategy_sync, ReplicaFailureLeavesWhenNoReplicaSetReportsIt) {
  for (const json& strategy : {rolling_strategy(), canary_strategy(), blue_green_strategy()}) {
    services.upsert(active_service("h1"));
    json object = settled(strategy, 3);
    object["status"]["conditions"] = json::array({{{"type", "ReplicaFailure"},
                                                   {"status", "True"},
                                                   {"reason", "FailedCreate"},
                                                   {"message", quota_message},
                                                   {"lastTransitionTime", long_ago},
                                                   {"lastUpdateTime", long_ago}}});
    const auto out = sync(object, {replica_set("h1", 1, 3, 3)});
    EXPECT_FALSE(out.failed) << out.error;
    EXPECT_EQ(patched_condition("ReplicaFailure"), json::object()) << strategy.dump() << "\n" << history();
  }
}

}  // namespace
}  // namespace rolloutd::testing
