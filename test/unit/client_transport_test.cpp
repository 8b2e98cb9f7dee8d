// The client's transport against an in-process HTTPS server: connection reuse, deadlines,
// chunked streaming, retries and the rate limit.

#include <boost/asio/steady_timer.hpp>

#include "client_fixture.hpp"

namespace rolloutd::testing {
namespace {

namespace net = boost::asio;
using kube::client;
using kube::json;
using kube::result;
using std::chrono::milliseconds;
using json_result = result<json>;

const kube::resource_type configmaps{"", "v1", "configmaps", true};

// Built outside the coroutines: GCC 12 miscompiles braced initializer lists inside a coroutine body.
json named(const std::string& name) {
  return json{{"metadata", {{"name", name}}}};
}

fake_reply ok_reply() {
  return fake_reply{.body = R"({"kind":"ConfigMap","metadata":{"name":"a"}})"};
}

fake_reply status_reply(unsigned code, std::string reason) {
  return fake_reply{.status = code,
                    .body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":")" + reason +
                            R"(","message":"scripted","code":)" + std::to_string(code) + "}"};
}

using client_transport = client_fixture;

TEST_F(client_transport, KeepAliveReusesOneConnection) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) { return ok_reply(); });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  int ok = run<int>(server, [&]() -> net::awaitable<int> {
    int n = 0;
    for (int i = 0; i < 3; ++i) n += (co_await c.get(configmaps, "ns", "a")).ok() ? 1 : 0;
    co_return n;
  });
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST_F(client_transport, ConnectionCloseIsNotReused) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) {
    auto reply = ok_reply();
    reply.close = true;
    return reply;
  });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  int ok = run<int>(server, [&]() -> net::awaitable<int> {
    int n = (co_await c.get(configmaps, "ns", "a")).ok() ? 1 : 0;
    n += (co_await c.get(configmaps, "ns", "a")).ok() ? 1 : 0;
    co_return n;
  });
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(server.connections_accepted(), 2u);
}

// A server may close a kept-alive connection while it is idle. A POST must not be written to it:
// once sent it could not be retried, so the client has to notice the close beforehand.
TEST_F(client_transport, IdleConnectionClosedByServerIsNotUsedForPost) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request& req) {
    auto reply = ok_reply();
    if (req.method == "GET") reply.hang_up = true;
    if (req.method == "POST") reply.status = 201;
    return reply;
  });
  auto options = fast_options();
  client c(io.get_executor(), config_for(server), options, clock);
  auto created = run<json_result>(server, [&]() -> net::awaitable<json_result> {
    auto got = co_await c.get(configmaps, "ns", "a");
    EXPECT_TRUE(got.ok());
    bool closed = co_await server.changed().wait_until([&] { return server.connections_closed() == 1; },
                                                       milliseconds(5000));
    EXPECT_TRUE(closed);
    co_return co_await c.create(configmaps, "ns", named("a"));
  });
  EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[1].method, "POST");
  EXPECT_EQ(server.requests()[1].connection, 2u);
}

TEST_F(client_transport, DeadlineExpires) {
  fake_api_server server(io.get_executor(), server_cert,
                         [](const fake_request&) { return fake_reply{.never_answer = true}; });
  auto options = fast_options();
  options.request_timeout = milliseconds(300);
  options.max_retries = 1;  // a GET that timed out is retried once
  client c(io.get_executor(), config_for(server), options, clock);
  auto start = std::chrono::steady_clock::now();
  auto got = run<json_result>(server, [&]() { return c.get(configmaps, "ns", "a"); });
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().reason, "Timeout");
  EXPECT_TRUE(got.error().transport());
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_GE(elapsed, milliseconds(600));
}

TEST_F(client_transport, PatchIsNotRetriedAfterTimingOut) {
  fake_api_server server(io.get_executor(), server_cert,
                         [](const fake_request&) { return fake_reply{.never_answer = true}; });
  auto options = fast_options();
  options.request_timeout = milliseconds(200);
  client c(io.get_executor(), config_for(server), options, clock);
  auto got = run<json_result>(server, [&]() {
    return c.patch(configmaps, "ns", "a", kube::patch_type::json_merge, json{{"data", {{"k", "v"}}}});
  });
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().reason, "Timeout");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(client_transport, WatchDeliversChunksAsTheyArrive) {
  const std::vector<std::string> events = {
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}})"
      "\n",
      R"({"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"2"}}})"
      "\n",
      R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"3"}}})"
      "\n"};
  std::string received;
  test_signal received_more(io.get_executor());
  bool held_back = false;  // a chunk's gate timed out: the client sat on data it had
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request&) {
    fake_reply reply{.headers = {{"Content-Type", "application/json"}}, .chunks = events};
    // Chunk i goes out only once the client handed chunks 0..i-1 to its caller.
    reply.before_chunk = [&](std::size_t i) -> net::awaitable<void> {
      std::size_t want = 0;
      for (std::size_t k = 0; k < i; ++k) want += events[k].size();
      if (!co_await received_more.wait_until([&] { return received.size() >= want; }, milliseconds(5000))) {
        held_back = true;
      }
    };
    return reply;
  });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  kube::list_options options{.resource_version = "1", .timeout_seconds = 30, .allow_watch_bookmarks = true};
  auto watched = run<kube::status>(server, [&]() {
    return c.watch(configmaps, "ns", options, [&](std::string_view piece) {
      received += piece;
      received_more.notify();
      return true;
    });
  });
  EXPECT_TRUE(watched.ok()) << (watched.ok() ? "" : watched.error().message);
  EXPECT_FALSE(held_back);
  EXPECT_EQ(received, events[0] + events[1] + events[2]);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target,
            "/api/v1/namespaces/ns/"
            "configmaps?watch=true&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=30");
}

