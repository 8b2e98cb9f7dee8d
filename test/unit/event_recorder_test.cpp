// Event aggregation (event_aggregator, pure, with manual_clock) and the recorder's sending shell
// against an in-memory sink.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "kube/event_aggregator.hpp"
#include "kube/event_recorder.hpp"
#include "kube/wire_time.hpp"

namespace rolloutd::kube {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using json = nlohmann::json;

const object_reference policy{.api_version = "rolloutd.io/v1alpha1",
                              .kind = "RolloutPolicy",
                              .namespace_name = "shop",
                              .name = "web",
                              .uid = "7c1e",
                              .resource_version = "41"};

event_aggregator_options small(std::size_t entries = 4096) {
  return {.component = "rolloutd", .host = "node-1", .max_entries = entries, .window = 600s};
}

TEST(event_aggregator, first_occurrence_creates_an_event_of_the_api_shape) {
  manual_clock clock;
  event_aggregator agg(small());
  auto w = agg.observe(policy, event_type::normal, "ScalingUp", "scaled canary to 2", clock.now(),
                       clock.wall_now());
  ASSERT_EQ(w.kind, event_write_kind::create);
  EXPECT_EQ(w.namespace_name, "shop");
  EXPECT_TRUE(w.patch.is_null());
  // Wall time of manual_clock at start: 2026-01-01T01:00:00Z.
  const json want = json::parse(R"({
    "apiVersion": "v1", "kind": "Event",
    "metadata": {"name": ")" + w.name +
                                R"(", "namespace": "shop"},
    "involvedObject": {"apiVersion": "rolloutd.io/v1alpha1", "kind": "RolloutPolicy", "namespace": "shop",
                       "name": "web", "uid": "7c1e", "resourceVersion": "41"},
    "type": "Normal", "reason": "ScalingUp", "message": "scaled canary to 2",
    "source": {"component": "rolloutd", "host": "node-1"},
    "firstTimestamp": "2026-01-01T01:00:00Z", "lastTimestamp": "2026-01-01T01:00:00Z", "count": 1,
    "reportingComponent": "rolloutd", "reportingInstance": "node-1"})");
  EXPECT_EQ(w.event, want) << w.event.dump(2);
}

TEST(event_aggregator, name_is_object_name_dot_unique_hex_suffix) {
  manual_clock clock;
  event_aggregator agg(small());
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {  // the clock stands still: suffixes must still differ
    names.push_back(
        agg.observe(policy, event_type::normal, "R", std::to_string(i), clock.now(), clock.wall_now()).name);
  }
  for (const auto& n : names) {
    ASSERT_EQ(n.rfind("web.", 0), 0u) << n;
    EXPECT_EQ(n.find_first_not_of("0123456789abcdef", 4), std::string::npos) << n;
  }
  EXPECT_NE(names[0], names[1]);
  EXPECT_NE(names[1], names[2]);
  EXPECT_NE(names[0], names[2]);
}

TEST(event_aggregator, long_object_names_are_cut_to_a_valid_event_name) {
  manual_clock clock;
  event_aggregator agg(small());
  object_reference o = policy;
  // 253 less ".<16 hex digits>" leaves 236 characters: the cut falls just after the '-'.
  o.name = std::string(235, 'a') + "-" + std::string(30, 'b');
  auto name = agg.observe(o, event_type::normal, "R", "m", clock.now(), clock.wall_now()).name;
  EXPECT_LE(name.size(), 253u);
  auto dot = name.rfind('.');
  ASSERT_EQ(name.size() - dot, 17u) << name;
  EXPECT_EQ(name.substr(0, dot), std::string(235, 'a'));
}

TEST(event_aggregator, repeat_within_window_patches_count_and_last_timestamp) {
  manual_clock clock;
  event_aggregator agg(small());
  auto first =
      agg.observe(policy, event_type::warning, "Degraded", "2 pods not ready", clock.now(), clock.wall_now());
  clock.advance(30s);
  object_reference newer = policy;
  newer.resource_version = "42";  // the object changed meanwhile: still the same event
  auto second =
      agg.observe(newer, event_type::warning, "Degraded", "2 pods not ready", clock.now(), clock.wall_now());
  ASSERT_EQ(second.kind, event_write_kind::patch);
  EXPECT_EQ(second.name, first.name);
  EXPECT_EQ(second.namespace_name, "shop");
  EXPECT_EQ(second.patch, json::parse(R"({"count": 2, "lastTimestamp": "2026-01-01T01:00:30Z"})"));
  // The whole Event, for when the patch finds it gone.
  EXPECT_EQ(second.event["count"], 2);
  EXPECT_EQ(second.event["firstTimestamp"], "2026-01-01T01:00:00Z");
  EXPECT_EQ(second.event["lastTimestamp"], "2026-01-01T01:00:30Z");
  EXPECT_EQ(second.event["metadata"]["name"], first.name);
  clock.advance(1s);
  auto third =
      agg.observe(policy, event_type::warning, "Degraded", "2 pods not ready", clock.now(), clock.wall_now());
  EXPECT_EQ(third.patch["count"], 3);
  EXPECT_EQ(agg.size(), 1u);
}

