// The event recorder against the real API server: Events appear for the involved object, repeats
// are aggregated into one Event's count, and an aggregated Event that has vanished is recreated.
//
// PENDING: this file lives under test/cluster/pending/ (outside the test/cluster/*.cpp glob)
// because the API client's implementation (client.cpp) is not on this branch yet. Once the client
// is merged, move leader_election_test.cpp, event_recorder_test.cpp and coordination_support.hpp
// together to test/cluster/; test/CMakeLists.txt then also builds test/tools/lease_contender.

#include <gtest/gtest.h>

#include <string>

#include "coordination_support.hpp"
#include "kube/event_recorder.hpp"
#include "kube/event_sink.hpp"

namespace rolloutd::kube {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
using json = nlohmann::json;

class event_recorder_cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created =
        run_sync(env.io, env.api->create(configmaps, env.namespace_name,
                                         {{"metadata", {{"name", "t-events-cm"}}}, {"data", {{"k", "v"}}}}));
    ASSERT_TRUE(created && created->ok());
    const json& meta = created->value()["metadata"];
    object = {.api_version = "v1",
              .kind = "ConfigMap",
              .namespace_name = env.namespace_name,
              .name = "t-events-cm",
              .uid = meta["uid"],
              .resource_version = meta["resourceVersion"]};
  }

  // The Events about the ConfigMap, by reason.
  std::map<std::string, json> events_by_reason() {
    auto listed = run_sync(env.io, env.api->list(events, env.namespace_name,
                                                 {.field_selector = "involvedObject.name=t-events-cm"}));
    std::map<std::string, json> out;
    if (!listed || !listed->ok()) {
      ADD_FAILURE() << "cannot list events";
      return out;
    }
    for (const auto& item : listed->value()["items"]) out[item.value("reason", "")] = item;
    return out;
  }

  bool flush(event_recorder& recorder) { return run_sync(env.io, recorder.flush(10s)).value_or(false); }

  std::shared_ptr<spdlog::logger> log = test_logger("event_recorder_cluster");
  api_env env{"t-events-"};
  object_reference object;
};

TEST_F(event_recorder_cluster, repeats_are_aggregated_into_one_event) {
  event_recorder recorder(env.io.get_executor(), make_client_event_sink(*env.api), env.clock,
                          {.aggregation = {.host = "t-events-host"}}, *log);
  for (int i = 0; i < 3; ++i)
    recorder.record(object, event_type::warning, "Degraded", "2 of 3 replicas ready");
  recorder.record(object, event_type::normal, "Progressing", "step 1 of 4");
  ASSERT_TRUE(flush(recorder));
  EXPECT_EQ(recorder.dropped(), 0u);

  auto found = events_by_reason();
  ASSERT_EQ(found.size(), 2u);
  const json& degraded = found["Degraded"];
  EXPECT_EQ(degraded["count"], 3);
  EXPECT_EQ(degraded["type"], "Warning");
  EXPECT_EQ(degraded["message"], "2 of 3 replicas ready");
  EXPECT_EQ(degraded["source"]["component"], "rolloutd");
  EXPECT_EQ(degraded["source"]["host"], "t-events-host");
  EXPECT_EQ(degraded["involvedObject"]["uid"], object.uid);
  EXPECT_EQ(degraded["involvedObject"]["kind"], "ConfigMap");
  EXPECT_LE(degraded["firstTimestamp"].get<std::string>(), degraded["lastTimestamp"].get<std::string>());
  EXPECT_EQ(degraded["metadata"]["name"].get<std::string>().rfind("t-events-cm.", 0), 0u);
  EXPECT_EQ(found["Progressing"]["count"], 1);
  EXPECT_EQ(found["Progressing"]["type"], "Normal");
}

TEST_F(event_recorder_cluster, aggregated_event_that_vanished_is_recreated_with_its_count) {
  event_recorder recorder(env.io.get_executor(), make_client_event_sink(*env.api), env.clock, {}, *log);
  recorder.record(object, event_type::normal, "Paused", "waiting for promotion");
  recorder.record(object, event_type::normal, "Paused", "waiting for promotion");
  ASSERT_TRUE(flush(recorder));
  auto found = events_by_reason();
  ASSERT_EQ(found["Paused"]["count"], 2);
  std::string name = found["Paused"]["metadata"]["name"];

  // As when the server's event TTL expires it.
  auto removed = run_sync(env.io, env.api->remove(events, env.namespace_name, name));
  ASSERT_TRUE(removed && removed->ok());
  recorder.record(object, event_type::normal, "Paused", "waiting for promotion");
  ASSERT_TRUE(flush(recorder));
  found = events_by_reason();
  EXPECT_EQ(found["Paused"]["count"], 3);
  EXPECT_EQ(found["Paused"]["metadata"]["name"], name);
}

}  // namespace
}  // namespace rolloutd::kube
