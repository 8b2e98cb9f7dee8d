// The informer's coroutine shell driven by a scripted list_watch_source: no sockets, real asio
// timers with millisecond backoffs, and every wait bounded by a deadline on a condition.

#include "kube/informer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

namespace rolloutd::kube {
namespace {

namespace asio = boost::asio;
using json = nlohmann::json;
using strings = std::vector<std::string>;

json object(std::string_view name, std::string_view rv) {
  return {{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}}};
}

json page(std::string_view rv, std::string_view continue_token,
          const std::vector<std::pair<std::string, std::string>>& items) {
  json list{{"kind", "PodList"},
            {"apiVersion", "v1"},
            {"metadata", {{"resourceVersion", rv}}},
            {"items", json::array()}};
  if (!continue_token.empty()) list["metadata"]["continue"] = continue_token;
  for (const auto& [name, item_rv] : items) list["items"].push_back(object(name, item_rv));
  return list;
}

std::string line(std::string_view type, std::string_view name, std::string_view rv) {
  return json{{"type", type}, {"object", object(name, rv)}}.dump() + "\n";
}

std::string gone_line() {
  return json{{"type", "ERROR"}, {"object", {{"kind", "Status"}, {"code", 410}, {"reason", "Expired"}}}}
             .dump() +
         "\n";
}

struct watch_script {
  std::vector<std::string> chunks;
  status end = status(void_value{});
};

// Answers lists and watches from queues; when a queue is empty the call blocks until cancelled,
// as a quiet server would.
class fake_source final : public list_watch_source {
 public:
  std::deque<result<json>> lists;
  std::deque<watch_script> watches;
  std::vector<list_options> list_calls;
  std::vector<list_options> watch_calls;
  int cancelled = 0;

  asio::awaitable<result<json>> list(const list_options& options) override {
    list_calls.push_back(options);
    if (lists.empty()) {
      co_await block();
      co_return api_error{0, "Cancelled", ""};
    }
    auto answer = std::move(lists.front());
    lists.pop_front();
    co_return answer;
  }

  asio::awaitable<status> watch(const list_options& options,
                                std::function<bool(std::string_view)> on_chunk) override {
    watch_calls.push_back(options);
    if (watches.empty()) {
      co_await block();
      co_return api_error{0, "Cancelled", ""};
    }
    auto script = std::move(watches.front());
    watches.pop_front();
    for (const auto& chunk : script.chunks) {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);  // arrive separately
      if (!on_chunk(chunk)) co_return status(void_value{});
    }
    co_return script.end;
  }

 private:
  asio::awaitable<void> block() {
    asio::steady_timer forever(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    co_await forever.async_wait(asio::as_tuple(asio::use_awaitable));
    ++cancelled;
  }
};

informer_options test_options() {
  informer_options options;
  options.name = "pods";
  options.list_watch.page_size = 2;
  options.list_watch.backoff = {std::chrono::milliseconds(1), std::chrono::milliseconds(4), 2.0, 0.0};
  return options;
}

struct harness {
  asio::io_context io;
  fake_source* source;
  informer subject;
  strings log;
  bool done = false;
  std::exception_ptr failure;

  explicit harness(informer_options options = test_options())
      : source(new fake_source),
        subject(io.get_executor(), std::unique_ptr<list_watch_source>(source), std::move(options),
                [] { return 0.0; }) {
    auto rv = [](const object_ptr& o) { return (*o)["metadata"]["resourceVersion"].get<std::string>(); };
    auto name = [](const object_ptr& o) { return (*o)["metadata"]["name"].get<std::string>(); };
    EXPECT_TRUE(subject.add_handlers({
        [=, this](const object_ptr& o) { log.push_back("add " + name(o) + "@" + rv(o)); },
        [=, this](const object_ptr&, const object_ptr& o) {
          log.push_back("update " + name(o) + "@" + rv(o));
        },
        [=, this](const object_ptr& o) { log.push_back("delete " + name(o) + "@" + rv(o)); },
    }));
  }

  ~harness() {
    if (done) return;
    // A test that failed half-way: end run() before the informer it uses goes away.
    subject.stop();
    run_until([&] { return done; }, std::chrono::seconds(5));
  }
  harness(const harness&) = delete;
  harness& operator=(const harness&) = delete;

  void start() {
    asio::co_spawn(io, subject.run(), [this](std::exception_ptr e) {
      done = true;
      failure = e;
    });
  }