TEST(event_aggregator, any_difference_is_a_separate_event) {
  manual_clock clock;
  event_aggregator agg(small());
  auto base = agg.observe(policy, event_type::normal, "R", "m", clock.now(), clock.wall_now());
  object_reference other_uid = policy;
  other_uid.uid = "9999";  // same name, recreated object
  object_reference other_path = policy;
  other_path.field_path = "spec.canary";
  struct variant {
    const char* what;
    object_reference object;
    event_type type;
    const char* reason;
    const char* message;
  };
  for (const auto& v : std::vector<variant>{{"type", policy, event_type::warning, "R", "m"},
                                            {"reason", policy, event_type::normal, "R2", "m"},
                                            {"message", policy, event_type::normal, "R", "m2"},
                                            {"uid", other_uid, event_type::normal, "R", "m"},
                                            {"field path", other_path, event_type::normal, "R", "m"}}) {
    auto w = agg.observe(v.object, v.type, v.reason, v.message, clock.now(), clock.wall_now());
    EXPECT_EQ(w.kind, event_write_kind::create) << v.what;
    EXPECT_NE(w.name, base.name) << v.what;
  }
}

TEST(event_aggregator, repeat_after_the_window_creates_a_new_event) {
  manual_clock clock;
  event_aggregator agg(small());
  auto first = agg.observe(policy, event_type::normal, "R", "m", clock.now(), clock.wall_now());
  clock.advance(600s);  // exactly the window: still the same Event
  EXPECT_EQ(agg.observe(policy, event_type::normal, "R", "m", clock.now(), clock.wall_now()).kind,
            event_write_kind::patch);
  clock.advance(601s);  // the window counts from the last repeat
  auto fresh = agg.observe(policy, event_type::normal, "R", "m", clock.now(), clock.wall_now());
  ASSERT_EQ(fresh.kind, event_write_kind::create);
  EXPECT_NE(fresh.name, first.name);
  EXPECT_EQ(fresh.event["count"], 1);
  EXPECT_EQ(fresh.event["firstTimestamp"], format_time(clock.wall_now()));
  EXPECT_EQ(agg.size(), 1u);
}

TEST(event_aggregator, lru_is_bounded_and_evicts_the_least_recently_seen) {
  manual_clock clock;
  event_aggregator agg(small(2));
  auto observe = [&](const char* msg) {
    return agg.observe(policy, event_type::normal, "R", msg, clock.now(), clock.wall_now()).kind;
  };
  EXPECT_EQ(observe("a"), event_write_kind::create);
  EXPECT_EQ(observe("b"), event_write_kind::create);
  EXPECT_EQ(observe("a"), event_write_kind::patch);   // a is now the most recent
  EXPECT_EQ(observe("c"), event_write_kind::create);  // evicts b, not a
  EXPECT_EQ(agg.size(), 2u);
  EXPECT_EQ(observe("a"), event_write_kind::patch);
  EXPECT_EQ(observe("b"), event_write_kind::create);  // forgotten: a new Event
  for (int i = 0; i < 1000; ++i) observe(std::to_string(i).c_str());
  EXPECT_EQ(agg.size(), 2u);
}

TEST(event_aggregator, cluster_scoped_objects_get_events_in_default) {
  manual_clock clock;
  event_aggregator agg(small());
  object_reference node{.api_version = "v1", .kind = "Node", .name = "n1", .uid = "u"};
  auto w = agg.observe(node, event_type::normal, "R", "m", clock.now(), clock.wall_now());
  EXPECT_EQ(w.namespace_name, "default");
  EXPECT_EQ(w.event["metadata"]["namespace"], "default");
  EXPECT_FALSE(w.event["involvedObject"].contains("namespace"));
}

TEST(event_aggregator, long_messages_are_capped_on_a_character_boundary) {
  manual_clock clock;
  event_aggregator_options options = small();
  options.max_message_bytes = 5;
  event_aggregator agg(options);
  // "abcd" then U+00E9 (2 bytes): the cut at 5 bytes would split it.
  auto w = agg.observe(policy, event_type::normal, "R", "abcd\xC3\xA9xyz", clock.now(), clock.wall_now());
  EXPECT_EQ(w.event["message"], "abcd");
  // Messages equal up to the cap are one event.
  EXPECT_EQ(
      agg.observe(policy, event_type::normal, "R", "abcd\xC3\xA9qqq", clock.now(), clock.wall_now()).kind,
      event_write_kind::patch);
}

// The sink's side: records every call; answers come from `respond` (default: success).
class fake_sink final : public event_sink {
 public:
  struct call {
    std::string verb;  // "create" or "patch"
    std::string namespace_name;
    std::string name;
    json body;
  };
  std::vector<call> calls;
  std::function<result<json>(const call&)> respond = [](const call& c) -> result<json> { return c.body; };

