#include "metrics/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "metrics/listen_address.hpp"
#include "metrics/registry.hpp"
#include "metrics_text.hpp"

namespace rolloutd {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// How long a test waits for the server before calling it broken; only reached when it is.
constexpr auto patience = 20s;

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = steady::now() + patience;
  while (!condition()) {
    if (steady::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A raw loopback TCP client, so the tests control every byte and every pause.
class raw_client {
 public:
  explicit raw_client(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;
  ~raw_client() {
    if (fd_ >= 0) ::close(fd_);
  }

  [[nodiscard]] bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Everything the server sends until it closes the connection; closed() says whether it did
  // within the patience.
  std::string read_until_close() {
    std::string out;
    const auto deadline = steady::now() + patience;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      if (left <= 0ms) return out;
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;  // orderly close or reset
        return out;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  [[nodiscard]] bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

struct reply {
  int status = 0;
  std::string head;
  std::string body;
};

reply parse_reply(const std::string& raw) {
  reply r;
  const auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  r.head = raw.substr(0, head_end);
  r.body = raw.substr(head_end + 4);
  return r;
}

reply get(unsigned short port, const std::string& target) {
  raw_client c(port);
  EXPECT_TRUE(c.connected());
  c.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  const auto raw = c.read_until_close();
  EXPECT_TRUE(c.closed()) << target;
  return parse_reply(raw);
}

struct fixture {
  std::atomic<bool> ready{false};
  std::atomic<bool> live{true};
  std::function<std::string()> metrics_text = [] { return std::string("x 1\n"); };

  http_server_start start(http_server_options options = {}) {
    return http_server::start(
        parse_listen_address("127.0.0.1:0").endpoint,
        http_handlers{
            .metrics = [this] { return metrics_text(); },
            .live = [this] { return live ? probe_result{.ok = true} : probe_result{.reason = "stuck"}; },
            .ready =
                [this] {
                  return ready ? probe_result{.ok = true} : probe_result{.reason = "caches not synced"};
                },
        },
        options);
  }
};

TEST(MetricsHttp, ServesMetricsHealthAndReadinessOnAKernelChosenPort) {
  manual_clock clock;
  metrics m(clock, "1.2.3");
  fixture f;
  f.metrics_text = [&m] { return m.render_text(); };
  const auto started = f.start();
  ASSERT_TRUE(started.ok()) << started.error;
  const auto port = started.server->local_endpoint().port();
  ASSERT_NE(port, 0);

  const auto metrics_reply = get(port, "/metrics");
  EXPECT_EQ(metrics_reply.status, 200);
  EXPECT_NE(metrics_reply.head.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_EQ(
      testing::parse_exposition(metrics_reply.body).value("rolloutd_build_info", {{"version", "1.2.3"}}),
      1.0);
  EXPECT_EQ(get(port, "/metrics?name[]=x").status, 200);

  const auto health = get(port, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok");

  const auto not_ready = get(port, "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(not_ready.body, "caches not synced");
  f.ready = true;
  const auto is_ready = get(port, "/readyz");
  EXPECT_EQ(is_ready.status, 200);
  EXPECT_EQ(is_ready.body, "ok");

  EXPECT_EQ(get(port, "/").status, 404);
  EXPECT_EQ(get(port, "/metricsx").status, 404);
  EXPECT_EQ(get(port, "/healthz/../metrics").status, 404);
}

TEST(MetricsHttp, HealthzFailsWhenTheHeartbeatIsStale) {
  manual_clock clock;
  heartbeat beat(clock);
  const auto started = http_server::start(parse_listen_address("127.0.0.1:0").endpoint,
                                          http_handlers{.metrics = [] { return std::string(); },
                                                        .live = [&] { return beat.check(30s); },
                                                        .ready = [] { return probe_result{.ok = true}; }});
  ASSERT_TRUE(started.ok()) << started.error;
  const auto port = started.server->local_endpoint().port();

  clock.advance(30s);
  EXPECT_EQ(get(port, "/healthz").status, 200);
  clock.advance(1s);
  const auto stale = get(port, "/healthz");
  EXPECT_EQ(stale.status, 500);
  EXPECT_NE(stale.body.find("31s"), std::string::npos) << stale.body;
  beat.beat();
  EXPECT_EQ(get(port, "/healthz").status, 200);
}

TEST(MetricsHttp, OnlyGetIsServed) {
  fixture f;
  const auto started = f.start();
  ASSERT_TRUE(started.ok()) << started.error;
  raw_client c(started.server->local_endpoint().port());
  c.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  const auto r = parse_reply(c.read_until_close());
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.head.find("Allow: GET"), std::string::npos);
}

TEST(MetricsHttp, KeepAliveServesSeveralRequestsOnOneConnection) {
  fixture f;
  const auto started = f.start();
  ASSERT_TRUE(started.ok()) << started.error;
  raw_client c(started.server->local_endpoint().port());
  c.send(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: "
      "close\r\n\r\n");
  const auto raw = c.read_until_close();
  EXPECT_TRUE(c.closed());
  const auto second = raw.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << raw;
  EXPECT_EQ(parse_reply(raw.substr(0, second)).body, "ok");
  EXPECT_EQ(parse_reply(raw.substr(second)).body, "x 1\n");
}

TEST(MetricsHttp, ClientsThatSendNothingOrTooLittleAreCutByTheReadDeadline) {
  fixture f;
  constexpr auto read_timeout = 150ms;
  const auto started = f.start({.read_timeout = read_timeout});
  ASSERT_TRUE(started.ok()) << started.error;
  const auto port = started.server->local_endpoint().port();
  for (const std::string sent : {"", "GET /metrics HTTP/1.1\r\nHost: x\r\n"}) {
    SCOPED_TRACE("sent " + std::to_string(sent.size()) + " bytes");
    const auto began = steady::now();
    raw_client c(port);
    ASSERT_TRUE(c.send(sent));
    const auto raw = c.read_until_close();
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(raw, "");  // no answer to a request that never completed
    EXPECT_GE(steady::now() - began, read_timeout);
  }
  EXPECT_TRUE(eventually([&] { return started.server->open_connections() == 0; }));
}

TEST(MetricsHttp, RequestsBeyondTheSizeLimitAreRefused) {
  fixture f;
  const auto started = f.start({.max_request_bytes = 1024});
  ASSERT_TRUE(started.ok()) << started.error;
  raw_client c(started.server->local_endpoint().port());
  c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(4096, 'a') + "\r\n\r\n");
  const auto r = parse_reply(c.read_until_close());
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(r.status, 431);
}

TEST(MetricsHttp, MalformedRequestsGet400AndAreClosed) {
  fixture f;
  const auto started = f.start();
  ASSERT_TRUE(started.ok()) << started.error;
  for (const std::string garbage :
       {"GET /metrics HTTQ/1.1\r\n\r\n", "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n",
        "\x01\x02\x03 / HTTP/1.1\r\n\r\n"}) {
    raw_client c(started.server->local_endpoint().port());
    c.send(garbage);
    const auto r = parse_reply(c.read_until_close());
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(r.status, 400) << garbage;
  }
}

// The listener faces the pod network: anyone there can open connections and say nothing. A new
// connection beyond the limit makes room by closing the oldest, so idle clients cannot starve the
// kubelet's probes (which would have the controller restarted).
TEST(MetricsHttp, ANewConnectionBeyondTheLimitClosesTheOldest) {
  fixture f;
  const auto started = f.start({.read_timeout = 60s, .max_connections = 1});
  ASSERT_TRUE(started.ok()) << started.error;
  const auto port = started.server->local_endpoint().port();
  raw_client idle(port);
  ASSERT_TRUE(eventually([&] { return started.server->open_connections() == 1; }));
  raw_client probe(port);
  probe.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(parse_reply(probe.read_until_close()).status, 200);
  idle.read_until_close();
  EXPECT_TRUE(idle.closed());
}

TEST(MetricsHttp, TwoHundredIdleConnectionsDoNotStarveTheProbes) {
  fixture f;
  f.ready = true;
  const auto started = f.start({.read_timeout = 60s});
  ASSERT_TRUE(started.ok()) << started.error;
  const auto port = started.server->local_endpoint().port();
  std::vector<std::unique_ptr<raw_client>> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<raw_client>(port));
  ASSERT_TRUE(eventually([&] { return started.server->open_connections() == 64; }));
  for (const char* path : {"/healthz", "/readyz", "/healthz"}) {
    raw_client probe(port);
    probe.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(parse_reply(probe.read_until_close()).status, 200) << path;
  }
  EXPECT_LE(started.server->open_connections(), 64u);
}

TEST(MetricsHttp, StoppingTheServerClosesOpenConnections) {
  fixture f;
  auto started = f.start({.read_timeout = 60s});
  ASSERT_TRUE(started.ok()) << started.error;
  const auto port = started.server->local_endpoint().port();
  raw_client idle(port);
  ASSERT_TRUE(eventually([&] { return started.server->open_connections() == 1; }));
  started.server.reset();
  idle.read_until_close();
  EXPECT_TRUE(idle.closed());
  EXPECT_FALSE(raw_client(port).connected());
}

TEST(MetricsHttp, StartFailuresAreErrorsNotExceptions) {
  fixture f;
  const auto first = f.start();
  ASSERT_TRUE(first.ok()) << first.error;
  const auto taken = boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(),
                                                    first.server->local_endpoint().port());
  const auto second = http_server::start(taken, {.metrics = [] { return std::string(); },
                                                 .live = [] { return probe_result{.ok = true}; },
                                                 .ready = [] { return probe_result{.ok = true}; }});
  EXPECT_FALSE(second.ok());
  EXPECT_NE(second.error.find("bind"), std::string::npos) << second.error;

  const auto missing = http_server::start(parse_listen_address("127.0.0.1:0").endpoint, {});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error.find("handler"), std::string::npos);
}

TEST(ListenAddress, ParsesWhatMetricsAddrAccepts) {
  struct row {
    std::string text;
    std::string address;  // empty: must be refused
    unsigned short port;
  };
  const std::vector<row> rows = {
      {"127.0.0.1:8080", "127.0.0.1", 8080},
      {":8080", "0.0.0.0", 8080},
      {"0.0.0.0:0", "0.0.0.0", 0},
      {"localhost:9090", "127.0.0.1", 9090},
      {"[::1]:8443", "::1", 8443},
      {"[::]:65535", "::", 65535},
      {"127.0.0.1", "", 0},
      {"127.0.0.1:", "", 0},
      {"127.0.0.1:65536", "", 0},
      {"127.0.0.1:-1", "", 0},
      {"127.0.0.1:80x", "", 0},
      {"::1:8080", "", 0},
      {"[127.0.0.1]:80", "", 0},
      {"example.com:80", "", 0},
      {"", "", 0},
  };
  for (const auto& r : rows) {
    const auto parsed = parse_listen_address(r.text);
    if (r.address.empty()) {
      EXPECT_FALSE(parsed.ok()) << r.text;
      EXPECT_NE(parsed.error.find(r.text), std::string::npos) << parsed.error;
      continue;
    }
    ASSERT_TRUE(parsed.ok()) << r.text << ": " << parsed.error;
    EXPECT_EQ(parsed.endpoint.address().to_string(), r.address) << r.text;
    EXPECT_EQ(parsed.endpoint.port(), r.port) << r.text;
  }
}

}  // namespace
}  // namespace rolloutd
