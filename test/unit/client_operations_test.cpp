// What each typed operation puts on the wire (method, path, query, headers, body) and how answers
// come back, against the in-process HTTPS server.

#include "client_fixture.hpp"

namespace rolloutd::testing {
namespace {

namespace net = boost::asio;
using kube::client;
using kube::json;
using json_result = kube::result<json>;

const kube::resource_type configmaps{"", "v1", "configmaps", true};
const kube::resource_type deployments{"apps", "v1", "deployments", true};

// Answers every request with 200 and a copy of what it got, so tests look at the requests.
fake_reply echo(const fake_request&) {
  return fake_reply{.body = R"({"kind":"Echo"})"};
}

json body_of(const fake_request& req) {
  return json::parse(req.body, nullptr, false);
}

// Built outside the coroutines: GCC 12 miscompiles braced initializer lists inside a coroutine body.
json configmap(const std::string& name, const std::string& resource_version) {
  return json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", resource_version}}},
              {"data", {{"k", "v"}}}};
}

using client_operations = client_fixture;

TEST_F(client_operations, RequestShapes) {
  fake_api_server server(io.get_executor(), server_cert, echo);
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  const json cm = configmap("cm", "41");
  const json merge = {{"data", {{"k", "v2"}}}};
  const json ops = json::array({{{"op", "replace"}, {"path", "/data/k"}, {"value", "v3"}}});
  const json scale = {{"metadata", {{"name", "web"}}}, {"spec", {{"replicas", 3}}}};
  const kube::list_options page{.label_selector = "app in (web,api)", .limit = 2, .continue_token = "tok="};
  const kube::delete_options orphan_if_unchanged{
      .propagation_policy = "Orphan", .precondition_uid = "u-1", .precondition_resource_version = "41"};
  int ok = run<int>(server, [&]() -> net::awaitable<int> {
    int n = 0;
    n += (co_await c.get(configmaps, "ns", "cm")).ok();
    n += (co_await c.list(configmaps, "ns", page)).ok();
    n += (co_await c.create(configmaps, "", cm)).ok();  // the namespace comes from the object
    n += (co_await c.update(configmaps, "ns", cm)).ok();
    n += (co_await c.patch(configmaps, "ns", "cm", kube::patch_type::json_merge, merge)).ok();
    n += (co_await c.patch(configmaps, "ns", "cm", kube::patch_type::json, ops)).ok();
    n += (co_await c.patch(deployments, "ns", "web", kube::patch_type::strategic_merge, merge)).ok();
    n += (co_await c.get(deployments, "ns", "web", "scale")).ok();
    n += (co_await c.update(deployments, "ns", scale, "scale")).ok();
    n += (co_await c.remove(configmaps, "ns", "cm")).ok();
    n += (co_await c.remove(configmaps, "ns", "cm", orphan_if_unchanged)).ok();
    co_return n;
  });
  EXPECT_EQ(ok, 11);

  struct want {
    std::string method, target, content_type;
  };
  const want wants[] = {
      {"GET", "/api/v1/namespaces/ns/configmaps/cm", ""},
      {"GET",
       "/api/v1/namespaces/ns/configmaps?labelSelector=app%20in%20%28web%2Capi%29&limit=2&continue=tok%3D",
       ""},
      {"POST", "/api/v1/namespaces/ns/configmaps", "application/json"},
      {"PUT", "/api/v1/namespaces/ns/configmaps/cm", "application/json"},
      {"PATCH", "/api/v1/namespaces/ns/configmaps/cm", "application/merge-patch+json"},
      {"PATCH", "/api/v1/namespaces/ns/configmaps/cm", "application/json-patch+json"},
      {"PATCH", "/apis/apps/v1/namespaces/ns/deployments/web", "application/strategic-merge-patch+json"},
      {"GET", "/apis/apps/v1/namespaces/ns/deployments/web/scale", ""},
      {"PUT", "/apis/apps/v1/namespaces/ns/deployments/web/scale", "application/json"},
      {"DELETE", "/api/v1/namespaces/ns/configmaps/cm", ""},
      {"DELETE", "/api/v1/namespaces/ns/configmaps/cm", "application/json"},
  };
  const auto& seen = server.requests();
  ASSERT_EQ(seen.size(), std::size(wants));
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].method, wants[i].method) << i;
    EXPECT_EQ(seen[i].target, wants[i].target) << i;
    auto ct = seen[i].headers.find("content-type");
    EXPECT_EQ(ct == seen[i].headers.end() ? "" : ct->second, wants[i].content_type) << i;
    EXPECT_EQ(seen[i].headers.at("accept"), "application/json") << i;
    EXPECT_EQ(seen[i].headers.at("user-agent"), "rolloutd") << i;
    EXPECT_EQ(seen[i].headers.at("host"), "127.0.0.1:" + server.port()) << i;
    EXPECT_FALSE(seen[i].headers.contains("authorization")) << i;  // no token configured
  }
  EXPECT_EQ(body_of(seen[2]), cm);
  EXPECT_EQ(body_of(seen[3]), cm);  // resourceVersion travels with the update
  EXPECT_EQ(body_of(seen[4]), merge);
  EXPECT_EQ(body_of(seen[5]), ops);
  EXPECT_EQ(body_of(seen[8]), scale);
  EXPECT_TRUE(seen[9].body.empty());
  EXPECT_EQ(body_of(seen[10]),
            json::parse(R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Orphan",
                                              "preconditions":{"uid":"u-1","resourceVersion":"41"}})"));
}

