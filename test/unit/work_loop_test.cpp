#include "reconcile/work_loop.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <map>
#include <mutex>

namespace rolloutd::reconcile {
namespace {

TEST(Keys, SplitAndJoin) {
  EXPECT_EQ(object_key("prod", "hello"), "prod/hello");
  EXPECT_EQ(object_key("", "cluster-scoped"), "cluster-scoped");
  auto k = parse_key("prod/hello");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->namespace_name, "prod");
  EXPECT_EQ(k->name, "hello");
  for (const char* bad : {"", "/x", "x/", "a/b/c"}) EXPECT_FALSE(parse_key(bad)) << bad;
}

// Failed reconciles are retried through the rate limiter until they succeed; a success asking to
// be requeued comes back after the delay.
TEST(WorkLoop, RetriesFailuresAndHonoursRequeueAfter) {
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  system_clock clock;
  kube::workqueue queue(clock);
  auto log = spdlog::logger("test", std::make_shared<spdlog::sinks::null_sink_mt>());

  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, int> calls;
  reconcile_function fn = [&](std::string key) -> boost::asio::awaitable<reconcile_outcome> {
    int n;
    {
      std::lock_guard lock(mu);
      n = ++calls[key];
    }
    cv.notify_all();
    if (key == "ns/flaky" && n < 3) co_return reconcile_outcome{.failed = true, .error = "boom"};
    if (key == "ns/timed" && n == 1) {
      co_return reconcile_outcome{.requeue_after = std::chrono::milliseconds(20)};
    }
    if (key == "ns/throws") throw std::runtime_error("bug");
    co_return reconcile_outcome{};
  };
  work_loop loop(io.get_executor(), queue, fn, log);
  loop.start(2);
  for (const char* k : {"ns/flaky", "ns/timed", "ns/ok", "ns/throws"}) queue.add(k);

  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20),
                            [&] {
                              return calls["ns/flaky"] >= 3 && calls["ns/timed"] >= 2 &&
                                     calls["ns/ok"] >= 1 && calls["ns/throws"] >= 2;
                            }))
        << "flaky=" << calls["ns/flaky"] << " timed=" << calls["ns/timed"]
        << " throws=" << calls["ns/throws"];
  }
  loop.stop(std::chrono::seconds(5));
  EXPECT_EQ(calls["ns/flaky"], 3) << "retried until it succeeded, then forgotten";
  EXPECT_EQ(calls["ns/ok"], 1);
  EXPECT_EQ(calls["ns/timed"], 2);
  guard.reset();
  io.stop();
  io_thread.join();
}

}  // namespace
}  // namespace rolloutd::reconcile
