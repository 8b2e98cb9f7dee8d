#include "kube/event_recorder.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <exception>
#include <mutex>

namespace rolloutd::kube {

namespace asio = boost::asio;
using json = nlohmann::json;

struct detail::event_recorder_state {
  event_recorder_state(asio::any_io_executor ex, std::shared_ptr<event_sink> s, const rolloutd::clock& c,
                       event_recorder_options o, spdlog::logger& l)
      : executor(std::move(ex)),
        sink(std::move(s)),
        clock(c),
        max_pending(std::max<std::size_t>(o.max_pending, 1)),
        on_record(std::move(o.on_record)),
        log(l),
        aggregator(std::move(o.aggregation)),
        idle(executor) {}

  const asio::any_io_executor executor;
  const std::shared_ptr<event_sink> sink;
  const rolloutd::clock& clock;
  const std::size_t max_pending;
  const std::function<void(const object_reference&, event_type, std::string_view)> on_record;
  spdlog::logger& log;

  std::mutex mu;  // guards the members below up to `idle`
  event_aggregator aggregator;
  std::deque<event_write> queue;
  bool sending = false;  // a send_loop is running (or about to)
  std::uint64_t dropped = 0;
  std::uint64_t dropped_unreported = 0;

  asio::steady_timer idle;  // executor only: cancelled when the queue drains, to wake flush()
};

namespace {

void log_failure(spdlog::logger& log, const event_write& w, const api_error& error) {
  log.warn("could not record event {}/{} ({}: {}): {} {}", w.namespace_name, w.name,
           w.event.value("reason", std::string()), w.event.value("message", std::string()), error.code,
           error.message);
}

asio::awaitable<void> send_one(event_sink& sink, spdlog::logger& log, const event_write& w) {
  if (w.kind == event_write_kind::create) {
    auto created = co_await sink.create(w.namespace_name, w.event);
    if (!created.ok()) log_failure(log, w, created.error());
    co_return;
  }
  auto patched = co_await sink.patch(w.namespace_name, w.name, w.patch);
  if (patched.ok()) co_return;
  if (!patched.error().not_found()) {
    log_failure(log, w, patched.error());
    co_return;
  }
  // Gone: the Event outlived the server's event TTL, or its create failed. Write it whole again.
  auto created = co_await sink.create(w.namespace_name, w.event);
  if (!created.ok()) log_failure(log, w, created.error());
}

// The state by shared_ptr: the loop may outlive the recorder.
asio::awaitable<void> send_loop(std::shared_ptr<detail::event_recorder_state> s) {
  for (;;) {
    event_write next;
    std::uint64_t dropped = 0;
    {
      std::lock_guard lock(s->mu);
      if (s->queue.empty()) {
        s->sending = false;
        dropped = std::exchange(s->dropped_unreported, 0);
      } else {
        next = std::move(s->queue.front());
        s->queue.pop_front();
      }
    }
    if (next.name.empty()) {
      if (dropped > 0) s->log.warn("dropped {} events: too many waiting to be sent", dropped);
      s->idle.cancel();
      co_return;
    }
    co_await send_one(*s->sink, s->log, next);
  }
}

}  // namespace

event_recorder::event_recorder(asio::any_io_executor executor, std::shared_ptr<event_sink> sink,
                               const rolloutd::clock& clock, event_recorder_options options,
                               spdlog::logger& log)
    : state_(std::make_shared<detail::event_recorder_state>(std::move(executor), std::move(sink), clock,
                                                            std::move(options), log)) {}

event_recorder::~event_recorder() = default;

void event_recorder::record(const object_reference& object, event_type type, std::string_view reason,
                            std::string_view message) {
  if (state_->on_record) state_->on_record(object, type, reason);
  bool start = false;
  {
    std::lock_guard lock(state_->mu);
    auto write = state_->aggregator.observe(object, type, reason, message, state_->clock.now(),
                                            state_->clock.wall_now());
    if (state_->queue.size() >= state_->max_pending) {
      // The aggregator has counted it; if this was a create, the next repeat's patch finds nothing
      // and creates the Event whole, so the count still comes out right.
      ++state_->dropped;
      ++state_->dropped_unreported;
      return;
    }
    state_->queue.push_back(std::move(write));
    start = !std::exchange(state_->sending, true);
  }
  if (start) {
    asio::co_spawn(state_->executor, send_loop(state_), [](std::exception_ptr bug) {
      if (bug) std::rethrow_exception(bug);
    });
  }
}

asio::awaitable<bool> event_recorder::flush(std::chrono::milliseconds timeout) {
  auto s = state_;
  const auto deadline = asio::steady_timer::clock_type::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(s->mu);
      if (s->queue.empty() && !s->sending) co_return true;
    }
    if (asio::steady_timer::clock_type::now() >= deadline) co_return false;
    s->idle.expires_at(deadline);
    co_await s->idle.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

std::uint64_t event_recorder::dropped() const {
  std::lock_guard lock(state_->mu);
  return state_->dropped;
}

}  // namespace rolloutd::kube
