#include "kube/workqueue.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <functional>
#include <future>
#include <thread>
#include <vector>

namespace rolloutd::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using key_future = std::future<std::optional<std::string>>;

// How long a test waits for another thread before calling the code broken. Generous, because it is
// only ever reached when the code under test is wrong.
constexpr auto patience = seconds(20);

// Polls a condition that another thread will make true, failing after `patience`.
bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

bool is_ready(const auto& future) {
  return future.wait_for(seconds(0)) == std::future_status::ready;
}

// Shuts the queue down when a test ends, also when an assertion fails early, so threads blocked
// in get() return and the futures waiting on them can be destroyed. Declare it after the futures.
struct shut_down_on_exit {
  workqueue& queue;
  ~shut_down_on_exit() { queue.shut_down(); }
};

std::unique_ptr<rate_limiter> backoff(clock::duration base) {
  return std::make_unique<exponential_failure_rate_limiter>(base, std::chrono::hours(1));
}

TEST(Workqueue, AddsOfAQueuedKeyAreDeduplicated) {
  manual_clock clock;
  workqueue queue(clock);
  queue.add("ns/a");
  queue.add("ns/b");
  queue.add("ns/a");
  EXPECT_EQ(queue.len(), 2U);
  EXPECT_EQ(queue.get(), "ns/a");
  EXPECT_EQ(queue.get(), "ns/b");
  EXPECT_EQ(queue.len(), 0U);
}

TEST(Workqueue, KeyAddedWhileProcessingIsHeldUntilDoneThenProcessedOnce) {
  manual_clock clock;
  workqueue queue(clock);
  queue.add("ns/a");
  ASSERT_EQ(queue.get(), "ns/a");
  queue.add("ns/a");  // a change arrives while a worker reconciles ns/a
  queue.add("ns/a");
  queue.add("ns/b");
  EXPECT_EQ(queue.len(), 1U) << "ns/a must not be handed to a second worker";
  EXPECT_EQ(queue.get(), "ns/b");
  queue.done("ns/b");
  EXPECT_EQ(queue.len(), 0U);
  queue.done("ns/a");
  EXPECT_EQ(queue.len(), 1U) << "the add seen during processing must not be lost";
  EXPECT_EQ(queue.get(), "ns/a");
  queue.done("ns/a");
  EXPECT_EQ(queue.len(), 0U) << "two adds during processing give one more run, not two";
}

TEST(Workqueue, DoneForAKeyNotBeingProcessedIsIgnored) {
  manual_clock clock;
  workqueue queue(clock);
  queue.add("ns/a");
  queue.done("ns/a");  // queued, not taken
  queue.done("ns/never-seen");
  EXPECT_EQ(queue.len(), 1U);
  EXPECT_EQ(queue.get(), "ns/a");
}

// Workers and producers race on a few keys. Every worker checks that no other worker holds its key,
// and records the highest "add generation" of the key seen when it started processing. A producer
// bumps the generation before each add, so once the queue is drained, every key's last recorded
// generation must equal its final one: an add after the last processing start was never lost.
TEST(Workqueue, ConcurrentWorkersNeverShareAKeyAndNoAddIsLost) {
  constexpr int key_count = 16;
  constexpr int worker_count = 4;
  constexpr int producer_count = 3;
  constexpr int adds_per_producer = 4000;
  system_clock clock;
  workqueue queue(clock);
  std::array<std::string, key_count> names;
  for (int k = 0; k < key_count; ++k) names[k] = "ns/key-" + std::to_string(k);
  auto index_of = [](const std::string& name) { return std::stoi(name.substr(name.rfind('-') + 1)); };

  std::array<std::atomic<int>, key_count> holders{};
  std::array<std::atomic<long>, key_count> generation{};
  std::array<std::atomic<long>, key_count> seen{};
  std::atomic<int> shared_keys{0};
  std::atomic<long> runs{0};

  std::vector<std::thread> workers;
  workers.reserve(worker_count);
  for (int w = 0; w < worker_count; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        const int k = index_of(*key);
        if (holders[k].fetch_add(1) != 0) ++shared_keys;
        const long g = generation[k].load();
        if (g > seen[k].load()) seen[k].store(g);
        std::this_thread::yield();  // widen the window in which another worker could wrongly join
        holders[k].fetch_sub(1);
        ++runs;
        queue.done(*key);
      }
    });
  }
  std::vector<std::thread> producers;
  producers.reserve(producer_count);
  for (int p = 0; p < producer_count; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < adds_per_producer; ++i) {
        const int k = (i * 7 + p * 5) % key_count;
        ++generation[k];
        queue.add(names[k]);
      }
    });
  }
  for (auto& producer : producers) producer.join();
  queue.shut_down_with_drain();
  for (auto& worker : workers) worker.join();

  EXPECT_EQ(shared_keys.load(), 0);
  for (int k = 0; k < key_count; ++k) {
    EXPECT_EQ(seen[k].load(), generation[k].load()) << names[k] << ": an add was never processed";
  }
  EXPECT_LE(runs.load(), long{producer_count} * adds_per_producer);
  EXPECT_EQ(queue.len(), 0U);
}

