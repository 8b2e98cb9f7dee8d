#pragma once

// The controller's workqueue. Event handlers add keys ("namespace/name"); reconcile worker threads
// take them with get() and hand them back with done(). It keeps client-go's guarantees:
//   - a key added several times before a worker takes it is processed once (de-duplication);
//   - a key is never handed to two workers at once;
//   - a key added while a worker has it is queued again when that worker calls done(), so the
//     change behind the add is never lost;
//   - add_after() holds a key back until a time, and when the key is already held back the earlier
//     time wins; add_rate_limited() holds it back for as long as the rate limiter says;
//   - shut_down() stops accepting keys; workers still get the keys already queued, then nullopt.
//
// Delayed keys need no timer thread. The calls that add or take keys, len() and num_delayed() first
// move the held-back keys whose time has come (by the injected clock) into the queue, and a getter
// with nothing to do but held-back keys pending waits on its condition variable only until the
// earliest is due. That
// wait is in real time: with system_clock it ends just when the key is due; with manual_clock time
// moves only when a test says so, so the test calls poll_delayed() after advance() to release the
// keys that became due and wake the blocked getters.
//
// Threading: every member function is thread-safe. The clock and the observer are called with the
// queue's lock held (the rate limiter is not), so observers must be quick and must not call back
// into the queue. Shut the queue down and join the workers before destroying it.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "kube/clock.hpp"
#include "kube/rate_limiter.hpp"

namespace rolloutd::kube {

// Hooks for the workqueue metrics (depth, adds, latency, work duration, retries). The defaults do
// nothing, so an observer overrides only what it reports.
class workqueue_observer {
 public:
  virtual ~workqueue_observer() = default;
  // Keys ready to be taken (not those held back, nor those being processed).
  virtual void on_depth(std::size_t /*depth*/) {}
  // A key entered the queue; adds of a key already queued are de-duplicated and not counted.
  virtual void on_add() {}
  // From the add (or, for a held-back key, the time it became due) to the get that took it.
  virtual void on_queue_latency(clock::duration /*waited*/) {}
  // From get to done.
  virtual void on_work_duration(clock::duration /*worked*/) {}
  // add_rate_limited was called: a reconcile failed and its key is being retried.
  virtual void on_retry() {}
};

class workqueue {
 public:
  // limiter null means default_controller_rate_limiter(clock); observer null means none. The clock
  // and the observer must outlive the queue.
  explicit workqueue(const clock& clock, std::unique_ptr<rate_limiter> limiter = nullptr,
                     workqueue_observer* observer = nullptr);
  workqueue(const workqueue&) = delete;
  workqueue& operator=(const workqueue&) = delete;
  ~workqueue();

  void add(const std::string& key);
  // A delay of zero or less is an add().
  void add_after(const std::string& key, clock::duration delay);
  // Holds key back for as long as the rate limiter says (per-key backoff, overall limit).
  void add_rate_limited(const std::string& key);
  // The key was reconciled successfully: its backoff starts again from the base delay.
  void forget(const std::string& key);
  [[nodiscard]] int num_requeues(const std::string& key) const;

  // Blocks until a key is ready, and hands it to the caller, which owns it until done(key).
  // nullopt once the queue is shut down and holds no ready key: the worker should exit.
  [[nodiscard]] std::optional<std::string> get();
  // The caller has finished with key (taken by get). A key not being processed is ignored.
  void done(const std::string& key);

  // Keys ready to be taken.
  [[nodiscard]] std::size_t len();
  // Keys held back by add_after or add_rate_limited.
  [[nodiscard]] std::size_t num_delayed();
  // Threads blocked in get(): lets tests (and a busy-workers gauge) know the workers are idle.
  [[nodiscard]] std::size_t num_idle_getters() const;
  // Moves the held-back keys that are due into the queue and wakes getters for them; returns how
  // many moved. Only needed when the clock jumps (manual_clock in tests); see the top of the file.
  std::size_t poll_delayed();

  // Stops accepting keys and drops the held-back ones; getters blocked on an empty queue return
  // nullopt at once.
  void shut_down();
  // shut_down(), then waits until every key already queued or being processed is done. Must not
  // be called from a worker that holds a key (it would wait for itself), and needs the workers
  // still to be running; use the bounded form when that is not certain.
  void shut_down_with_drain();
  // As shut_down_with_drain, waiting at most budget (real time); false if work was still pending.
  [[nodiscard]] bool shut_down_with_drain_for(std::chrono::steady_clock::duration budget);
  [[nodiscard]] bool shutting_down() const;

 private:
  // Ordered by time due, then by order of arrival, so keys due together leave in the order added.
  using delayed_map = std::map<std::pair<clock::time_point, std::uint64_t>, std::string>;

  void add_locked(const std::string& key, clock::time_point added_at);
  std::size_t promote_due_locked(clock::time_point now);
  [[nodiscard]] bool drained_locked() const { return queue_.empty() && processing_.empty(); }

  const clock& clock_;
  const std::unique_ptr<rate_limiter> limiter_;
  workqueue_observer no_op_observer_;
  workqueue_observer* const observer_;

  mutable std::mutex mu_;
  std::condition_variable key_ready_;  // a key was queued, a held-back key became earlier, shutdown
  std::condition_variable drained_;    // the last key in flight was done
  std::deque<std::string> queue_;      // ready keys in order; each is also in dirty_
  // Keys queued and not yet taken, with the time each was added. A key being processed can be
  // here too: it was added again meanwhile and goes back on queue_ at done().
  std::unordered_map<std::string, clock::time_point> dirty_;
  std::unordered_map<std::string, clock::time_point> processing_;  // key -> when get() took it
  delayed_map delayed_;
  std::unordered_map<std::string, delayed_map::iterator> delayed_index_;
  std::uint64_t delayed_seq_ = 0;
  std::size_t idle_getters_ = 0;
  bool shutting_down_ = false;
};

}  // namespace rolloutd::kube
