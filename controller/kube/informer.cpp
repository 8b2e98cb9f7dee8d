#include "kube/informer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>
#include <utility>

namespace rolloutd::kube {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);

}  // namespace

informer::informer(asio::any_io_executor executor, std::unique_ptr<list_watch_source> source,
                   informer_options options, std::function<double()> random)
    : executor_(std::move(executor)),
      source_(std::move(source)),
      options_(std::move(options)),
      generator_(std::random_device{}()),
      cache_(options_.cache),
      fsm_(options_.list_watch, random ? std::move(random) : std::function<double()>([this] {
             return std::uniform_real_distribution<double>(0, 1)(generator_);
           })),
      stop_signal_(executor_, asio::steady_timer::time_point::max()) {}

void informer::stop() {
  asio::post(executor_, [this] {
    stopping_ = true;
    stop_signal_.cancel();
  });
}

asio::awaitable<void> informer::stop_requested() {
  if (stopping_) co_return;
  co_await stop_signal_.async_wait(no_throw);
}

void informer::publish_counters() {
  relists_.store(fsm_.relists());
  watch_restarts_.store(fsm_.watch_restarts());
}

asio::awaitable<void> informer::run() {
  if (std::exchange(running_, true)) throw std::logic_error("informer::run called twice");
  auto& log = options_.logger;
  asio::steady_timer timer(executor_);
  list_watch_input input = started{};
  while (!stopping_) {
    auto output = fsm_.resume(std::move(input));
    publish_counters();
    if (auto* list = std::get_if<list_action>(&output)) {
      auto page = co_await (source_->list(list->options) || stop_requested());
      if (page.index() == 1) break;
      auto& answer = std::get<0>(page);
      if (answer.ok()) {
        input = list_page_received{std::move(answer.value())};
      } else {
        if (log)
          log->warn("{}: list failed: {} {}: {}", options_.name, answer.error().code, answer.error().reason,
                    answer.error().message);
        input = list_failed{answer.error()};
      }
    } else if (auto* replace = std::get_if<replace_all_action>(&output)) {
      auto counts = cache_.replace_all(std::move(replace->items));
      if (log) {
        log->info("{}: listed at resourceVersion {}: {} added, {} updated, {} deleted, {} unchanged",
                  options_.name, replace->resource_version, counts.added, counts.updated, counts.deleted,
                  counts.unchanged);
      }
      if (replace->first_sync) synced_.store(true);
      input = replace_applied{};
    } else if (auto* watch = std::get_if<watch_action>(&output)) {
      auto next = co_await watch_once(watch->options);
      if (!next) break;
      input = std::move(*next);
    } else if (auto* wait = std::get_if<wait_action>(&output)) {
      timer.expires_after(wait->delay);
      auto waited = co_await (timer.async_wait(no_throw) || stop_requested());
      if (waited.index() == 1) break;
      input = timer_fired{};
    } else {
      throw std::logic_error("informer: cache action outside a watch");
    }
  }
  publish_counters();
}

void informer::apply(list_watch_output output, bool& closed) {
  if (auto* upsert = std::get_if<upsert_action>(&output)) {
    cache_.upsert(std::move(upsert->object));
  } else if (auto* remove = std::get_if<remove_action>(&output)) {
    cache_.remove(std::move(remove->object));
  } else if (std::holds_alternative<close_watch>(output)) {
    closed = true;
  } else if (!std::holds_alternative<keep_reading>(output)) {
    throw std::logic_error("informer: unexpected action during a watch");
  }
}

asio::awaitable<std::optional<list_watch_input>> informer::watch_once(const list_options& options) {
  auto& log = options_.logger;
  watch_stream stream(options_.max_line_bytes);
  bool opened = false;
  bool closed = false;
  std::function<bool(watch_item &&)> on_item = [&](watch_item&& item) {
    if (auto* event = std::get_if<watch_event>(&item)) {
      if (event->type == watch_event_type::error && log) {
        log->info("{}: watch error event: {} {}: {}", options_.name, event->status.code, event->status.reason,
                  event->status.message);
      }
      apply(fsm_.resume(watch_event_received{std::move(*event)}), closed);
    } else {
      auto& error = std::get<watch_stream_error>(item);
      if (log) log->warn("{}: bad watch line: {}", options_.name, error.message);
      apply(fsm_.resume(watch_stream_broken{std::move(error)}), closed);
    }
    return !closed;
  };
  // Named, not converted inside the co_await below: GCC 12 mishandles temporaries there.
  std::function<bool(std::string_view)> on_chunk = [&](std::string_view chunk) {
    if (stopping_ || closed) return false;
    if (!opened) {
      opened = true;
      apply(fsm_.resume(watch_opened{}), closed);
    }
    stream.feed(chunk, on_item);
    return !closed && !stopping_;
  };
  auto outcome = co_await (source_->watch(options, on_chunk) || stop_requested());
  if (outcome.index() == 1 || stopping_) co_return std::nullopt;
  status ended = std::move(std::get<0>(outcome));
  if (!closed && ended.ok()) {
    // The last line was cut off: what it held was not applied, so this is not a clean end.
    if (auto tail = stream.finish()) ended = api_error{0, "Truncated", tail->message};
  }
  if (!ended.ok() && log) {
    log->warn("{}: watch from resourceVersion {} ended: {} {}: {}", options_.name, options.resource_version,
              ended.error().code, ended.error().reason, ended.error().message);
  }
  co_return watch_ended{std::move(ended)};
}

}  // namespace rolloutd::kube