TEST(Workqueue, AddAfterReleasesKeysInOrderOfDueTime) {
  manual_clock clock;
  workqueue queue(clock);
  queue.add_after("ns/c", seconds(3));
  queue.add_after("ns/a", seconds(1));
  queue.add_after("ns/b", seconds(2));
  queue.add_after("ns/b2", seconds(2));  // due together with ns/b: leaves after it
  EXPECT_EQ(queue.len(), 0U);
  EXPECT_EQ(queue.num_delayed(), 4U);
  clock.advance(milliseconds(999));
  EXPECT_EQ(queue.poll_delayed(), 0U);
  clock.advance(milliseconds(1));
  EXPECT_EQ(queue.poll_delayed(), 1U);
  EXPECT_EQ(queue.get(), "ns/a");
  clock.advance(seconds(5));
  EXPECT_EQ(queue.len(), 3U);
  EXPECT_EQ(queue.get(), "ns/b");
  EXPECT_EQ(queue.get(), "ns/b2");
  EXPECT_EQ(queue.get(), "ns/c");
  EXPECT_EQ(queue.num_delayed(), 0U);
}

TEST(Workqueue, AddAfterForAKeyAlreadyHeldBackKeepsTheEarlierTime) {
  struct row {
    const char* name;
    clock::duration first;
    clock::duration second;
    clock::duration expected_due;
  };
  const row rows[] = {
      {"shorter second delay wins", seconds(10), seconds(1), seconds(1)},
      {"longer second delay ignored", seconds(1), seconds(10), seconds(1)},
      {"equal delays", seconds(4), seconds(4), seconds(4)},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    manual_clock clock;
    workqueue queue(clock);
    queue.add_after("ns/a", r.first);
    queue.add_after("ns/a", r.second);
    EXPECT_EQ(queue.num_delayed(), 1U);
    clock.advance(r.expected_due - milliseconds(1));
    EXPECT_EQ(queue.len(), 0U);
    clock.advance(milliseconds(1));
    EXPECT_EQ(queue.len(), 1U);
    EXPECT_EQ(queue.get(), "ns/a");
    queue.done("ns/a");
    clock.advance(seconds(60));  // the replaced, later time must not bring the key back
    EXPECT_EQ(queue.len(), 0U);
    EXPECT_EQ(queue.num_delayed(), 0U);
  }
}

TEST(Workqueue, AddAfterWithoutPositiveDelayIsAnAdd) {
  manual_clock clock;
  workqueue queue(clock);
  queue.add_after("ns/a", clock::duration::zero());
  queue.add_after("ns/b", -seconds(5));
  EXPECT_EQ(queue.len(), 2U);
  EXPECT_EQ(queue.num_delayed(), 0U);
}

TEST(Workqueue, AbsurdDelayIsNeverDueAndDoesNotOverflow) {
  manual_clock clock;
  workqueue queue(clock);
  queue.add_after("ns/a", clock::duration::max());
  clock.advance(std::chrono::hours(24 * 365 * 100));
  EXPECT_EQ(queue.len(), 0U);
  EXPECT_EQ(queue.num_delayed(), 1U);
}

