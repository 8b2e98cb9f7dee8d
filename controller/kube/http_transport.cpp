#include "kube/http_transport.hpp"

#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cerrno>

#include "kube/tls.hpp"
#include "kube/warning_header.hpp"

namespace rolloutd::kube {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t header_limit = 64 * 1024;
constexpr std::size_t read_piece = 16 * 1024;

transport_failure failure_from(const error_code& ec, bool sent, bool delivered, const std::string& during) {
  transport_failure failure{failure_kind::connection_lost, sent, delivered, during + ": " + ec.message()};
  if (ec == beast::error::timeout) {
    failure.kind = failure_kind::timeout;
    failure.message = during + ": the request's deadline passed";
  } else if (ec == net::ssl::error::stream_truncated || ec == http::error::end_of_stream ||
             ec == http::error::partial_message) {
    failure.kind = failure_kind::connection_lost;
    failure.message = during + ": the server closed the connection";
  } else if (ec.category() == net::error::get_ssl_category()) {
    failure.kind = failure_kind::tls;  // e.g. a TLS 1.3 alert rejecting the client certificate
  } else if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    failure.kind = failure_kind::malformed;
  }
  return failure;
}

}  // namespace

struct http_transport::connection {
  connection(const net::any_io_executor& executor, net::ssl::context& tls) : stream(executor, tls) {}

  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  rolloutd::clock::time_point idle_since{};
};

http_transport::http_transport(net::any_io_executor executor, const cluster_config& config,
                               net::ssl::context& tls, const rolloutd::clock& clock,
                               transport_options options)
    : executor_(std::move(executor)), config_(config), tls_(tls), clock_(clock), options_(options) {}

http_transport::~http_transport() = default;