  asio::awaitable<result<json>> create(std::string namespace_name, json event) override {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    std::string name = event["metadata"]["name"];
    co_return answer({"create", std::move(namespace_name), std::move(name), std::move(event)});
  }
  asio::awaitable<result<json>> patch(std::string namespace_name, std::string name,
                                      json merge_patch) override {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    co_return answer({"patch", std::move(namespace_name), std::move(name), std::move(merge_patch)});
  }

 private:
  result<json> answer(call c) {
    calls.push_back(std::move(c));
    return respond(calls.back());
  }
};

class event_recorder_test : public testing::Test {
 protected:
  event_recorder make(event_recorder_options options = {}) {
    options.aggregation.host = "node-1";
    return event_recorder(io.get_executor(), sink, clock, options, log);
  }

  // Runs flush() to completion on the io_context.
  bool flush(event_recorder& recorder) {
    std::optional<bool> flushed;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { flushed = co_await recorder.flush(5s); },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    io.run_for(6s);
    io.restart();
    return flushed.value_or(false);
  }

  asio::io_context io;
  manual_clock clock;
  std::shared_ptr<fake_sink> sink = std::make_shared<fake_sink>();
  std::ostringstream logged;
  spdlog::logger log{"event_recorder_test", std::make_shared<spdlog::sinks::ostream_sink_st>(logged)};
};

TEST_F(event_recorder_test, record_never_waits_for_the_network) {
  auto recorder = make();
  recorder.record(policy, event_type::normal, "R", "m");
  recorder.record(policy, event_type::normal, "R", "m");
  EXPECT_TRUE(sink->calls.empty());  // nothing has run on the executor yet
  ASSERT_TRUE(flush(recorder));
  ASSERT_EQ(sink->calls.size(), 2u);
  EXPECT_EQ(sink->calls[0].verb, "create");
  EXPECT_EQ(sink->calls[0].body["count"], 1);
  EXPECT_EQ(sink->calls[1].verb, "patch");
  EXPECT_EQ(sink->calls[1].name, sink->calls[0].name);
  EXPECT_EQ(sink->calls[1].body, json::parse(R"({"count": 2, "lastTimestamp": "2026-01-01T01:00:00Z"})"));
}

TEST_F(event_recorder_test, failed_writes_are_logged_not_thrown) {
  sink->respond = [](const fake_sink::call&) -> result<json> {
    return api_error{403, "Forbidden", "events is forbidden"};
  };
  auto recorder = make();
  recorder.record(policy, event_type::warning, "Blocked", "cannot scale");
  ASSERT_TRUE(flush(recorder));
  EXPECT_EQ(sink->calls.size(), 1u);
  EXPECT_NE(logged.str().find("events is forbidden"), std::string::npos) << logged.str();
  EXPECT_NE(logged.str().find("Blocked"), std::string::npos) << logged.str();
}

TEST_F(event_recorder_test, patch_of_a_vanished_event_creates_it_whole) {
  sink->respond = [](const fake_sink::call& c) -> result<json> {
    if (c.verb == "patch") return api_error{404, "NotFound", "events not found"};
    return c.body;
  };
  auto recorder = make();
  recorder.record(policy, event_type::normal, "R", "m");
  recorder.record(policy, event_type::normal, "R", "m");
  ASSERT_TRUE(flush(recorder));
  ASSERT_EQ(sink->calls.size(), 3u);
  EXPECT_EQ(sink->calls[1].verb, "patch");
  EXPECT_EQ(sink->calls[2].verb, "create");
  EXPECT_EQ(sink->calls[2].name, sink->calls[0].name);
  EXPECT_EQ(sink->calls[2].body["count"], 2);
  EXPECT_TRUE(logged.str().empty()) << logged.str();
}

TEST_F(event_recorder_test, a_full_queue_drops_and_reports_instead_of_growing) {
  auto recorder = make({.max_pending = 2});
  for (int i = 0; i < 5; ++i) recorder.record(policy, event_type::normal, "R", std::to_string(i));
  EXPECT_EQ(recorder.dropped(), 3u);
  ASSERT_TRUE(flush(recorder));
  EXPECT_EQ(sink->calls.size(), 2u);
  EXPECT_NE(logged.str().find("dropped 3 events"), std::string::npos) << logged.str();
}

TEST_F(event_recorder_test, records_from_many_threads_aggregate_into_one_count) {
  auto recorder = make();
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 100; ++i) recorder.record(policy, event_type::normal, "Progressing", "step 1 of 4");
    });
  }
  std::thread runner([&] {
    auto guard = asio::make_work_guard(io);
    go = true;
    for (auto& th : threads) th.join();
    guard.reset();
  });
  io.run();
  runner.join();
  io.restart();
  ASSERT_TRUE(flush(recorder));
  ASSERT_EQ(sink->calls.size(), 400u);
  EXPECT_EQ(sink->calls.front().verb, "create");
  // Sent in order: each patch's count is one more than the one before.
  for (std::size_t i = 1; i < sink->calls.size(); ++i) {
    ASSERT_EQ(sink->calls[i].verb, "patch") << i;
    ASSERT_EQ(sink->calls[i].body["count"], static_cast<int>(i + 1)) << i;
  }
}

}  // namespace
}  // namespace rolloutd::kube