TEST(Workqueue, DueKeyRespectsDeduplicationAndProcessing) {
  manual_clock clock;
  workqueue queue(clock);
  queue.add("ns/queued");
  queue.add_after("ns/queued", seconds(1));
  queue.add("ns/busy");
  ASSERT_EQ(queue.get(), "ns/queued");  // taken before its held-back copy is due
  queue.add("ns/queued");
  ASSERT_EQ(queue.get(), "ns/busy");
  queue.add_after("ns/busy", seconds(1));
  clock.advance(seconds(1));
  EXPECT_EQ(queue.len(), 0U) << "both keys are being processed; their due copies wait for done";
  queue.done("ns/busy");
  queue.done("ns/queued");
  EXPECT_EQ(queue.len(), 2U) << "each key runs once more, not once per add";
}

TEST(Workqueue, BlockedGetterWakesWhenAHeldBackKeyBecomesDueOnAManualClock) {
  manual_clock clock;
  workqueue queue(clock);
  key_future got;
  shut_down_on_exit guard{queue};
  got = std::async(std::launch::async, [&] { return queue.get(); });
  queue.add_after("ns/a", seconds(5));
  ASSERT_TRUE(eventually([&] { return queue.num_idle_getters() == 1; }));
  clock.advance(seconds(4));
  EXPECT_EQ(queue.poll_delayed(), 0U);
  EXPECT_FALSE(is_ready(got));
  clock.advance(seconds(1));
  EXPECT_EQ(queue.poll_delayed(), 1U);
  ASSERT_EQ(got.wait_for(patience), std::future_status::ready);
  EXPECT_EQ(got.get(), "ns/a");
}

TEST(Workqueue, BlockedGetterWakesWhenAHeldBackKeyBecomesDueOnARealClock) {
  system_clock clock;
  workqueue queue(clock);
  key_future got;
  shut_down_on_exit guard{queue};
  const auto start = std::chrono::steady_clock::now();
  got = std::async(std::launch::async, [&] { return queue.get(); });
  ASSERT_TRUE(eventually([&] { return queue.num_idle_getters() == 1; }));
  queue.add_after("ns/a", milliseconds(30));  // the getter must shorten its wait to this
  ASSERT_EQ(got.wait_for(patience), std::future_status::ready);
  EXPECT_EQ(got.get(), "ns/a");
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(30));
}

TEST(Workqueue, AddRateLimitedBacksOffPerKeyAndForgetResets) {
  manual_clock clock;
  workqueue queue(clock, backoff(seconds(1)));
  for (clock::duration expected : {seconds(1), seconds(2), seconds(4)}) {
    queue.add_rate_limited("ns/a");
    clock.advance(expected - milliseconds(1));
    EXPECT_EQ(queue.len(), 0U) << "too early after " << expected.count() << "ns";
    clock.advance(milliseconds(1));
    ASSERT_EQ(queue.len(), 1U);
    ASSERT_EQ(queue.get(), "ns/a");
    queue.done("ns/a");
  }
  EXPECT_EQ(queue.num_requeues("ns/a"), 3);
  queue.forget("ns/a");
  EXPECT_EQ(queue.num_requeues("ns/a"), 0);
  queue.add_rate_limited("ns/a");
  clock.advance(seconds(1));
  EXPECT_EQ(queue.len(), 1U);
}

TEST(Workqueue, DefaultLimiterIsClientGosControllerLimiter) {
  manual_clock clock;
  workqueue queue(clock);
  queue.add_rate_limited("ns/a");
  clock.advance(milliseconds(4));
  EXPECT_EQ(queue.len(), 0U);
  clock.advance(milliseconds(1));
  EXPECT_EQ(queue.len(), 1U);
  EXPECT_EQ(queue.num_requeues("ns/a"), 1);
}

TEST(Workqueue, ShutDownWakesEveryBlockedGetter) {
  manual_clock clock;
  workqueue queue(clock);
  std::vector<key_future> getters;
  getters.reserve(3);
  shut_down_on_exit guard{queue};
  for (int i = 0; i < 3; ++i) getters.push_back(std::async(std::launch::async, [&] { return queue.get(); }));
  ASSERT_TRUE(eventually([&] { return queue.num_idle_getters() == 3; }));
  queue.shut_down();
  for (auto& getter : getters) {
    ASSERT_EQ(getter.wait_for(patience), std::future_status::ready);
    EXPECT_EQ(getter.get(), std::nullopt);
  }
}

