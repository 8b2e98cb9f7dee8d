#include "metrics/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <exception>
#include <list>
#include <optional>
#include <string_view>
#include <thread>

namespace rolloutd {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";
// After a failed accept (out of file descriptors, say) wait before the next, instead of spinning.
constexpr auto accept_retry_delay = std::chrono::milliseconds(100);

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

response text_response(http::status status, std::string body, std::string_view content_type = "text/plain") {
  response res{status, 11};
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

response probe_response(const probe_result& result, http::status failure) {
  if (result.ok) return text_response(http::status::ok, "ok");
  return text_response(failure, result.reason);
}

// Exceptions are bugs here (every expected failure is an error_code): let them end the process
// rather than vanish with a detached coroutine.
void rethrow(const std::exception_ptr& e) {
  if (e) std::rethrow_exception(e);
}

// The status to answer a request that could not be read, or none to just close the connection.
std::optional<http::status> read_failure_status(const beast::error_code& ec) {
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return http::status::request_header_fields_too_large;
  }
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (ec.category() == http::make_error_code(http::error::bad_method).category())
    return http::status::bad_request;
  return std::nullopt;  // timeouts, resets: nobody to answer
}

}  // namespace

struct http_server::impl {
  http_handlers handlers;
  http_server_options options;
  tcp::endpoint bound{};
  std::atomic<std::size_t> connections{0};
  // The open connections, oldest first (only touched on the server's thread). `closing` marks one
  // already closed to make room, whose coroutine has not ended yet.
  struct open_connection {
    beast::tcp_stream* stream;
    bool closing = false;
  };
  std::list<open_connection> open;
  // Declared after what the coroutines use: destroying the io_context destroys their suspended
  // frames, whose locals still touch `connections`.
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;

  response respond(const request& req) const;
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
};

response http_server::impl::respond(const request& req) const {
  if (req.method() != http::verb::get) {
    auto res = text_response(http::status::method_not_allowed, "only GET is served");
    res.set(http::field::allow, "GET");
    return res;
  }
  const std::string_view target = req.target();
  const auto path = target.substr(0, target.find('?'));
  if (path == "/metrics") return text_response(http::status::ok, handlers.metrics(), exposition_content_type);
  if (path == "/healthz") return probe_response(handlers.live(), http::status::internal_server_error);
  if (path == "/readyz") return probe_response(handlers.ready(), http::status::service_unavailable);
  return text_response(http::status::not_found, "not found; try /metrics, /healthz or /readyz");
}

asio::awaitable<void> http_server::impl::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      asio::steady_timer pause(io, accept_retry_delay);
      co_await pause.async_wait(use_tuple);
      continue;
    }
    // At the limit, the oldest connection makes room: a client holding connections open (idle, or
    // trickling a request) must not starve the kubelet's probes, which would get the controller
    // restarted. A probe is answered within milliseconds, so it is never the oldest for long.
    std::size_t live = 0;
    for (const auto& c : open) live += c.closing ? 0 : 1;
    for (auto it = open.begin(); live >= options.max_connections && it != open.end(); ++it) {
      if (it->closing) continue;
      it->closing = true;
      beast::error_code ignored;
      it->stream->socket().close(ignored);
      --live;
    }
    connections.fetch_add(1);
    asio::co_spawn(io, serve(std::move(socket)), rethrow);
  }
}

asio::awaitable<void> http_server::impl::serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  struct registration {
    impl& server;
    std::list<open_connection>::iterator at;
    ~registration() {
      server.open.erase(at);
      server.connections.fetch_sub(1);
    }
  } registered{*this, open.insert(open.end(), open_connection{&stream})};
  beast::flat_buffer buffer(options.max_request_bytes);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(options.max_request_bytes, UINT32_MAX)));
    parser.body_limit(options.max_request_bytes);
    // One deadline for the whole request, so a client trickling bytes cannot extend it.
    stream.expires_after(options.read_timeout);
    auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
    response res;
    bool keep_alive = false;
    if (read_error) {
      const auto status = read_failure_status(read_error);
      if (!status) break;
      res = text_response(*status, std::string(http::obsolete_reason(*status)));
    } else {
      const auto& req = parser.get();
      res = respond(req);
      keep_alive = req.keep_alive();
    }
    res.keep_alive(keep_alive);
    res.prepare_payload();
    stream.expires_after(options.write_timeout);
    auto [write_error, written] = co_await http::async_write(stream, res, use_tuple);
    if (write_error || !keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.socket().close(ignored);
}

http_server::http_server(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}

http_server_start http_server::start(const tcp::endpoint& endpoint, http_handlers handlers,
                                     http_server_options options) {
  if (!handlers.metrics || !handlers.live || !handlers.ready) {
    return {.error = "http server: every handler (metrics, live, ready) must be set"};
  }
  auto state = std::make_unique<impl>();
  state->handlers = std::move(handlers);
  state->options = options;
  auto& acceptor = state->acceptor;
  beast::error_code ec;
  const auto where = [&](std::string_view step) {
    return "http server: " + std::string(step) + " " + endpoint.address().to_string() + ":" +
           std::to_string(endpoint.port()) + ": " + ec.message();
  };
  if (acceptor.open(endpoint.protocol(), ec); ec) return {.error = where("open")};
  // A restarted controller must be able to bind while the old connections sit in TIME_WAIT.
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return {.error = where("configure")};
  if (acceptor.bind(endpoint, ec); ec) return {.error = where("bind")};
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return {.error = where("listen")};
  state->bound = acceptor.local_endpoint(ec);
  if (ec) return {.error = where("query")};

  asio::co_spawn(state->io, state->accept_loop(), rethrow);
  state->thread = std::thread([&io = state->io] { io.run(); });
  return {.server = std::unique_ptr<http_server>(new http_server(std::move(state)))};
}

http_server::~http_server() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

tcp::endpoint http_server::local_endpoint() const {
  return impl_->bound;
}

std::size_t http_server::open_connections() const {
  return impl_->connections.load();
}

}  // namespace rolloutd
