#include "kube/list_watch_fsm.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace rolloutd::kube {

namespace {

using json = nlohmann::json;

const char* state_name(list_watch_fsm::state s) {
  switch (s) {
    case list_watch_fsm::state::idle:
      return "idle";
    case list_watch_fsm::state::listing:
      return "listing";
    case list_watch_fsm::state::applying:
      return "applying";
    case list_watch_fsm::state::watching:
      return "watching";
    case list_watch_fsm::state::closing:
      return "closing";
    case list_watch_fsm::state::waiting:
      return "waiting";
  }
  return "?";
}

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// List responses omit kind and apiVersion on their items while watch events carry them; filling
// them in keeps cached objects the same shape whichever way they arrived.
void fill_kind(json& item, const std::string& list_kind, const std::string& api_version) {
  constexpr std::string_view suffix = "List";
  if (!item.contains("kind") && list_kind.size() > suffix.size() && list_kind.ends_with(suffix)) {
    item["kind"] = list_kind.substr(0, list_kind.size() - suffix.size());
  }
  if (!item.contains("apiVersion") && !api_version.empty()) item["apiVersion"] = api_version;
}

api_error malformed_list(std::string message) {
  return api_error{0, "MalformedList", std::move(message)};
}

}  // namespace

backoff::backoff(backoff_policy policy, std::function<double()> random)
    : policy_(policy), random_(std::move(random)) {}

std::chrono::milliseconds backoff::next() {
  double max = static_cast<double>(policy_.max.count());
  double base =
      std::min(max, static_cast<double>(policy_.initial.count()) * std::pow(policy_.factor, failures_));
  if (base < max) ++failures_;  // stop counting once capped: the count only feeds the exponent
  double r = std::clamp(random_ ? random_() : 0.0, 0.0, 1.0);
  double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(base * (1.0 - jitter * r))));
}

list_watch_fsm::list_watch_fsm(list_watch_config config, std::function<double()> random)
    : config_(std::move(config)), random_(std::move(random)), backoff_(config_.backoff, random_) {}

list_watch_output list_watch_fsm::resume(list_watch_input input) {
  if (std::holds_alternative<started>(input)) {
    if (state_ != state::idle) unexpected("started");
    return begin_list(/*fresh=*/true);
  }
  if (auto* page = std::get_if<list_page_received>(&input)) {
    if (state_ != state::listing) unexpected("list_page_received");
    return on_list_page(std::move(page->page));
  }
  if (auto* failed = std::get_if<list_failed>(&input)) {
    if (state_ != state::listing) unexpected("list_failed");
    return on_list_failed(failed->error);
  }
  if (std::holds_alternative<replace_applied>(input)) {
    if (state_ != state::applying) unexpected("replace_applied");
    return begin_watch(/*resume=*/false);
  }
  if (std::holds_alternative<watch_opened>(input)) {
    if (state_ == state::closing) return close_watch{};
    if (state_ != state::watching) unexpected("watch_opened");
    watch_open_ = true;
    backoff_.reset();
    return keep_reading{};
  }
  if (auto* received = std::get_if<watch_event_received>(&input)) {
    if (state_ == state::closing) return close_watch{};  // lines already read when we decided to close
    if (state_ != state::watching) unexpected("watch_event_received");
    return on_watch_event(std::move(received->event));
  }
  if (std::holds_alternative<watch_stream_broken>(input)) {
    if (state_ == state::closing) return close_watch{};
    if (state_ != state::watching) unexpected("watch_stream_broken");
    // A line we cannot decode may hide a change; resume from the last version we did apply.
    return close_then(then::watch);
  }
  if (auto* ended = std::get_if<watch_ended>(&input)) {
    if (state_ != state::watching && state_ != state::closing) unexpected("watch_ended");
    return on_watch_ended(ended->result);
  }
  if (state_ != state::waiting) unexpected("timer_fired");
  return after_ == then::list ? begin_list(/*fresh=*/false) : begin_watch(/*resume=*/true);
}

list_watch_output list_watch_fsm::begin_list(bool fresh) {
  if (fresh) {
    pending_items_.clear();
    continue_token_.clear();
    if (listed_once_) ++relists_;
    listed_once_ = true;
  }
  state_ = state::listing;
  list_action action;
  action.options.label_selector = config_.label_selector;
  action.options.field_selector = config_.field_selector;
  if (config_.page_size > 0) action.options.limit = config_.page_size;
  action.options.continue_token = continue_token_;
  return action;
}

