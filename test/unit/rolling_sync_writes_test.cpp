// One rolling sync against an in-process API server that keeps a resourceVersion per ReplicaSet and
// answers a stale one with 409, as the real one does: a sync must write each ReplicaSet at most once
// and then record its status (issue 14, defect 10). Before the fix, the second write of the same
// ReplicaSet met a 409 and the status write of that round was skipped.

#include <spdlog/sinks/ostream_sink.h>

#include <map>
#include <memory>
#include <sstream>

#include "api/parse.hpp"
#include "api_test_support.hpp"
#include "client_fixture.hpp"
#include "common/logging.hpp"
#include "kube/informer_cache.hpp"
#include "reconcile/replica_sets.hpp"
#include "reconcile/strategy_sync.hpp"

namespace rolloutd::testing {
namespace {

namespace net = boost::asio;
using nlohmann::json;
using reconcile::reconcile_outcome;

constexpr std::string_view rs_prefix = "/apis/apps/v1/namespaces/shop/replicasets/";
constexpr std::string_view status_target =
    "/apis/rolloutd.io/v1alpha1/namespaces/shop/rolloutpolicies/hello/status";

struct replica_set_fixture {
  std::string name;
  std::int64_t revision;
  int spec;
  int available;
  int min_ready_seconds = 0;
};

class rolling_sync_writes : public client_fixture {
 protected:
  // Built outside the coroutines: GCC 12 miscompiles braced initializer lists inside a coroutine body.
  static json policy_object(int replicas, json strategy, int min_ready_seconds) {
    json p = api::testing::minimal_policy();
    p["metadata"]["uid"] = "policy-uid";
    p["metadata"]["resourceVersion"] = "7";
    p["metadata"]["generation"] = 2;
    p["spec"]["replicas"] = replicas;
    p["spec"]["minReadySeconds"] = min_ready_seconds;
    p["spec"]["strategy"] = {{"rollingUpdate", std::move(strategy)}};
    p["status"] = {{"observedGeneration", 2}};
    return p;
  }

  static json replica_set_object(const replica_set_fixture& f, int replicas) {
    return {{"metadata",
             {{"name", f.name},
              {"namespace", "shop"},
              {"uid", f.name + "-uid"},
              {"resourceVersion", "5"},
              {"generation", 1},
              {"creationTimestamp", "2026-01-01T00:00:0" + std::to_string(f.revision) + "Z"},
              {"labels", {{"app", "hello"}, {"rolloutd.io/pod-template-hash", f.name}}},
              {"annotations",
               {{"rolloutd.io/revision", std::to_string(f.revision)},
                {"rolloutd.io/desired-replicas", std::to_string(replicas)},
                {"rolloutd.io/max-replicas", std::to_string(replicas)}}},
              {"ownerReferences", json::array({{{"apiVersion", "rolloutd.io/v1alpha1"},
                                                {"kind", "RolloutPolicy"},
                                                {"name", "hello"},
                                                {"uid", "policy-uid"},
                                                {"controller", true}}})}}},
            {"spec", {{"replicas", f.spec}, {"minReadySeconds", f.min_ready_seconds}}},
            {"status",
             {{"replicas", f.spec},
              {"readyReplicas", f.available},
              {"availableReplicas", f.available},
              {"observedGeneration", 1}}}};
  }

  // Runs one sync of `policy` whose template's ReplicaSet is `current` (the others are old).
  reconcile_outcome sync(fake_api_server& server, const json& object, const replica_set_fixture& current,
                         const std::vector<replica_set_fixture>& olds) {
    kube::client api(io.get_executor(), config_for(server), fast_options(), clock);
    reconcile::reconciler_deps deps{.api = api,
                                    .policies = policies,
                                    .replica_sets = replica_sets,
                                    .services = services,
                                    .events = nullptr,
                                    .clock = clock,
                                    .log = *log};
    reconcile::sync_context c{.d = deps,
                              .ref = {.kind = "RolloutPolicy", .namespace_name = "shop", .name = "hello"}};
    const auto parsed = api::parse_rollout_policy(object);
    EXPECT_TRUE(parsed.ok());
    const api::rollout_policy policy = parsed.value();
    const json& pod_template = object["spec"]["template"];
    const int replicas = object["spec"]["replicas"].get<int>();

    reconcile::policy_children children;
    auto add = [&](const replica_set_fixture& f, bool is_current) {
      auto rs = std::make_shared<const json>(replica_set_object(f, replicas));
      auto observed = reconcile::observe_replica_set(*rs);
      EXPECT_TRUE(observed.error.empty()) << observed.error;
      if (is_current) {
        children.new_replica_set = *observed.state;
      } else {
        children.old_replica_sets.push_back(*observed.state);
      }
      children.by_name.emplace(f.name, rs);
    };
    add(current, true);
    for (const auto& f : olds) add(f, false);
    const reconcile::policy_snapshot s{.object = object,
                                       .policy = policy,
                                       .pod_template = pod_template,
                                       .template_hash = current.name,
                                       .hash = current.name,
                                       .new_name = current.name,
                                       .children = std::move(children)};
    const auto& rolling = std::get<api::rolling_update_strategy>(policy.spec.strategy);
    auto out = run<reconcile_outcome>(server, [&]() -> net::awaitable<reconcile_outcome> {
      co_return co_await reconcile::sync_rolling(c, s, rolling);
    });
    log->flush();
    return out;
  }

