#pragma once

// Typed access to any group/version/resource of the API server: get, list (selectors,
// pagination), create, update (optimistic concurrency), the three patch types, delete (propagation,
// preconditions), status and scale subresources, and watch streams. The only layer that speaks
// HTTP/TLS/JSON; every call has a deadline and returns errors as values.
//
// Threading: one client belongs to one io_context executor; many coroutines may use it at once
// as long as that executor runs on one thread (or is a strand).
//
// Lifetimes: every operation copies what it needs from its arguments before returning the
// awaitable, so arguments may be temporaries even when the awaitable is awaited later. The client
// itself must outlive every awaitable it returned.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/clock.hpp"
#include "kube/config.hpp"
#include "kube/result.hpp"

namespace rolloutd::kube {

using json = nlohmann::json;

struct resource_type {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string plural;   // "configmaps"
  bool namespaced = true;

  // "/api/v1" or "/apis/<group>/<version>"
  [[nodiscard]] std::string api_prefix() const;
};

struct list_options {
  std::string label_selector{};
  std::string field_selector{};
  std::optional<std::int64_t> limit{};
  std::string continue_token{};
  std::string resource_version{};
  std::string resource_version_match{};  // NotOlderThan | Exact
  std::optional<int> timeout_seconds{};  // server-side watch timeout
  bool allow_watch_bookmarks = false;
};

enum class patch_type { json_merge, json, strategic_merge };

struct delete_options {
  std::string propagation_policy{};  // Foreground | Background | Orphan
  std::optional<std::string> precondition_uid{};
  std::optional<std::string> precondition_resource_version{};
};

// How a create is sent. Strict field validation makes the server refuse a field its schema does not
// know (a misspelt `readinessprobe`) instead of dropping it with a warning.
struct write_options {
  std::string field_validation{};  // Strict | Warn | Ignore; empty: the server's default (Warn)
  bool dry_run = false;            // dryRun=All: validated and admitted, never stored
  // The texts of the answer's Warning headers are appended here (shared, as the awaitable may run
  // after the caller's statement has ended).
  std::shared_ptr<std::vector<std::string>> warnings{};
};

// One exchange with the API server, as client_options::on_request sees it (for metrics). Every
// attempt is one exchange: a request retried after a 429 or a dropped connection is reported once
// per attempt, as the server saw it. Requests refused before sending (an invalid name) are not.
struct request_observation {
  std::string_view verb;  // Kubernetes verb in upper case: GET, LIST, WATCH, CREATE, UPDATE, PATCH, DELETE
  std::string_view resource;  // the plural type, with "/<subresource>" when one is addressed
  int code = 0;               // the HTTP status; 0 when no response came (connect, TLS, timeout, reset)
  // From sending to the full response; for a watch, to the response headers (a watch lasts as
  // long as the server keeps it open, which says nothing about the server's health).
  std::chrono::steady_clock::duration latency{};
};

struct client_options {
  double qps = 20;  // client-side rate limit (token bucket)
  int burst = 30;
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  int max_retries = 5;  // 429 (Retry-After honoured), 5xx on idempotent verbs, connection failures
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(10)};
  std::string user_agent = "rolloutd";
  // Called on the client's executor after every exchange; must be quick and must not throw.
  std::function<void(const request_observation&)> on_request{};
};

class client {
 public:
  client(boost::asio::any_io_executor executor, cluster_config config, client_options options,
         const rolloutd::clock& clock);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  using awaitable_json = boost::asio::awaitable<result<json>>;

  awaitable_json get(const resource_type& type, std::string_view ns, std::string_view name,
                     std::string_view subresource = {});
  // One page; `metadata.continue` in the answer asks for the next.
  awaitable_json list(const resource_type& type, std::string_view ns, const list_options& options);
  awaitable_json create(const resource_type& type, std::string_view ns, const json& object);
  awaitable_json create(const resource_type& type, std::string_view ns, const json& object,
                        const write_options& options);
  // PUT with the object's metadata.resourceVersion: a stale version comes back as conflict().
  awaitable_json update(const resource_type& type, std::string_view ns, const json& object,
                        std::string_view subresource = {});
  awaitable_json patch(const resource_type& type, std::string_view ns, std::string_view name, patch_type kind,
                       const json& patch, std::string_view subresource = {});
  // Two overloads rather than a default argument: GCC 12 frees a class-type default argument
  // wrongly when the call sits in a co_await expression (ASan: bad-free), so the header offers
  // none to callers writing `co_await c.remove(...)`.
  awaitable_json remove(const resource_type& type, std::string_view ns, std::string_view name);
  awaitable_json remove(const resource_type& type, std::string_view ns, std::string_view name,
                        const delete_options& options);

  // POST pods/<pod>/eviction (a policy/v1 Eviction): deletes the pod unless a PodDisruptionBudget
  // forbids it now. That refusal (429) comes back at once rather than being retried like a
  // throttled request: a budget frees up on its own schedule, and the caller decides when to ask
  // again.
  awaitable_json evict(std::string_view ns, std::string_view pod);

  // Opens a watch (?watch=true plus options) and hands each piece of the body to on_chunk as it
  // arrives (pieces are arbitrary splits of the newline-delimited JSON stream). Returns when the
  // server closes the stream (ok), on any failure (error), or when on_chunk returns false (ok).
  boost::asio::awaitable<status> watch(const resource_type& type, std::string_view ns,
                                       const list_options& options,
                                       std::function<bool(std::string_view chunk)> on_chunk);

  [[nodiscard]] const cluster_config& config() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rolloutd::kube