list_watch_output list_watch_fsm::on_list_page(json page) {
  if (!page.is_object()) return on_list_failed(malformed_list("list response is not an object"));
  auto metadata = page.find("metadata");
  std::string rv = metadata != page.end() ? string_at(*metadata, "resourceVersion") : std::string{};
  if (rv.empty()) return on_list_failed(malformed_list("list response has no metadata.resourceVersion"));
  auto items = page.find("items");
  if (items != page.end() && !items->is_null() && !items->is_array()) {
    return on_list_failed(malformed_list("list response items is not an array"));
  }
  backoff_.reset();

  if (items != page.end() && items->is_array()) {
    std::string kind = string_at(page, "kind");
    std::string api_version = string_at(page, "apiVersion");
    pending_items_.reserve(pending_items_.size() + items->size());
    for (auto& item : *items) {
      if (!item.is_object()) continue;  // not an object: nothing a cache could key
      fill_kind(item, kind, api_version);
      pending_items_.push_back(std::move(item));
    }
  }
  continue_token_ = string_at(*metadata, "continue");
  if (!continue_token_.empty()) return begin_list(/*fresh=*/false);

  state_ = state::applying;
  resource_version_ = rv;
  replace_all_action action{std::move(pending_items_), std::move(rv), !synced_};
  pending_items_.clear();
  synced_ = true;
  return action;
}

list_watch_output list_watch_fsm::on_list_failed(const api_error& error) {
  // A continue token expires when etcd compacts past the list's snapshot: the pages already read
  // cannot be completed, so start over (client-go falls back to a full list the same way).
  if (error.gone() && !continue_token_.empty()) return begin_list(/*fresh=*/true);
  // Otherwise retry the same page after a pause; the pages read so far stay valid while the
  // continue token does.
  return wait_then(then::list);
}

list_watch_output list_watch_fsm::begin_watch(bool resume) {
  if (resume) ++watch_restarts_;
  state_ = state::watching;
  watch_open_ = false;
  watch_action action;
  action.options.label_selector = config_.label_selector;
  action.options.field_selector = config_.field_selector;
  action.options.resource_version = resource_version_;
  action.options.allow_watch_bookmarks = true;
  double r = std::clamp(random_ ? random_() : 0.0, 0.0, 1.0);
  action.options.timeout_seconds =
      static_cast<int>(static_cast<double>(config_.min_watch_timeout.count()) * (1.0 + r));
  return action;
}

list_watch_output list_watch_fsm::on_watch_event(watch_event event) {
  if (!watch_open_) {  // an event proves the watch is open even if the driver did not say so
    watch_open_ = true;
    backoff_.reset();
  }
  if (event.type == watch_event_type::error) {
    // 410: the version we watch from has been compacted away; only a new list can catch up.
    return close_then(event.status.gone() ? then::list : then::watch);
  }
  if (auto rv = event.resource_version(); !rv.empty()) resource_version_ = std::move(rv);
  switch (event.type) {
    case watch_event_type::added:
    case watch_event_type::modified:
      return upsert_action{std::move(event.object)};
    case watch_event_type::deleted:
      return remove_action{std::move(event.object)};
    default:
      return keep_reading{};  // a bookmark only moves the resourceVersion
  }
}

list_watch_output list_watch_fsm::on_watch_ended(const status& result) {
  if (state_ == state::closing) {
    return after_ == then::list ? begin_list(/*fresh=*/true) : wait_then(then::watch);
  }
  if (!result.ok() && result.error().gone()) return begin_list(/*fresh=*/true);
  // A stream that delivered something and ended cleanly is the server-side timeout doing its job:
  // resume at once. One that ended before sending anything, or failed, waits first so a broken
  // server or proxy is not hammered.
  if (result.ok() && watch_open_) return begin_watch(/*resume=*/true);
  return wait_then(then::watch);
}

list_watch_output list_watch_fsm::wait_then(then next) {
  state_ = state::waiting;
  after_ = next;
  return wait_action{backoff_.next()};
}

list_watch_output list_watch_fsm::close_then(then next) {
  state_ = state::closing;
  after_ = next;
  watch_open_ = false;
  return close_watch{};
}

void list_watch_fsm::unexpected(const char* input) const {
  throw std::logic_error(std::string("list_watch_fsm: ") + input + " in state " + state_name(state_));
}

}  // namespace rolloutd::kube
