#pragma once

// The list/watch cycle of an informer as a sans-I/O state machine: it is told what happened (a
// list page arrived, the watch ended, a timer fired, ...) and answers with the one thing to do next
// (list a page, open a watch, wait, apply a change to the cache). It never touches a socket, a
// timer or the cache itself, so every transition is unit-tested with plain values; the informer is
// a thin coroutine that performs the actions.
//
// The protocol between the machine and its driver:
//   - resume(started) begins; the answer is a list_action.
//   - list_action     -> perform it, then resume(list_page_received) or resume(list_failed).
//   - replace_all     -> replace the cache's contents, then resume(replace_applied).
//   - watch_action    -> open the watch; resume(watch_opened) when the first bytes arrive, then
//                        resume(watch_event_received / watch_stream_broken) per line; each answer
//                        is upsert/remove (apply, keep reading), keep_reading, or close_watch (stop
//                        reading). When the watch call returns, resume(watch_ended).
//   - wait_action     -> sleep for the delay, then resume(timer_fired).
// Feeding an input the current state does not expect is a bug in the driver: std::logic_error.

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "kube/client.hpp"
#include "kube/result.hpp"
#include "kube/watch_stream.hpp"

namespace rolloutd::kube {

// Exponential backoff with jitter, capped. `random` returns a value in [0, 1); injected so tests
// get exact delays and production gets independent spreads across replicas.
struct backoff_policy {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds max{std::chrono::seconds(30)};
  double factor = 2.0;
  // The delay is base * (1 - jitter * random): never above the cap, and many informers failing
  // together (an API server restart) do not all come back in the same instant.
  double jitter = 0.5;
};

class backoff {
 public:
  backoff(backoff_policy policy, std::function<double()> random);
  // The next delay; each call grows the base by `factor` up to the cap.
  [[nodiscard]] std::chrono::milliseconds next();
  void reset() { failures_ = 0; }
  [[nodiscard]] int failures() const { return failures_; }

 private:
  backoff_policy policy_;
  std::function<double()> random_;
  int failures_ = 0;
};

struct list_watch_config {
  std::string label_selector{};
  std::string field_selector{};
  // Items per list page. Lists are served from etcd (resourceVersion ""), which honours limit, so
  // a large collection arrives in bounded pieces instead of one huge body.
  std::int64_t page_size = 500;
  // Each watch asks the server to end it after a random time in [min, 2*min), as client-go does:
  // streams through load balancers do not live forever, and spreading the ends avoids re-watch
  // storms.
  std::chrono::seconds min_watch_timeout{std::chrono::minutes(5)};
  backoff_policy backoff{};
};

// ---- inputs ----
struct started {};
struct list_page_received {
  nlohmann::json page;  // a whole list response: items, metadata.resourceVersion, metadata.continue
};
struct list_failed {
  api_error error;
};
struct replace_applied {};
struct watch_opened {};
struct watch_event_received {
  watch_event event;
};
struct watch_stream_broken {
  watch_stream_error error;
};
struct watch_ended {
  status result;  // ok when the server closed the stream (or we closed it); else why it failed
};
struct timer_fired {};

using list_watch_input = std::variant<started, list_page_received, list_failed, replace_applied, watch_opened,
                                      watch_event_received, watch_stream_broken, watch_ended, timer_fired>;

// ---- actions ----
struct list_action {
  list_options options;
};
struct replace_all_action {
  std::vector<nlohmann::json> items;  // every object of the completed list, all pages
  std::string resource_version;       // the list's resourceVersion
  bool first_sync = false;            // the informer is synced once this has been applied
};
struct watch_action {
  list_options options;
};
struct wait_action {
  std::chrono::milliseconds delay{};
};
struct upsert_action {
  nlohmann::json object;
};
struct remove_action {
  nlohmann::json object;  // the object's last state, as the DELETED event carried it
};
struct keep_reading {};
struct close_watch {};

using list_watch_output = std::variant<list_action, replace_all_action, watch_action, wait_action,
                                       upsert_action, remove_action, keep_reading, close_watch>;

class list_watch_fsm {
 public:
  list_watch_fsm(list_watch_config config, std::function<double()> random);

  [[nodiscard]] list_watch_output resume(list_watch_input input);

  // The newest resourceVersion seen: from the list, from every event, and from bookmarks.
  [[nodiscard]] const std::string& resource_version() const { return resource_version_; }
  // True once the first complete list has been handed out as replace_all.
  [[nodiscard]] bool synced() const { return synced_; }
  // Full lists after the first (a 410, or a failed continue).
  [[nodiscard]] std::uint64_t relists() const { return relists_; }
  // Watches opened again from a resourceVersion after the previous one ended or failed.
  [[nodiscard]] std::uint64_t watch_restarts() const { return watch_restarts_; }
  [[nodiscard]] const backoff& current_backoff() const { return backoff_; }

  enum class state { idle, listing, applying, watching, closing, waiting };
  [[nodiscard]] state current_state() const { return state_; }

 private:
  enum class then { list, watch };  // what to do after a wait or after closing a watch

  list_watch_output on_list_page(nlohmann::json page);
  list_watch_output on_list_failed(const api_error& error);
  list_watch_output on_watch_event(watch_event event);
  list_watch_output on_watch_ended(const status& result);
  list_watch_output begin_list(bool fresh);
  list_watch_output begin_watch(bool resume);
  list_watch_output wait_then(then next);
  list_watch_output close_then(then next);
  [[noreturn]] void unexpected(const char* input) const;

  list_watch_config config_;
  std::function<double()> random_;
  backoff backoff_;
  state state_ = state::idle;
  then after_ = then::list;
  std::string resource_version_;
  std::string continue_token_;
  std::vector<nlohmann::json> pending_items_;  // pages of the list in progress
  bool synced_ = false;
  bool watch_open_ = false;
  bool listed_once_ = false;
  std::uint64_t relists_ = 0;
  std::uint64_t watch_restarts_ = 0;
};

}  // namespace rolloutd::kube
