#include "fake_api_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>

namespace rolloutd::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <class Stream>
net::awaitable<bool> write_reply(Stream& stream, fake_reply& reply) {
  if (reply.chunks.empty()) {
    http::response<http::string_body> res;
    res.version(11);
    res.result(reply.status);
    for (const auto& [name, value] : reply.headers) res.insert(name, value);  // a name may repeat (Warning)
    res.keep_alive(!reply.close);
    res.body() = reply.body;
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
    co_return !ec;
  }
  http::response<http::empty_body> res;
  res.version(11);
  res.result(reply.status);
  for (const auto& [name, value] : reply.headers) res.insert(name, value);  // a name may repeat (Warning)
  res.keep_alive(!reply.close);
  res.chunked(true);
  http::response_serializer<http::empty_body> serializer(res);
  if (auto [ec, n] = co_await http::async_write_header(stream, serializer, use_tuple); ec) co_return false;
  for (std::size_t i = 0; i < reply.chunks.size(); ++i) {
    if (i > 0 && reply.before_chunk) co_await reply.before_chunk(i);
    auto chunk = http::make_chunk(net::buffer(reply.chunks[i]));
    if (auto [ec, n] = co_await net::async_write(stream, chunk, use_tuple); ec) co_return false;
  }
  auto [ec, n] = co_await net::async_write(stream, http::make_chunk_last(), use_tuple);
  co_return !ec;
}

}  // namespace

void test_signal::notify() {
  for (auto* timer : waiting_) timer->cancel();
}

net::awaitable<bool> test_signal::wait_until(std::function<bool()> predicate,
                                             std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    net::steady_timer timer(executor_, deadline);
    auto registered = waiting_.insert(waiting_.end(), &timer);
    co_await timer.async_wait(use_tuple);  // expired or notified: either way, look again
    waiting_.erase(registered);
  }
  co_return true;
}

fake_api_server::fake_api_server(net::any_io_executor executor, const pem_pair& certificate, handler reply,
                                 const std::string& client_ca_pem)
    : executor_(executor),
      tls_(net::ssl::context::tls_server),
      reply_(std::move(reply)),
      acceptor_(executor, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
      port_(std::to_string(acceptor_.local_endpoint().port())),
      changed_(executor) {
  tls_.use_certificate_chain(net::buffer(certificate.cert));
  tls_.use_private_key(net::buffer(certificate.key), net::ssl::context::pem);
  if (!client_ca_pem.empty()) {
    tls_.add_certificate_authority(net::buffer(client_ca_pem));
    tls_.set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
  }
  net::co_spawn(executor_, accept_loop(), net::detached);
}

void fake_api_server::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto* socket : live_) socket->close(ec);
}

net::awaitable<void> fake_api_server::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (ec) co_return;
    net::co_spawn(executor_, session(std::move(socket)), net::detached);
  }
}

net::awaitable<void> fake_api_server::session(tcp::socket socket) {
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls_);
  auto& tcp_socket = beast::get_lowest_layer(stream).socket();
  auto registered = live_.insert(live_.end(), &tcp_socket);
  std::size_t index = ++accepted_;
  auto [handshake_ec] = co_await stream.async_handshake(net::ssl::stream_base::server, use_tuple);
  beast::flat_buffer buffer;
  for (bool open = !handshake_ec; open;) {
    http::request<http::string_body> req;
    if (auto [ec, n] = co_await http::async_read(stream, buffer, req, use_tuple); ec) break;
    fake_request seen{std::string(req.method_string()), std::string(req.target()), req.body(), {}, index};
    for (const auto& field : req) seen.headers[lower(field.name_string())] = std::string(field.value());
    requests_.push_back(std::move(seen));
    changed_.notify();
    fake_reply reply = reply_(requests_.back());
    if (reply.never_answer) continue;  // the client gives up and closes, which ends the read above
    open = co_await write_reply(stream, reply) && !reply.close && !reply.hang_up;
  }
  boost::system::error_code ec;
  tcp_socket.close(ec);
  live_.erase(registered);
  ++closed_;
  changed_.notify();
}

}  // namespace rolloutd::testing