  // Runs the event loop until `condition` holds; false if it did not within the deadline.
  bool run_until(const std::function<bool()>& condition,
                 std::chrono::seconds limit = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (io.stopped()) io.restart();
      io.run_one_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  void stop_and_finish() {
    subject.stop();
    ASSERT_TRUE(run_until([&] { return done; })) << "run() did not end after stop()";
    EXPECT_FALSE(failure);
  }

  strings cached() const {
    strings out;
    for (const auto& o : subject.cache().list()) {
      out.push_back((*o)["metadata"]["name"].get<std::string>() + "@" +
                    (*o)["metadata"]["resourceVersion"].get<std::string>());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST(Informer, ListsPagesThenAppliesWatchEventsAndResumesAfterACleanEnd) {
  harness h;
  h.source->lists = {page("9", "c1", {{"a", "1"}, {"b", "2"}}), page("10", "", {{"c", "3"}})};
  std::string events = line("ADDED", "d", "11") + line("MODIFIED", "a", "12") + line("DELETED", "b", "13") +
                       R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"14"}}})"
                       "\n";
  // The events arrive cut at awkward places.
  h.source->watches = {{{events.substr(0, 7), events.substr(7, 100), events.substr(107)}}};
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.source->watch_calls.size() == 2; }));

  EXPECT_TRUE(h.subject.has_synced());
  ASSERT_EQ(h.source->list_calls.size(), 2u);
  EXPECT_EQ(h.source->list_calls[0].limit, 2);
  EXPECT_EQ(h.source->list_calls[1].continue_token, "c1");
  EXPECT_EQ(h.source->watch_calls[0].resource_version, "10");
  EXPECT_TRUE(h.source->watch_calls[0].allow_watch_bookmarks);
  EXPECT_EQ(h.source->watch_calls[1].resource_version, "14");  // from the bookmark; no re-list
  EXPECT_EQ(h.cached(), (strings{"a@12", "c@3", "d@11"}));
  EXPECT_EQ(h.log, (strings{"add a@1", "add b@2", "add c@3", "add d@11", "update a@12", "delete b@13"}));
  EXPECT_EQ(h.subject.relists(), 0u);
  EXPECT_EQ(h.subject.watch_restarts(), 1u);
  EXPECT_EQ((*h.subject.cache().get("ns", "c"))["kind"], "Pod");
  h.stop_and_finish();
  EXPECT_EQ(h.source->cancelled, 1);  // stop() cancelled the watch that was waiting for data
}

TEST(Informer, NotSyncedUntilTheLastPage) {
  harness h;
  h.source->lists = {page("9", "c1", {{"a", "1"}})};  // the second page never comes
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.source->list_calls.size() == 2; }));
  EXPECT_FALSE(h.subject.has_synced());
  EXPECT_EQ(h.subject.cache().size(), 0u);
  h.stop_and_finish();
  EXPECT_EQ(h.source->cancelled, 1);
}

TEST(Informer, GoneReListsAndDeliversWhatChangedWhileAway) {
  harness h;
  h.source->lists = {page("10", "", {{"a", "1"}, {"b", "2"}}),
                     page("20", "", {{"a", "15"}, {"c", "16"}})};  // b vanished meanwhile
  // Lines after the 410 in the same chunk must not be applied.
  h.source->watches = {{{gone_line() + line("ADDED", "z", "99")}}};
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.source->watch_calls.size() == 2; }));
  EXPECT_EQ(h.source->watch_calls[1].resource_version, "20");
  EXPECT_EQ(h.cached(), (strings{"a@15", "c@16"}));
  auto log = h.log;
  std::sort(log.begin() + 2, log.end());
  EXPECT_EQ(log, (strings{"add a@1", "add b@2", "add c@16", "delete b@2", "update a@15"}));
  EXPECT_EQ(h.subject.relists(), 1u);
  EXPECT_EQ(h.source->list_calls.size(), 2u);
  h.stop_and_finish();
}

TEST(Informer, FailuresResumeFromTheLastAppliedVersion) {
  harness h;
  h.source->lists = {page("10", "", {})};
  h.source->watches = {
      {{line("ADDED", "d", "11")}, status(api_error{0, "ConnectionReset", "peer reset"})},
      {{}, status(void_value{})},  // ended before sending anything
      {{"{not json\n" + line("ADDED", "e", "12")}},
      {{line("ADDED", "f", "13") + R"({"type":"ADDED","obj)"}},  // the body is cut mid-line
  };
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.source->watch_calls.size() == 5; }));
  strings versions;
  for (const auto& call : h.source->watch_calls) versions.push_back(call.resource_version);
  EXPECT_EQ(versions, (strings{"10", "11", "11", "11", "13"}));
  EXPECT_EQ(h.cached(), (strings{"d@11", "f@13"}));  // e followed a broken line and was not applied
  EXPECT_EQ(h.subject.watch_restarts(), 4u);
  EXPECT_EQ(h.subject.relists(), 0u);
  h.stop_and_finish();
}

TEST(Informer, ListFailuresAreRetried) {
  harness h;
  h.source->lists = {api_error{503, "ServiceUnavailable", "etcd leader changed"},
                     page("5", "", {{"a", "1"}})};
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.subject.has_synced() && h.source->watch_calls.size() == 1; }));
  EXPECT_EQ(h.source->list_calls.size(), 2u);
  EXPECT_EQ(h.cached(), (strings{"a@1"}));
  h.stop_and_finish();
}

TEST(Informer, StopInterruptsABackoffWait) {
  auto options = test_options();
  options.list_watch.backoff.initial = std::chrono::hours(1);
  options.list_watch.backoff.max = std::chrono::hours(1);
  harness h(options);
  h.source->lists = {api_error{0, "ConnectionRefused", ""}};
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.source->lists.empty(); }));
  // Give the informer the chance to reach its hour-long wait, then stop it.
  ASSERT_TRUE(h.run_until([&] { return h.io.poll() == 0; }));
  EXPECT_FALSE(h.done);
  h.stop_and_finish();
  EXPECT_EQ(h.source->list_calls.size(), 1u);
}

TEST(Informer, HandlersCannotBeAddedOnceRunning) {
  harness h;
  h.source->lists = {page("5", "", {{"a", "1"}})};
  h.start();
  ASSERT_TRUE(h.run_until([&] { return h.subject.has_synced(); }));
  EXPECT_FALSE(h.subject.add_handlers({}));
  h.stop_and_finish();
}

}  // namespace
}  // namespace rolloutd::kube
