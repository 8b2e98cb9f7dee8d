#pragma once

// Records core/v1 Events about objects, for `kubectl describe` and `kubectl get events`. record()
// only decides (event_aggregator) and queues; one coroutine on the executor sends the queue in
// order, so a create always reaches the server before the patches that aggregate onto it. A failed
// write is logged and dropped: events are diagnostics, never a reason to fail or block a caller.
//
// Threading: record() from any thread. The sending runs on `executor`, which must be
// single-threaded (or a strand), as for kube::client; flush() must be awaited there too. The clock
// and the logger must outlive the sending (in practice: the io_context's run()).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "kube/clock.hpp"
#include "kube/event_aggregator.hpp"
#include "kube/event_sink.hpp"

namespace spdlog {
class logger;
}

namespace rolloutd::kube {

namespace detail {
struct event_recorder_state;
}

struct event_recorder_options {
  event_aggregator_options aggregation{};
  // Writes waiting to be sent. Beyond it new ones are dropped (and counted) rather than let an
  // unreachable API server grow memory without limit.
  std::size_t max_pending = 1000;
  // Told of every record() call (before aggregation or dropping: it counts what happened, not
  // what was written), on the caller's thread; for metrics. Must be thread-safe and quick.
  std::function<void(const object_reference& object, event_type type, std::string_view reason)> on_record{};
};

class event_recorder {
 public:
  event_recorder(boost::asio::any_io_executor executor, std::shared_ptr<event_sink> sink,
                 const rolloutd::clock& clock, event_recorder_options options, spdlog::logger& log);
  ~event_recorder();
  event_recorder(const event_recorder&) = delete;
  event_recorder& operator=(const event_recorder&) = delete;

  // Never blocks on the network and never throws for API errors.
  void record(const object_reference& object, event_type type, std::string_view reason,
              std::string_view message);

  // Waits until everything recorded so far has been sent (or has failed and been logged), at most
  // `timeout`; true when nothing is left. For clean shutdown and tests.
  boost::asio::awaitable<bool> flush(std::chrono::milliseconds timeout);

  // Writes dropped because the queue was full, since start.
  [[nodiscard]] std::uint64_t dropped() const;

 private:
  // Shared with the sending coroutine, which may outlive this object.
  std::shared_ptr<detail::event_recorder_state> state_;
};

}  // namespace rolloutd::kube