  // The API server's side: a resourceVersion per ReplicaSet, bumped by every write.
  fake_reply answer(const fake_request& r) {
    if (r.method != "PATCH") return fake_reply{};
    if (r.target == status_target) {
      status_written = true;
      return fake_reply{};
    }
    if (!r.target.starts_with(rs_prefix)) return fake_reply{};
    const std::string name = r.target.substr(rs_prefix.size());
    ++writes[name];
    auto& rv = versions.try_emplace(name, 5).first->second;
    const json body = json::parse(r.body);
    if (body["metadata"]["resourceVersion"] != std::to_string(rv)) {
      ++conflicts;
      return fake_reply{.status = 409, .body = R"({"kind":"Status","code":409,"reason":"Conflict"})"};
    }
    ++rv;
    patches[name] = body;
    return fake_reply{};
  }

  kube::informer_cache policies, replica_sets, services;
  std::ostringstream logged;
  std::shared_ptr<spdlog::logger> log =
      make_logger_to("test", log_format::text, spdlog::level::info,
                     std::make_shared<spdlog::sinks::ostream_sink_mt>(logged));
  std::map<std::string, std::int64_t> versions;
  std::map<std::string, int> writes;
  std::map<std::string, json> patches;
  int conflicts = 0;
  bool status_written = false;
};

TEST_F(rolling_sync_writes, UnhealthyCleanupAndScaleDownAreOneWriteThenTheStatus) {
  fake_api_server server(io.get_executor(), server_cert, [this](const fake_request& r) { return answer(r); });
  const json object = policy_object(10, {{"maxSurge", 0}, {"maxUnavailable", 2}}, 0);
  const auto out = sync(server, object, {"v2", 2, 0, 0}, {{"v1", 1, 10, 9}});
  EXPECT_EQ(conflicts, 0) << logged.str();
  EXPECT_EQ(writes["v1"], 1);
  EXPECT_EQ(patches["v1"]["spec"]["replicas"], 8);
  EXPECT_TRUE(status_written) << logged.str();
  EXPECT_FALSE(out.failed) << out.error;
}

TEST_F(rolling_sync_writes, UndoRenumbersAndScalesInOneWriteThenTheStatus) {
  fake_api_server server(io.get_executor(), server_cert, [this](const fake_request& r) { return answer(r); });
  const json object = policy_object(3, json::object(), 0);
  const auto out = sync(server, object, {"v1", 1, 0, 0}, {{"v2", 2, 3, 3}});
  EXPECT_EQ(conflicts, 0) << logged.str();
  EXPECT_EQ(writes["v1"], 1);
  EXPECT_EQ(patches["v1"]["spec"]["replicas"], 1);
  EXPECT_EQ(patches["v1"]["metadata"]["annotations"]["rolloutd.io/revision"], "3");
  EXPECT_EQ(patches["v1"]["metadata"]["annotations"]["rolloutd.io/revision-history"], "1");
  EXPECT_TRUE(status_written) << logged.str();
  EXPECT_FALSE(out.failed) << out.error;
}

TEST_F(rolling_sync_writes, MinReadySecondsWaitsForASyncThatDoesNotScaleTheNewReplicaSet) {
  // minReadySeconds changed (0 -> 5) while the new ReplicaSet is being grown: the grow is this
  // sync's write to it; minReadySeconds follows in a sync that does not write it.
  {
    fake_api_server server(io.get_executor(), server_cert,
                           [this](const fake_request& r) { return answer(r); });
    const json object = policy_object(3, json::object(), 5);
    const auto out = sync(server, object, {"v2", 2, 1, 1}, {{"v1", 1, 2, 2}});
    EXPECT_EQ(conflicts, 0) << logged.str();
    EXPECT_EQ(writes["v2"], 1);
    EXPECT_EQ(patches["v2"]["spec"]["replicas"], 2);
    EXPECT_TRUE(status_written) << logged.str();
    EXPECT_FALSE(out.failed) << out.error;
  }
  io.restart();
  writes.clear();
  patches.clear();
  versions.clear();
  status_written = false;
  {
    // Grown and available; the old one shrinks this sync, and the new one gets minReadySeconds.
    fake_api_server server(io.get_executor(), server_cert,
                           [this](const fake_request& r) { return answer(r); });
    const json object = policy_object(3, json::object(), 5);
    const auto out = sync(server, object, {"v2", 2, 2, 2}, {{"v1", 1, 2, 2}});
    EXPECT_EQ(conflicts, 0) << logged.str();
    EXPECT_EQ(writes["v2"], 1);
    EXPECT_EQ(patches["v2"]["spec"]["minReadySeconds"], 5);
    EXPECT_EQ(writes["v1"], 1);
    EXPECT_TRUE(status_written) << logged.str();
    EXPECT_FALSE(out.failed) << out.error;
  }
}

}  // namespace
}  // namespace rolloutd::testing