TEST_F(client_operations, BearerTokenIsReadForEveryRequest) {
  fake_api_server server(io.get_executor(), server_cert, echo);
  auto config = config_for(server);
  config.token = std::make_shared<scripted_token>(std::vector<std::string>{"first", "rotated"});
  client c(io.get_executor(), config, fast_options(), clock);
  run<int>(server, [&]() -> net::awaitable<int> {
    co_await c.get(configmaps, "ns", "a");
    co_await c.get(configmaps, "ns", "a");
    co_return 0;
  });
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[0].headers.at("authorization"), "Bearer first");
  EXPECT_EQ(server.requests()[1].headers.at("authorization"), "Bearer rotated");
}

TEST_F(client_operations, AnswersBecomeValuesOrErrors) {
  struct row {
    std::string label;
    fake_reply reply;
    bool ok;
    int code;
    std::string reason;
  };
  const row rows[] = {
      {"object", {.body = R"({"kind":"ConfigMap"})"}, true, 0, ""},
      {"conflict",
       {.status = 409, .body = R"({"kind":"Status","reason":"Conflict","message":"modified","code":409})"},
       false,
       409,
       "Conflict"},
      {"not found",
       {.status = 404, .body = R"({"kind":"Status","reason":"NotFound","code":404})"},
       false,
       404,
       "NotFound"},
      {"HTML error page", {.status = 502, .body = "<html>bad gateway</html>"}, false, 502, "Unknown"},
      {"2xx that is not JSON", {.body = "not json"}, false, 200, "MalformedResponse"},
  };
  std::size_t next = 0;
  fake_api_server server(io.get_executor(), server_cert,
                         [&](const fake_request&) { return rows[next++].reply; });
  auto options = fast_options();
  options.max_retries = 0;
  client c(io.get_executor(), config_for(server), options, clock);
  auto results = run<std::vector<json_result>>(server, [&]() -> net::awaitable<std::vector<json_result>> {
    std::vector<json_result> out;
    for (std::size_t i = 0; i < std::size(rows); ++i) out.push_back(co_await c.get(configmaps, "ns", "a"));
    co_return out;
  });
  for (std::size_t i = 0; i < std::size(rows); ++i) {
    EXPECT_EQ(results[i].ok(), rows[i].ok) << rows[i].label;
    if (!results[i].ok()) {
      EXPECT_EQ(results[i].error().code, rows[i].code) << rows[i].label;
      EXPECT_EQ(results[i].error().reason, rows[i].reason) << rows[i].label;
      EXPECT_FALSE(results[i].error().message.empty()) << rows[i].label;
    }
  }
  EXPECT_TRUE(results[1].error().conflict());
  EXPECT_TRUE(results[2].error().not_found());
}

