#include "kube/workqueue.hpp"

#include <algorithm>

namespace rolloutd::kube {
namespace {

// A getter waiting for a held-back key re-checks at least this often, which keeps the wait's
// length small enough for any condition-variable implementation whatever the key's delay.
constexpr clock::duration max_wait_slice = std::chrono::hours(1);

// now + delay without overflow: an absurd delay means "never", not a time in the past.
clock::time_point saturating_add(clock::time_point now, clock::duration delay) {
  const auto since_epoch = now.time_since_epoch();
  if (since_epoch > clock::duration::zero() && delay > clock::duration::max() - since_epoch) {
    return clock::time_point::max();
  }
  return now + delay;
}

}  // namespace

workqueue::workqueue(const clock& clock, std::unique_ptr<rate_limiter> limiter, workqueue_observer* observer)
    : clock_(clock),
      limiter_(limiter ? std::move(limiter) : default_controller_rate_limiter(clock)),
      observer_(observer ? observer : &no_op_observer_) {}

workqueue::~workqueue() = default;

void workqueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  const auto now = clock_.now();
  promote_due_locked(now);
  add_locked(key, now);
}

void workqueue::add_after(const std::string& key, clock::duration delay) {
  if (delay <= clock::duration::zero()) {
    add(key);
    return;
  }
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  const auto now = clock_.now();
  promote_due_locked(now);
  const auto due = saturating_add(now, delay);
  if (auto held = delayed_index_.find(key); held != delayed_index_.end()) {
    if (held->second->first.first <= due) return;  // already due sooner: the shorter delay wins
    delayed_.erase(held->second);
    delayed_index_.erase(held);
  }
  const auto it = delayed_.emplace(std::pair(due, delayed_seq_++), key).first;
  delayed_index_.emplace(key, it);
  // Getters sleeping until the previous earliest key is due must wake sooner now.
  if (it == delayed_.begin()) key_ready_.notify_all();
}

void workqueue::add_rate_limited(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    observer_->on_retry();
  }
  // Outside the queue's lock: the limiter has its own, and holding both would order them for no
  // gain.
  add_after(key, limiter_->when(key));
}

void workqueue::forget(const std::string& key) {
  limiter_->forget(key);
}

int workqueue::num_requeues(const std::string& key) const {
  return limiter_->num_requeues(key);
}

std::optional<std::string> workqueue::get() {
  std::unique_lock lock(mu_);
  auto now = clock_.now();
  promote_due_locked(now);
  while (queue_.empty()) {
    if (shutting_down_) return std::nullopt;
    ++idle_getters_;
    if (delayed_.empty()) {
      key_ready_.wait(lock);
    } else {
      key_ready_.wait_for(lock, std::min(delayed_.begin()->first.first - now, max_wait_slice));
    }
    --idle_getters_;
    now = clock_.now();
    promote_due_locked(now);
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  observer_->on_depth(queue_.size());
  if (auto added = dirty_.find(key); added != dirty_.end()) {
    observer_->on_queue_latency(now - added->second);
    dirty_.erase(added);
  }
  processing_.emplace(key, now);
  return key;
}

void workqueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  const auto taken = processing_.find(key);
  if (taken == processing_.end()) return;
  const auto now = clock_.now();
  observer_->on_work_duration(now - taken->second);
  processing_.erase(taken);
  if (dirty_.contains(key)) {
    // Added again while it was being processed: now that no worker has it, it may be taken.
    queue_.push_back(key);
    observer_->on_depth(queue_.size());
    key_ready_.notify_one();
  } else if (drained_locked()) {
    drained_.notify_all();
  }
}

std::size_t workqueue::len() {
  std::lock_guard lock(mu_);
  promote_due_locked(clock_.now());
  return queue_.size();
}

std::size_t workqueue::num_delayed() {
  std::lock_guard lock(mu_);
  promote_due_locked(clock_.now());
  return delayed_.size();
}

std::size_t workqueue::num_idle_getters() const {
  std::lock_guard lock(mu_);
  return idle_getters_;
}

std::size_t workqueue::poll_delayed() {
  std::lock_guard lock(mu_);
  return promote_due_locked(clock_.now());
}

void workqueue::shut_down() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  // Held-back keys would only be dropped on arrival, since a shut-down queue accepts none.
  delayed_.clear();
  delayed_index_.clear();
  key_ready_.notify_all();
}

void workqueue::shut_down_with_drain() {
  shut_down();
  std::unique_lock lock(mu_);
  drained_.wait(lock, [this] { return drained_locked(); });
}

bool workqueue::shut_down_with_drain_for(std::chrono::steady_clock::duration budget) {
  shut_down();
  std::unique_lock lock(mu_);
  return drained_.wait_for(lock, budget, [this] { return drained_locked(); });
}

bool workqueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

void workqueue::add_locked(const std::string& key, clock::time_point added_at) {
  if (shutting_down_) return;
  if (!dirty_.emplace(key, added_at).second) return;  // already queued: de-duplicated
  observer_->on_add();
  // Being processed: done() queues it again, so no second worker can take it meanwhile.
  if (processing_.contains(key)) return;
  queue_.push_back(key);
  observer_->on_depth(queue_.size());
  key_ready_.notify_one();
}

std::size_t workqueue::promote_due_locked(clock::time_point now) {
  std::size_t moved = 0;
  while (!delayed_.empty() && delayed_.begin()->first.first <= now) {
    auto node = delayed_.extract(delayed_.begin());
    delayed_index_.erase(node.mapped());
    // Latency counts from when the key became due, not from when it was noticed.
    add_locked(node.mapped(), node.key().first);
    ++moved;
  }
  return moved;
}

}  // namespace rolloutd::kube
