// write_status against the in-process API server: the patch carries the resourceVersion it was
// planned from, and the decision's events are told only once the status that records them is
// written (a reconcile on a stale cache gets a conflict and must not announce the transition again).

#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <sstream>

#include "client_fixture.hpp"
#include "common/logging.hpp"
#include "kube/informer_cache.hpp"
#include "reconcile/sync_steps.hpp"

namespace rolloutd::testing {
namespace {

namespace net = boost::asio;
using nlohmann::json;
using reconcile::reconcile_outcome;

class sync_steps : public client_fixture {
 protected:
  // Built outside the coroutines: GCC 12 miscompiles braced initializer lists inside a coroutine body.
  static json policy(const api::rollout_status& status) {
    return json{{"apiVersion", "rolloutd.io/v1alpha1"},
                {"kind", "RolloutPolicy"},
                {"metadata", {{"name", "hello"}, {"namespace", "ns"}, {"resourceVersion", "7"}}},
                {"status", api::to_json(status)}};
  }

  static reconcile::status_decision completed() {
    reconcile::status_decision d;
    d.status.phase = api::rollout_phase::healthy;
    d.status.observed_generation = 2;
    d.events.push_back({kube::event_type::normal, "RolloutCompleted", "revision 2 is stable"});
    return d;
  }

  reconcile_outcome write(fake_api_server& server, const json& object,
                          const reconcile::status_decision& decision) {
    kube::client api(io.get_executor(), config_for(server), fast_options(), clock);
    reconcile::reconciler_deps deps{.api = api,
                                    .policies = policies,
                                    .replica_sets = replica_sets,
                                    .services = services,
                                    .events = nullptr,
                                    .clock = clock,
                                    .log = *log};
    reconcile::sync_context c{.d = deps,
                              .ref = {.kind = "RolloutPolicy", .namespace_name = "ns", .name = "hello"}};
    auto out = run<reconcile_outcome>(server, [&]() -> net::awaitable<reconcile_outcome> {
      co_return co_await reconcile::write_status(c, object, decision);
    });
    log->flush();
    return out;
  }

  [[nodiscard]] bool event_told() const { return logged.str().find("RolloutCompleted") != std::string::npos; }

  kube::informer_cache policies, replica_sets, services;
  std::ostringstream logged;
  std::shared_ptr<spdlog::logger> log =
      make_logger_to("test", log_format::text, spdlog::level::info,
                     std::make_shared<spdlog::sinks::ostream_sink_mt>(logged));
};

TEST_F(sync_steps, ConflictOnAStaleStatusTellsNoEvent) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) {
    return fake_reply{.status = 409, .body = R"({"kind":"Status","code":409,"reason":"Conflict"})"};
  });
  const auto out = write(server, policy({}), completed());
  ASSERT_EQ(server.requests().size(), 1u);
  const auto& req = server.requests()[0];
  EXPECT_EQ(req.method, "PATCH");
  EXPECT_EQ(req.target, "/apis/rolloutd.io/v1alpha1/namespaces/ns/rolloutpolicies/hello/status");
  EXPECT_EQ(json::parse(req.body)["metadata"]["resourceVersion"], "7");
  EXPECT_FALSE(out.failed);
  EXPECT_TRUE(out.requeue_after.has_value());
  EXPECT_FALSE(event_told()) << logged.str();
}

TEST_F(sync_steps, WrittenStatusTellsItsEvents) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) { return fake_reply{}; });
  const auto out = write(server, policy({}), completed());
  ASSERT_EQ(server.requests().size(), 1u);
  const json body = json::parse(server.requests()[0].body);
  EXPECT_EQ(body["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(body["status"]["phase"], "Healthy");
  EXPECT_FALSE(out.failed);
  EXPECT_TRUE(event_told()) << logged.str();
}

TEST_F(sync_steps, FailedWriteTellsNoEvent) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) {
    return fake_reply{.status = 422, .body = R"({"kind":"Status","code":422,"reason":"Invalid"})"};
  });
  const auto out = write(server, policy({}), completed());
  EXPECT_TRUE(out.failed);
  EXPECT_FALSE(event_told()) << logged.str();
}

TEST_F(sync_steps, UnchangedStatusSendsNothingAndStillTellsEvents) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) { return fake_reply{}; });
  const auto decision = completed();
  const auto out = write(server, policy(decision.status), decision);
  EXPECT_TRUE(server.requests().empty());
  EXPECT_FALSE(out.failed);
  EXPECT_TRUE(event_told()) << logged.str();
}

}  // namespace
}  // namespace rolloutd::testing
