// The API client reports every exchange to client_options::on_request, and rolloutd wires that to
// rolloutd_api_requests_total and rolloutd_api_request_duration_seconds. These tests run the real
// client against the in-process HTTPS server and read the counts from the exposition text.

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "client_fixture.hpp"
#include "metrics/registry.hpp"
#include "metrics_text.hpp"

namespace rolloutd::testing {
namespace {

namespace net = boost::asio;
using kube::client;
using kube::json;

const kube::resource_type replica_sets{"apps", "v1", "replicasets", true};
const kube::resource_type policies{"rolloutd.io", "v1alpha1", "rolloutpolicies", true};

fake_reply status_reply(unsigned code, const std::string& reason) {
  return fake_reply{.status = code,
                    .body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":")" + reason +
                            R"(","message":"scripted","code":)" + std::to_string(code) + "}"};
}

// Built outside the coroutines: GCC 12 miscompiles braced initializer lists inside a coroutine body.
json status_patch() {
  return json{{"status", {{"phase", "Healthy"}}}};
}
json new_replica_set() {
  return json{{"metadata", {{"name", "web-abc"}}}};
}

class MetricsApiRequests : public client_fixture {
 protected:
  kube::client_options observed_options() {
    auto options = fast_options();
    options.on_request = [this](const kube::request_observation& r) {
      m.observe_api_request(r.verb, r.resource, r.code, std::chrono::duration<double>(r.latency).count());
    };
    return options;
  }
  [[nodiscard]] std::optional<double> requests(const std::string& verb, const std::string& resource,
                                               const std::string& code) const {
    return parse_exposition(m.render_text())
        .value("rolloutd_api_requests_total", {{"verb", verb}, {"resource", resource}, {"code", code}});
  }
  [[nodiscard]] std::optional<double> timed(const std::string& verb, const std::string& resource) const {
    return parse_exposition(m.render_text())
        .value("rolloutd_api_request_duration_seconds_count", {{"verb", verb}, {"resource", resource}});
  }

  manual_clock metrics_clock;
  metrics m{metrics_clock};
};

TEST_F(MetricsApiRequests, CountedByVerbResourceAndCode) {
  int flaky_calls = 0;
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request& req) {
    if (req.target.find("/replicasets/missing") != std::string::npos) return status_reply(404, "NotFound");
    if (req.target.find("/replicasets/flaky") != std::string::npos && flaky_calls++ == 0) {
      return status_reply(503, "ServiceUnavailable");  // retried: a GET is idempotent
    }
    if (req.method == "PATCH") return status_reply(409, "Conflict");
    return fake_reply{.body = R"({"kind":"Thing","metadata":{"name":"x"},"items":[]})"};
  });
  client c(io.get_executor(), config_for(server), observed_options(), clock);
  const kube::list_options everything;
  const json patch = status_patch();
  const json body = new_replica_set();
  (void)run<int>(server, [&]() -> net::awaitable<int> {
    (void)co_await c.get(replica_sets, "shop", "web");
    (void)co_await c.get(replica_sets, "shop", "web");
    (void)co_await c.get(replica_sets, "shop", "missing");
    (void)co_await c.get(replica_sets, "shop", "flaky");
    (void)co_await c.get(replica_sets, "shop", "web", "scale");
    (void)co_await c.list(replica_sets, "shop", everything);
    (void)co_await c.create(replica_sets, "shop", body);
    (void)co_await c.patch(policies, "shop", "web", kube::patch_type::json_merge, patch, "status");
    (void)co_await c.remove(replica_sets, "shop", "web-old");
    (void)co_await c.get(replica_sets, "shop", "..");  // refused before sending: not a request
    co_return 0;
  });
  EXPECT_EQ(requests("GET", "replicasets", "200"), 3.0) << "web twice, flaky's retry";
  EXPECT_EQ(requests("GET", "replicasets", "404"), 1.0);
  EXPECT_EQ(requests("GET", "replicasets", "503"), 1.0) << "every attempt counts";
  EXPECT_EQ(requests("GET", "replicasets/scale", "200"), 1.0);
  EXPECT_EQ(requests("LIST", "replicasets", "200"), 1.0);
  EXPECT_EQ(requests("CREATE", "replicasets", "200"), 1.0);
  EXPECT_EQ(requests("PATCH", "rolloutpolicies/status", "409"), 1.0);
  EXPECT_EQ(requests("DELETE", "replicasets", "200"), 1.0);
  EXPECT_EQ(timed("GET", "replicasets"), 5.0);
  EXPECT_EQ(timed("PATCH", "rolloutpolicies/status"), 1.0);
  EXPECT_EQ(server.requests().size(), 10U) << "nine calls sent, one of them twice";
}

// A watch lasts as long as the server keeps it open; it is counted (and timed) when its headers
// arrive, so the first event is handed over after the request is already on the books.
TEST_F(MetricsApiRequests, AWatchIsCountedWhenItsHeadersArrive) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) {
    return fake_reply{
        .chunks = {"{\"type\":\"ADDED\",\"object\":{}}\n", "{\"type\":\"DELETED\",\"object\":{}}\n"}};
  });
  client c(io.get_executor(), config_for(server), observed_options(), clock);
  std::optional<double> counted_at_first_event;
  const kube::list_options options{.resource_version = "7", .timeout_seconds = 30};
  auto watched = run<kube::status>(server, [&]() {
    return c.watch(replica_sets, "shop", options, [&](std::string_view) {
      if (!counted_at_first_event)
        counted_at_first_event = requests("WATCH", "replicasets", "200").value_or(0);
      return true;
    });
  });
  ASSERT_TRUE(watched.ok());
  EXPECT_EQ(counted_at_first_event, 1.0);
  EXPECT_EQ(requests("WATCH", "replicasets", "200"), 1.0) << "once, not again when the stream ends";
  EXPECT_EQ(timed("WATCH", "replicasets"), 1.0);
}

TEST_F(MetricsApiRequests, ARejectedWatchIsCountedWithItsCode) {
  fake_api_server server(io.get_executor(), server_cert,
                         [](const fake_request&) { return status_reply(410, "Expired"); });
  client c(io.get_executor(), config_for(server), observed_options(), clock);
  const kube::list_options options{.resource_version = "7"};
  auto watched = run<kube::status>(server, [&]() {
    return c.watch(replica_sets, "shop", options, [](std::string_view) { return true; });
  });
  EXPECT_FALSE(watched.ok());
  EXPECT_EQ(requests("WATCH", "replicasets", "410"), 1.0);
}

TEST_F(MetricsApiRequests, NoResponseIsCodeError) {
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) { return fake_reply{}; });
  auto config = config_for(server);
  {
    // A port nobody listens on: every attempt fails to connect.
    net::ip::tcp::acceptor closed(io, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    config.port = std::to_string(closed.local_endpoint().port());
  }
  client c(io.get_executor(), config, observed_options(), clock);
  (void)run<int>(server, [&]() -> net::awaitable<int> {
    (void)co_await c.get(replica_sets, "shop", "web");
    co_return 0;
  });
  const auto failures = requests("GET", "replicasets", "error");
  ASSERT_TRUE(failures.has_value());
  EXPECT_GE(*failures, 1.0);
  EXPECT_LE(*failures, 1.0 + fast_options().max_retries);
}

}  // namespace
}  // namespace rolloutd::testing
