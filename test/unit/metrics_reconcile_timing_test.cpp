// The work loop times every reconcile for rolloutd_reconcile_duration_seconds and counts failures
// for rolloutd_reconcile_errors_total. The reconcile advances a manual clock by a known amount, so
// the durations are exact.

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "metrics/registry.hpp"
#include "metrics_text.hpp"
#include "reconcile/work_loop.hpp"

namespace rolloutd {
namespace {

TEST(MetricsReconcileTiming, EveryReconcileIsTimedAndFailuresCounted) {
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  manual_clock clock;
  metrics m(clock);
  kube::workqueue queue(clock);
  auto log = spdlog::logger("test", std::make_shared<spdlog::sinks::null_sink_mt>());

  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  reconcile::reconcile_function fn =
      [&](std::string key) -> boost::asio::awaitable<reconcile::reconcile_outcome> {
    clock.advance(key == "ns/slow" ? std::chrono::milliseconds(700) : std::chrono::milliseconds(20));
    co_return reconcile::reconcile_outcome{.failed = key == "ns/broken", .error = "boom"};
  };
  reconcile::work_loop loop(
      io.get_executor(), queue, fn, log,
      {.clock = &clock, .on_reconciled = [&](rolloutd::clock::duration took, bool failed) {
         m.observe_reconcile(std::chrono::duration<double>(took).count(), failed);
         std::lock_guard lock(mu);
         ++done;
         cv.notify_all();
       }});
  // One worker and FIFO order: the clock advances are not interleaved, and the failed key is last,
  // so its retry (due on the manual clock, which nothing advances any more) never runs.
  loop.start(1);
  for (const char* k : {"ns/slow", "ns/fast", "ns/broken"}) queue.add(k);
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return done >= 3; }));
  }
  loop.stop(std::chrono::seconds(5));
  guard.reset();
  io_thread.join();

  const auto text = testing::parse_exposition(m.render_text());
  EXPECT_EQ(text.value("rolloutd_reconcile_duration_seconds_count"), 3.0);
  EXPECT_DOUBLE_EQ(*text.value("rolloutd_reconcile_duration_seconds_sum"), 0.74);
  EXPECT_EQ(text.value("rolloutd_reconcile_duration_seconds_bucket", {{"le", "0.5"}}), 2.0);
  EXPECT_EQ(text.value("rolloutd_reconcile_errors_total"), 1.0);
}

}  // namespace
}  // namespace rolloutd