TEST(Workqueue, AfterShutDownQueuedKeysAreHandedOutAndNewOnesRefused) {
  manual_clock clock;
  workqueue queue(clock);
  queue.add("ns/a");
  queue.add_after("ns/held", seconds(1));
  queue.shut_down();
  queue.add("ns/late");
  queue.add_after("ns/later", seconds(1));
  clock.advance(seconds(1));
  EXPECT_TRUE(queue.shutting_down());
  EXPECT_EQ(queue.get(), "ns/a");
  EXPECT_EQ(queue.get(), std::nullopt);
  EXPECT_EQ(queue.num_delayed(), 0U);
}

TEST(Workqueue, ShutDownWithDrainWaitsForTheKeyInFlight) {
  manual_clock clock;
  workqueue queue(clock);
  std::promise<void> release;
  std::future<void> released = release.get_future();
  std::future<void> drained;
  std::atomic<bool> done_called{false};
  std::thread worker([&] {
    while (auto key = queue.get()) {
      released.wait();
      done_called = true;
      queue.done(*key);
    }
  });
  queue.add("ns/a");
  ASSERT_TRUE(eventually([&] { return queue.len() == 0U; }));  // the worker has taken ns/a
  EXPECT_FALSE(queue.shut_down_with_drain_for(milliseconds(0))) << "ns/a is still in flight";
  drained = std::async(std::launch::async, [&] { queue.shut_down_with_drain(); });
  EXPECT_FALSE(is_ready(drained));
  release.set_value();
  ASSERT_EQ(drained.wait_for(patience), std::future_status::ready);
  EXPECT_TRUE(done_called.load()) << "drain returned before the in-flight key was done";
  worker.join();  // its next get() says the queue is shut down
}

TEST(Workqueue, DrainAlsoWaitsForKeysQueuedButNotYetTaken) {
  manual_clock clock;
  workqueue queue(clock);
  queue.add("ns/a");
  EXPECT_FALSE(queue.shut_down_with_drain_for(milliseconds(0)));
  ASSERT_EQ(queue.get(), "ns/a");
  queue.done("ns/a");
  EXPECT_TRUE(queue.shut_down_with_drain_for(milliseconds(0)));
}

// Records every observer call, to check the metrics hooks see what a dashboard should show.
struct recording_observer final : workqueue_observer {
  std::vector<std::size_t> depths;
  int adds = 0;
  int retries = 0;
  std::vector<clock::duration> latencies;
  std::vector<clock::duration> work;
  void on_depth(std::size_t depth) override { depths.push_back(depth); }
  void on_add() override { ++adds; }
  void on_queue_latency(clock::duration waited) override { latencies.push_back(waited); }
  void on_work_duration(clock::duration worked) override { work.push_back(worked); }
  void on_retry() override { ++retries; }
};

TEST(Workqueue, ObserverSeesDepthAddsLatencyWorkAndRetries) {
  manual_clock clock;
  recording_observer seen;
  workqueue queue(clock, backoff(seconds(1)), &seen);
  queue.add("ns/a");
  queue.add("ns/a");  // de-duplicated: not an add
  queue.add("ns/b");
  EXPECT_EQ(seen.adds, 2);
  EXPECT_EQ(seen.depths, (std::vector<std::size_t>{1, 2}));
  clock.advance(seconds(3));
  ASSERT_EQ(queue.get(), "ns/a");
  EXPECT_EQ(seen.latencies, (std::vector<clock::duration>{seconds(3)}));
  EXPECT_EQ(seen.depths.back(), 1U);
  clock.advance(seconds(2));
  queue.done("ns/a");
  EXPECT_EQ(seen.work, (std::vector<clock::duration>{seconds(2)}));

  queue.add_rate_limited("ns/a");  // reconcile failed: retry in 1 s
  EXPECT_EQ(seen.retries, 1);
  EXPECT_EQ(seen.adds, 2) << "a held-back key is counted when it enters the queue";
  clock.advance(milliseconds(1500));
  EXPECT_EQ(queue.poll_delayed(), 1U);
  EXPECT_EQ(seen.adds, 3);
  EXPECT_EQ(queue.get(), "ns/b");
  EXPECT_EQ(queue.get(), "ns/a");
  // ns/b waited 3 + 2 + 1.5 s; ns/a counts from when it became due, not from add_rate_limited.
  EXPECT_EQ(seen.latencies,
            (std::vector<clock::duration>{seconds(3), milliseconds(6500), milliseconds(500)}));
  EXPECT_EQ(seen.depths.back(), 0U);
}

}  // namespace
}  // namespace rolloutd::kube