TEST_F(client_transport, WatchStopsWhenTheCallerIsDoneAndDropsTheConnection) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request& req) {
    if (req.target.find("watch=true") == std::string::npos) return ok_reply();
    return fake_reply{.chunks = {"{\"type\":\"ADDED\"}\n", "{\"type\":\"DELETED\"}\n"}};
  });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  int pieces = 0;
  const kube::list_options no_options;
  auto outcome = run<bool>(server, [&]() -> net::awaitable<bool> {
    auto watched = co_await c.watch(configmaps, "ns", no_options, [&](std::string_view) {
      ++pieces;
      return false;
    });
    auto got = co_await c.get(configmaps, "ns", "a");
    co_return watched.ok() && got.ok();
  });
  EXPECT_TRUE(outcome);
  EXPECT_EQ(pieces, 1);
  EXPECT_EQ(server.connections_accepted(), 2u);  // the half-read stream was not reused
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_NE(server.requests()[0].target.find("timeoutSeconds=300"), std::string::npos);  // never unbounded
}

TEST_F(client_transport, WatchRejectedWithStatusIsAnError) {
  fake_api_server server(io.get_executor(), server_cert,
                         [](const fake_request&) { return status_reply(403, "Forbidden"); });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  bool called = false;
  auto watched = run<kube::status>(server, [&]() {
    return c.watch(configmaps, "ns", {}, [&](std::string_view) { return called = true; });
  });
  ASSERT_FALSE(watched.ok());
  EXPECT_EQ(watched.error().code, 403);
  EXPECT_EQ(watched.error().reason, "Forbidden");
  EXPECT_FALSE(called);
}

TEST_F(client_transport, TooManyRequestsRetriesAreBounded) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) {
    auto reply = status_reply(429, "TooManyRequests");
    reply.headers = {{"Retry-After", "0"}};
    return reply;
  });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  auto created = run<json_result>(server, [&]() { return c.create(configmaps, "ns", named("a")); });
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, 429);
  EXPECT_EQ(created.error().reason, "TooManyRequests");
  EXPECT_EQ(server.requests().size(), 4u);  // the first attempt and max_retries (3) more, even for a POST
}

TEST_F(client_transport, TooManyRequestsThenSuccess) {
  int seen = 0;
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request&) {
    if (++seen == 1) {
      auto reply = status_reply(429, "TooManyRequests");
      reply.headers = {{"Retry-After", "1"}};
      return reply;
    }
    return fake_reply{.status = 201, .body = R"({"metadata":{"name":"a"}})"};
  });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  auto start = std::chrono::steady_clock::now();
  auto created = run<json_result>(server, [&]() { return c.create(configmaps, "ns", named("a")); });
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ((*created)["metadata"]["name"], "a");
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_GE(elapsed, milliseconds(1000));  // Retry-After: 1 was honoured
}

TEST_F(client_transport, ServerErrorsAreRetriedOnlyForIdempotentVerbs) {
  int seen = 0;
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request& req) {
    ++seen;
    if (req.method == "POST" || seen == 2) return status_reply(503, "ServiceUnavailable");
    return ok_reply();
  });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  struct outcome {
    json_result post;
    json_result get;
  };
  auto got = run<outcome>(server, [&]() -> net::awaitable<outcome> {
    auto post = co_await c.create(configmaps, "ns", named("a"));
    auto get = co_await c.get(configmaps, "ns", "a");
    co_return outcome{std::move(post), std::move(get)};
  });
  ASSERT_FALSE(got.post.ok());
  EXPECT_EQ(got.post.error().code, 503);
  EXPECT_TRUE(got.get.ok());
  ASSERT_EQ(server.requests().size(), 3u);  // POST once; GET answered 503, then again
  EXPECT_EQ(server.requests()[1].method, "GET");
  EXPECT_EQ(server.requests()[2].method, "GET");
}

TEST_F(client_transport, ConnectionRefusedIsATransportError) {
  std::string closed_port;
  {
    net::ip::tcp::acceptor probe(io, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    closed_port = std::to_string(probe.local_endpoint().port());
  }
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) { return ok_reply(); });
  auto config = config_for(server);
  config.port = closed_port;
  client c(io.get_executor(), config, fast_options(), clock);
  auto created = run<json_result>(server, [&]() { return c.create(configmaps, "ns", json::object()); });
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, 0);
  EXPECT_EQ(created.error().reason, "ConnectionFailed");
  EXPECT_NE(created.error().message.find(closed_port), std::string::npos) << created.error().message;
}

TEST_F(client_transport, RateLimitSpacesRequests) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) { return ok_reply(); });
  auto options = fast_options();
  options.qps = 20;
  options.burst = 1;
  client c(io.get_executor(), config_for(server), options, clock);
  auto start = std::chrono::steady_clock::now();
  run<int>(server, [&]() -> net::awaitable<int> {
    for (int i = 0; i < 3; ++i) co_await c.get(configmaps, "ns", "a");
    co_return 0;
  });
  // One token at once, then one every 50 ms.
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));
  EXPECT_EQ(server.requests().size(), 3u);
}

}  // namespace
}  // namespace rolloutd::testing
