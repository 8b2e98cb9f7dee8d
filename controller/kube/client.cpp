#include "kube/client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <variant>

#include "kube/api_response.hpp"
#include "kube/http_transport.hpp"
#include "kube/request_path.hpp"
#include "kube/retry_policy.hpp"
#include "kube/tls.hpp"
#include "kube/token_bucket.hpp"

namespace rolloutd::kube {

namespace net = boost::asio;
namespace http = boost::beast::http;
using awaitable_json = client::awaitable_json;

namespace {

// A watch's deadline is its server-side timeoutSeconds plus request_timeout, so the server ends
// the stream cleanly before the client gives up on it. A watch asked for without a timeout gets
// this one (client-go's reflector picks 5-10 min), so no stream is unbounded.
constexpr int default_watch_timeout_seconds = 300;

api_error invalid_request(std::string message) {
  return api_error{0, "InvalidRequest", std::move(message)};
}

std::string metadata_field(const json& object, const char* key) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return {};
  auto value = metadata->find(key);
  return value != metadata->end() && value->is_string() ? value->get<std::string>() : std::string{};
}

// Invalid UTF-8 in a string is replaced rather than thrown about: a caller's bad byte is not a bug
// worth crashing the controller for, and the server validates what it receives anyway.
std::string serialize(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string_view content_type_for(patch_type kind) {
  switch (kind) {
    case patch_type::json_merge:
      return "application/merge-patch+json";
    case patch_type::json:
      return "application/json-patch+json";
    case patch_type::strategic_merge:
      return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

// What a request is, for client_options::on_request.
struct request_label {
  std::string_view verb;  // a string literal
  std::string resource;
};

request_label label_for(std::string_view verb, const resource_type& type, std::string_view subresource = {}) {
  request_label label{verb, type.plural};
  if (!subresource.empty()) label.resource.append("/").append(subresource);
  return label;
}

std::string host_header(const cluster_config& config) {
  std::string host = bare_host(config.host);
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + config.port;
}

}  // namespace

struct client::impl {
  impl(net::any_io_executor executor, cluster_config cfg, client_options opts, const rolloutd::clock& clk)
      : executor(std::move(executor)),
        config(std::move(cfg)),
        options(std::move(opts)),
        clock(clk),
        limiter(options.qps, options.burst, clock),
        host(host_header(config)) {
    auto context = make_tls_context(config);
    if (!context) {
      setup_error = context.error();
      return;
    }
    tls = std::move(context).value();
    transport = std::make_unique<http_transport>(this->executor, config, *tls, clock);
  }

  // What a namespaced single-object call addresses; an error when the call cannot be addressed.
  std::optional<api_error> check_target(const resource_type& type, std::string_view ns,
                                        std::string_view name) const {
    if (type.namespaced && !valid_path_segment(ns)) {
      return invalid_request(type.plural + " are namespaced: a namespace is required");
    }
    if (!valid_path_segment(name))
      return invalid_request("invalid object name \"" + std::string(name) + "\"");
    return std::nullopt;
  }

  http_transport::request make_request(http::verb verb, std::string target, std::string body,
                                       std::string_view content_type) const {
    http_transport::request req{verb, target, 11};
    req.set(http::field::host, host);
    req.set(http::field::user_agent, options.user_agent);
    req.set(http::field::accept, "application/json");
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    if (!body.empty() || verb == http::verb::post || verb == http::verb::put || verb == http::verb::patch) {
      req.body() = std::move(body);
      req.prepare_payload();
    }
    return req;
  }

  net::awaitable<void> pause(rolloutd::clock::duration delay) {
    if (delay <= rolloutd::clock::duration::zero()) co_return;
    net::steady_timer timer(executor, delay);
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;
  }

  void report(const request_label& label, int code, rolloutd::clock::duration latency) const {
    if (!options.on_request) return;
    options.on_request(request_observation{
        .verb = label.verb, .resource = label.resource, .code = code, .latency = latency});
  }

  // Sends with rate limiting and retries; the final response whatever its status, or the error
  // of the last failed attempt. Every attempt is reported to on_request: a stream when its 2xx
  // headers arrive, anything else when the exchange is over.
  net::awaitable<std::variant<http_response, api_error>> send(http_transport::request req,
                                                              std::chrono::milliseconds attempt_timeout,
                                                              const request_label& label,
                                                              const body_sink* stream_2xx = nullptr,
                                                              bool retry_429 = true) {
    if (setup_error) co_return *setup_error;
    retry_settings settings{options.max_retries, options.initial_backoff, options.max_backoff};
    for (int retries = 0;; ++retries) {
      co_await pause(limiter.reserve());
      // Read per attempt: a projected token may have been rotated since the last one.
      std::string token = config.token ? config.token->token() : std::string{};
      if (token.empty()) {
        req.erase(http::field::authorization);
      } else {
        req.set(http::field::authorization, "Bearer " + token);
      }
      auto deadline = std::chrono::steady_clock::now() + attempt_timeout;
      const auto started = clock.now();
      bool reported = false;
      const header_sink on_headers = [&](unsigned status) {
        if (stream_2xx == nullptr || status < 200 || status > 299) return;
        report(label, static_cast<int>(status), clock.now() - started);
        reported = true;
      };
      exchange_result exchanged =
          co_await transport->exchange(req, deadline, stream_2xx, options.on_request ? &on_headers : nullptr);
      if (!reported) {
        const auto* response = std::get_if<http_response>(&exchanged);
        report(label, response != nullptr ? static_cast<int>(response->status) : 0, clock.now() - started);
      }

      attempt_outcome outcome;
      if (auto* response = std::get_if<http_response>(&exchanged)) {
        if (response->status >= 200 && response->status <= 299) co_return std::move(*response);
        if (response->status == 429 && !retry_429) co_return std::move(*response);
        outcome.http_status = response->status;
        outcome.retry_after = response->retry_after;
      } else {
        const auto& failure = std::get<transport_failure>(exchanged);
        outcome.failure = failure.kind;
        outcome.request_sent = failure.request_sent;
        outcome.body_delivered = failure.body_delivered;
      }
      retry_decision decision = decide_retry(req.method(), outcome, retries, settings);
      if (!decision.retry) {
        if (auto* response = std::get_if<http_response>(&exchanged)) co_return std::move(*response);
        auto& failure = std::get<transport_failure>(exchanged);
        co_return transport_error(failure.kind, std::move(failure.message));
      }
      co_await pause(decision.delay);
    }
  }

  // Everything arrives by value: these coroutines start when awaited, possibly after the
  // caller's arguments are gone.
  awaitable_json call(http::verb verb, request_label label, std::string target, std::string body = {},
                      std::string content_type = {}, bool retry_429 = true,
                      std::shared_ptr<std::vector<std::string>> warnings = nullptr) {
    auto sent = co_await send(make_request(verb, std::move(target), std::move(body), content_type),
                              options.request_timeout, label, nullptr, retry_429);
    if (auto* error = std::get_if<api_error>(&sent)) co_return std::move(*error);
    const auto& response = std::get<http_response>(sent);
    if (warnings) warnings->insert(warnings->end(), response.warnings.begin(), response.warnings.end());
    co_return interpret_response(response.status, response.body);
  }

  static awaitable_json fail(api_error error) { co_return error; }

  net::awaitable<status> stream(http_transport::request req, std::chrono::milliseconds timeout,
                                request_label label, body_sink sink) {
    auto sent = co_await send(std::move(req), timeout, label, &sink);
    if (auto* error = std::get_if<api_error>(&sent)) co_return std::move(*error);
    const auto& response = std::get<http_response>(sent);
    if (response.status < 200 || response.status > 299) {
      co_return error_from_response(response.status, response.body);
    }
    co_return void_value{};
  }

  net::any_io_executor executor;
  cluster_config config;
  client_options options;
  const rolloutd::clock& clock;
  token_bucket limiter;
  std::string host;
  std::optional<api_error> setup_error;
  std::unique_ptr<net::ssl::context> tls;
  std::unique_ptr<http_transport> transport;
};

client::client(net::any_io_executor executor, cluster_config config, client_options options,
               const rolloutd::clock& clock)
    : impl_(std::make_unique<impl>(std::move(executor), std::move(config), std::move(options), clock)) {}

client::~client() = default;

const cluster_config& client::config() const {
  return impl_->config;
}

// The operations below are not coroutines themselves: they build the request from their
// arguments before returning, so the awaitable never refers to a caller's temporaries.

awaitable_json client::get(const resource_type& type, std::string_view ns, std::string_view name,
                           std::string_view subresource) {
  if (auto error = impl_->check_target(type, ns, name)) return impl::fail(*error);
  return impl_->call(http::verb::get, label_for("GET", type, subresource),
                     resource_path(type, ns, name, subresource));
}

awaitable_json client::list(const resource_type& type, std::string_view ns, const list_options& options) {
  return impl_->call(http::verb::get, label_for("LIST", type),
                     with_query(resource_path(type, ns), list_query(options, /*watch=*/false)));
}

awaitable_json client::create(const resource_type& type, std::string_view ns, const json& object) {
  return create(type, ns, object, write_options{});
}

awaitable_json client::create(const resource_type& type, std::string_view ns, const json& object,
                              const write_options& options) {
  std::string target_ns = ns.empty() ? metadata_field(object, "namespace") : std::string(ns);
  if (type.namespaced && !valid_path_segment(target_ns)) {
    return impl::fail(invalid_request(type.plural + " are namespaced: a namespace is required"));
  }
  query_params query;
  if (options.dry_run) query.emplace_back("dryRun", "All");
  if (!options.field_validation.empty()) query.emplace_back("fieldValidation", options.field_validation);
  return impl_->call(http::verb::post, label_for("CREATE", type),
                     with_query(resource_path(type, target_ns), query), serialize(object), "application/json",
                     /*retry_429=*/true, options.warnings);
}

awaitable_json client::update(const resource_type& type, std::string_view ns, const json& object,
                              std::string_view subresource) {
  std::string target_ns = ns.empty() ? metadata_field(object, "namespace") : std::string(ns);
  std::string name = metadata_field(object, "name");
  if (auto error = impl_->check_target(type, target_ns, name)) return impl::fail(*error);
  return impl_->call(http::verb::put, label_for("UPDATE", type, subresource),
                     resource_path(type, target_ns, name, subresource), serialize(object),
                     "application/json");
}

awaitable_json client::patch(const resource_type& type, std::string_view ns, std::string_view name,
                             patch_type kind, const json& patch, std::string_view subresource) {
  if (auto error = impl_->check_target(type, ns, name)) return impl::fail(*error);
  return impl_->call(http::verb::patch, label_for("PATCH", type, subresource),
                     resource_path(type, ns, name, subresource), serialize(patch),
                     std::string(content_type_for(kind)));
}

awaitable_json client::remove(const resource_type& type, std::string_view ns, std::string_view name) {
  return remove(type, ns, name, delete_options{});
}

awaitable_json client::remove(const resource_type& type, std::string_view ns, std::string_view name,
                              const delete_options& options) {
  if (auto error = impl_->check_target(type, ns, name)) return impl::fail(*error);
  if (options.propagation_policy.empty() && !options.precondition_uid &&
      !options.precondition_resource_version) {
    return impl_->call(http::verb::delete_, label_for("DELETE", type), resource_path(type, ns, name));
  }
  json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.precondition_uid) body["preconditions"]["uid"] = *options.precondition_uid;
  if (options.precondition_resource_version) {
    body["preconditions"]["resourceVersion"] = *options.precondition_resource_version;
  }
  return impl_->call(http::verb::delete_, label_for("DELETE", type), resource_path(type, ns, name),
                     serialize(body), "application/json");
}

awaitable_json client::evict(std::string_view ns, std::string_view pod) {
  static const resource_type pods{"", "v1", "pods", true};
  if (auto error = impl_->check_target(pods, ns, pod)) return impl::fail(*error);
  const json eviction = {
      {"apiVersion", "policy/v1"}, {"kind", "Eviction"}, {"metadata", {{"name", pod}, {"namespace", ns}}}};
  return impl_->call(http::verb::post, label_for("CREATE", pods, "eviction"),
                     resource_path(pods, ns, pod, "eviction"), serialize(eviction), "application/json",
                     /*retry_429=*/false);
}

net::awaitable<status> client::watch(const resource_type& type, std::string_view ns,
                                     const list_options& options,
                                     std::function<bool(std::string_view chunk)> on_chunk) {
  list_options watch_options = options;
  if (!watch_options.timeout_seconds) watch_options.timeout_seconds = default_watch_timeout_seconds;
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(*watch_options.timeout_seconds) + impl_->options.request_timeout);
  auto req = impl_->make_request(
      http::verb::get, with_query(resource_path(type, ns), list_query(watch_options, /*watch=*/true)), {},
      {});
  return impl_->stream(std::move(req), timeout, label_for("WATCH", type), std::move(on_chunk));
}

}  // namespace rolloutd::kube