TEST_F(client_operations, UnaddressableCallsFailWithoutARequest) {
  fake_api_server server(io.get_executor(), server_cert, echo);
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  const json nameless = {{"metadata", {{"namespace", "ns"}}}};
  const json nowhere = {{"metadata", {{"name", "a"}}}};
  auto results = run<std::vector<json_result>>(server, [&]() -> net::awaitable<std::vector<json_result>> {
    std::vector<json_result> out;
    out.push_back(co_await c.get(configmaps, "", "a"));            // namespaced, no namespace
    out.push_back(co_await c.get(configmaps, "ns", ""));           // no name
    out.push_back(co_await c.get(configmaps, "ns", ".."));         // a relative path, not a name
    out.push_back(co_await c.update(configmaps, "ns", nameless));  // no metadata.name
    out.push_back(co_await c.create(configmaps, "", nowhere));     // no namespace anywhere
    out.push_back(co_await c.remove(configmaps, ".", "a"));
    co_return out;
  });
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_FALSE(results[i].ok()) << i;
    EXPECT_EQ(results[i].error().reason, "InvalidRequest") << i;
  }
  EXPECT_TRUE(server.requests().empty());
}

// Eviction goes to the pod's eviction subresource; a PodDisruptionBudget's refusal (429) is
// returned at once, where a throttled request would be retried.
TEST_F(client_operations, EvictionPostsAPolicyV1EvictionAndDoesNotRetryA429) {
  int seen = 0;
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request&) {
    if (++seen == 1) return fake_reply{.status = 201, .body = R"({"kind":"Status","status":"Success"})"};
    return fake_reply{.status = 429, .body = R"({"kind":"Status","reason":"TooManyRequests","code":429})"};
  });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  auto results = run<std::vector<json_result>>(server, [&]() -> net::awaitable<std::vector<json_result>> {
    std::vector<json_result> out;
    out.push_back(co_await c.evict("ns", "web-1"));
    out.push_back(co_await c.evict("ns", "web-2"));
    out.push_back(co_await c.evict("ns", ""));
    co_return out;
  });
  const auto& first = results[0];
  const auto& refused = results[1];
  const auto& unnamed = results[2];
  EXPECT_TRUE(first.ok()) << first.error().message;
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, 429);
  EXPECT_FALSE(unnamed.ok());
  const auto& requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);  // one attempt for the refused eviction; none without a name
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/api/v1/namespaces/ns/pods/web-1/eviction");
  EXPECT_EQ(body_of(requests[0]), json::parse(R"({"apiVersion": "policy/v1", "kind": "Eviction",
                                                  "metadata": {"name": "web-1", "namespace": "ns"}})"));
  EXPECT_EQ(requests[1].target, "/api/v1/namespaces/ns/pods/web-2/eviction");
}

// A create with strict field validation or as a dry run says so in its query, and the answer's
// Warning headers (several headers, several warnings in one) reach the caller, on success and on
// failure alike.
TEST_F(client_operations, CreateOptionsAndWarnings) {
  int seen = 0;
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request&) {
    fake_reply reply{.status = 201, .body = R"({"kind":"ConfigMap"})"};
    reply.headers = {{"Warning", R"(299 - "first")"}, {"Warning", R"(299 - "second", 299 - "third")"}};
    if (++seen == 3) {
      reply.status = 400;
      reply.body =
          R"({"kind":"Status","code":400,"reason":"BadRequest","message":"strict decoding error: unknown field \"spec.x\""})";
    }
    return reply;
  });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  const json cm = configmap("cm", "");
  kube::write_options strict;
  strict.field_validation = "Strict";
  strict.warnings = std::make_shared<std::vector<std::string>>();
  kube::write_options dry_run;
  dry_run.dry_run = true;
  dry_run.field_validation = "Strict";
  dry_run.warnings = std::make_shared<std::vector<std::string>>();
  auto results = run<std::vector<json_result>>(server, [&]() -> net::awaitable<std::vector<json_result>> {
    std::vector<json_result> out;
    out.push_back(co_await c.create(configmaps, "ns", cm, strict));
    out.push_back(co_await c.create(configmaps, "ns", cm));
    out.push_back(co_await c.create(configmaps, "ns", cm, dry_run));
    co_return out;
  });
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].ok());
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().code, 400);
  const std::vector<std::string> three{"first", "second", "third"};
  EXPECT_EQ(*strict.warnings, three);
  EXPECT_EQ(*dry_run.warnings, three);
  const auto& requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].target, "/api/v1/namespaces/ns/configmaps?fieldValidation=Strict");
  EXPECT_EQ(requests[1].target, "/api/v1/namespaces/ns/configmaps");
  EXPECT_EQ(requests[2].target, "/api/v1/namespaces/ns/configmaps?dryRun=All&fieldValidation=Strict");
}

}  // namespace
}  // namespace rolloutd::testing