std::unique_ptr<http_transport::connection> http_transport::take_idle() {
  while (!idle_.empty()) {
    std::unique_ptr<connection> conn = std::move(idle_.back());
    idle_.pop_back();
    if (clock_.now() - conn->idle_since > options_.max_idle_time) continue;
    if (conn->buffer.size() != 0) continue;  // stray bytes after a complete response: out of sync
    // The server may have closed the connection while it sat idle. Noticing that now, before
    // writing, matters: afterwards a POST could not be retried, since it might have been applied.
    // Anything readable (EOF, a TLS alert, data) means the connection is not clean.
    char byte = 0;
    ssize_t n = ::recv(beast::get_lowest_layer(conn->stream).socket().native_handle(), &byte, 1,
                       MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return conn;
  }
  return nullptr;
}

void http_transport::give_back(std::unique_ptr<connection> conn) {
  if (idle_.size() >= options_.max_idle_connections) idle_.erase(idle_.begin());  // the stalest
  conn->idle_since = clock_.now();
  idle_.push_back(std::move(conn));
}

net::awaitable<http_transport::open_result> http_transport::open(
    std::chrono::steady_clock::time_point deadline) {
  std::string host = bare_host(config_.host);
  std::string where = host + ":" + config_.port;
  tcp::resolver resolver(executor_);
  error_code ec;
  (void)net::ip::make_address(host, ec);
  // A numeric host needs no lookup, so nothing here can outlast the deadline.
  auto flags = ec ? tcp::resolver::flags{} : tcp::resolver::numeric_host;
  tcp::resolver::results_type endpoints;
  std::tie(ec, endpoints) = co_await resolver.async_resolve(host, config_.port, flags, use_tuple);
  if (ec)
    co_return transport_failure{failure_kind::connect, false, false,
                                "cannot resolve " + where + ": " + ec.message()};

  auto conn = std::make_unique<connection>(executor_, tls_);
  auto& tcp_layer = beast::get_lowest_layer(conn->stream);
  tcp_layer.expires_at(deadline);
  auto [connect_ec, endpoint] = co_await tcp_layer.async_connect(endpoints, use_tuple);
  (void)endpoint;
  if (connect_ec) {
    auto failure = failure_from(connect_ec, false, false, "connecting to " + where);
    if (failure.kind != failure_kind::timeout) failure.kind = failure_kind::connect;
    co_return failure;
  }
  tcp_layer.socket().set_option(tcp::no_delay(true), ec);  // small requests; no reason to wait

  if (auto prepare_ec = prepare_tls_connection(conn->stream.native_handle(), config_); prepare_ec) {
    co_return transport_failure{failure_kind::tls, false, false,
                                "preparing TLS for " + where + ": " + prepare_ec.message()};
  }
  auto [handshake_ec] = co_await conn->stream.async_handshake(net::ssl::stream_base::client, use_tuple);
  if (handshake_ec) {
    auto failure = failure_from(handshake_ec, false, false, "TLS handshake with " + where);
    if (failure.kind == failure_kind::tls) {
      failure.message = where + ": " + describe_tls_failure(conn->stream.native_handle(), handshake_ec);
    } else if (failure.kind != failure_kind::timeout) {
      failure.kind = failure_kind::connect;  // reset or EOF mid-handshake: nothing was sent yet
    }
    co_return failure;
  }
  ++connections_opened_;
  co_return conn;
}

net::awaitable<exchange_result> http_transport::exchange(const request& req,
                                                         std::chrono::steady_clock::time_point deadline,
                                                         const body_sink* stream_2xx,
                                                         const header_sink* on_headers) {
  std::unique_ptr<connection> conn = take_idle();
  if (!conn) {
    open_result opened = co_await open(deadline);
    if (auto* failure = std::get_if<transport_failure>(&opened)) co_return std::move(*failure);
    conn = std::move(std::get<std::unique_ptr<connection>>(opened));
  }
  beast::get_lowest_layer(conn->stream).expires_at(deadline);
  auto [write_ec, written] = co_await http::async_write(conn->stream, req, use_tuple);
  (void)written;
  if (write_ec) co_return failure_from(write_ec, true, false, "sending the request");

  bool reusable = false;
  exchange_result outcome = co_await read_response(*conn, stream_2xx, on_headers, reusable);
  if (reusable) give_back(std::move(conn));
  co_return outcome;
}

net::awaitable<exchange_result> http_transport::read_response(connection& conn, const body_sink* stream_2xx,
                                                              const header_sink* on_headers, bool& reusable) {
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(header_limit);
  parser.body_limit(boost::none);  // enforced below, where streams and stored bodies differ
  auto [header_ec, header_bytes] =
      co_await http::async_read_header(conn.stream, conn.buffer, parser, use_tuple);
  (void)header_bytes;
  if (header_ec) co_return failure_from(header_ec, true, false, "reading the response");

  http_response response;
  response.status = parser.get().result_int();
  if (on_headers != nullptr) (*on_headers)(response.status);
  if (auto it = parser.get().find(http::field::retry_after); it != parser.get().end()) {
    response.retry_after = parse_retry_after(it->value());
  }
  const auto warning_fields = parser.get().equal_range(http::field::warning);
  for (auto it = warning_fields.first; it != warning_fields.second; ++it) {
    for (auto& text : parse_warning_header(it->value())) response.warnings.push_back(std::move(text));
  }
  const bool streaming = stream_2xx != nullptr && response.status >= 200 && response.status <= 299;
  bool delivered = false;
  std::array<char, read_piece> piece{};
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    auto [ec, n] = co_await http::async_read_some(conn.stream, conn.buffer, parser, use_tuple);
    (void)n;
    if (ec == http::error::need_buffer) ec = {};
    std::string_view got(piece.data(), piece.size() - parser.get().body().size);
    if (!got.empty()) {
      if (streaming) {
        delivered = true;
        if (!(*stream_2xx)(got)) co_return response;  // the caller is done; the rest is unread
      } else if (response.body.size() + got.size() > options_.max_body_bytes) {
        co_return transport_failure{
            failure_kind::malformed, true, false,
            "the response body is larger than " + std::to_string(options_.max_body_bytes) + " bytes"};
      } else {
        response.body.append(got);
      }
    }
    if (ec) co_return failure_from(ec, true, delivered, "reading the response body");
  }
  reusable = parser.keep_alive();
  co_return response;
}

}  // namespace rolloutd::kube
