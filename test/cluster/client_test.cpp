// The API client against the real kube-apiserver: CRUD and each patch type on ConfigMaps,
// optimistic concurrency, pagination, delete preconditions, the status and scale subresources of a
// Deployment, a watch stream, and TLS verification failing cleanly.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <set>

#include "cluster_fixture.hpp"

namespace rolloutd::testing {
namespace {

using kube::json;
using kube::patch_type;

const kube::resource_type configmaps{"", "v1", "configmaps", true};
const kube::resource_type deployments{"apps", "v1", "deployments", true};

json configmap(const std::string& name, const json& data, const json& labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"data", data}};
}

std::string resource_version(const json& object) {
  return object["metadata"]["resourceVersion"].get<std::string>();
}

using client_cluster = cluster_test;

TEST_F(client_cluster, ConfigMapCrudAndEachPatchType) {
  auto created = await(client->create(configmaps, ns, configmap("cm", {{"a", "1"}})));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ((*created)["metadata"]["namespace"], ns);

  auto got = await(client->get(configmaps, ns, "cm"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ((*got)["data"], json({{"a", "1"}}));

  json changed = *got;
  changed["data"]["b"] = "2";
  auto updated = await(client->update(configmaps, ns, changed));
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_NE(resource_version(*updated), resource_version(*got));
  EXPECT_EQ((*updated)["data"], json({{"a", "1"}, {"b", "2"}}));

  // Merge patch: null deletes a key.
  auto merged = await(
      client->patch(configmaps, ns, "cm", patch_type::json_merge, {{"data", {{"a", nullptr}, {"c", "3"}}}}));
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ((*merged)["data"], json({{"b", "2"}, {"c", "3"}}));

  // JSON patch, including a test op that guards the change.
  json ops = json::array({{{"op", "test"}, {"path", "/data/b"}, {"value", "2"}},
                          {{"op", "replace"}, {"path", "/data/b"}, {"value", "20"}},
                          {{"op", "add"}, {"path", "/metadata/labels"}, {"value", {{"tier", "web"}}}}});
  auto json_patched = await(client->patch(configmaps, ns, "cm", patch_type::json, ops));
  ASSERT_TRUE(json_patched.ok()) << json_patched.error().message;
  EXPECT_EQ((*json_patched)["data"]["b"], "20");
  EXPECT_EQ((*json_patched)["metadata"]["labels"]["tier"], "web");

  json failing_test = json::array({{{"op", "test"}, {"path", "/data/b"}, {"value", "nope"}}});
  auto rejected = await(client->patch(configmaps, ns, "cm", patch_type::json, failing_test));
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code, 422);

  auto strategic = await(client->patch(configmaps, ns, "cm", patch_type::strategic_merge,
                                       {{"metadata", {{"labels", {{"track", "stable"}}}}}}));
  ASSERT_TRUE(strategic.ok()) << strategic.error().message;
  EXPECT_EQ((*strategic)["metadata"]["labels"], json({{"tier", "web"}, {"track", "stable"}}));

  auto removed = await(client->remove(configmaps, ns, "cm"));
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  auto gone = await(client->get(configmaps, ns, "cm"));
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(gone.error().not_found());
  EXPECT_EQ(gone.error().reason, "NotFound");
  EXPECT_NE(gone.error().message.find("\"cm\""), std::string::npos) << gone.error().message;
}

TEST_F(client_cluster, StaleUpdateGetsConflict) {
  auto created = await(client->create(configmaps, ns, configmap("cm", {{"a", "1"}})));
  ASSERT_TRUE(created.ok()) << created.error().message;
  json first = *created;
  first["data"]["a"] = "2";
  auto updated = await(client->update(configmaps, ns, first));
  ASSERT_TRUE(updated.ok()) << updated.error().message;

  json stale = *created;  // still carries the original resourceVersion
  stale["data"]["a"] = "3";
  auto conflicted = await(client->update(configmaps, ns, stale));
  ASSERT_FALSE(conflicted.ok());
  EXPECT_TRUE(conflicted.error().conflict());
  EXPECT_EQ(conflicted.error().reason, "Conflict");

  auto now = await(client->get(configmaps, ns, "cm"));
  ASSERT_TRUE(now.ok());
  EXPECT_EQ((*now)["data"]["a"], "2");  // the stale write changed nothing
}

TEST_F(client_cluster, ListPaginatesWithLimitAndContinue) {
  std::set<std::string> want;
  for (int i = 0; i < 5; ++i) {
    std::string name = "page-" + std::to_string(i);
    ASSERT_TRUE(await(client->create(configmaps, ns, configmap(name, {}, {{"set", "paged"}}))).ok());
    want.insert(name);
  }
  ASSERT_TRUE(await(client->create(configmaps, ns, configmap("other", {}, {{"set", "other"}}))).ok());

  std::set<std::string> seen;
  std::vector<std::size_t> page_sizes;
  kube::list_options options{.label_selector = "set in (paged)", .limit = 2};
  for (int pages = 0; pages < 10; ++pages) {
    auto page = await(client->list(configmaps, ns, options));
    ASSERT_TRUE(page.ok()) << page.error().message;
    page_sizes.push_back((*page)["items"].size());
    for (const auto& item : (*page)["items"]) seen.insert(item["metadata"]["name"].get<std::string>());
    options.continue_token = page->value("/metadata/continue"_json_pointer, std::string{});
    if (options.continue_token.empty()) break;
  }
  EXPECT_EQ(seen, want);
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{2, 2, 1}));

  auto by_field = await(client->list(configmaps, ns, {.field_selector = "metadata.name=other"}));
  ASSERT_TRUE(by_field.ok()) << by_field.error().message;
  ASSERT_EQ((*by_field)["items"].size(), 1u);
  EXPECT_EQ((*by_field)["items"][0]["metadata"]["name"], "other");
}

TEST_F(client_cluster, DeleteWithPreconditionMismatchFails) {
  auto created = await(client->create(configmaps, ns, configmap("cm", {})));
  ASSERT_TRUE(created.ok()) << created.error().message;
  std::string uid = (*created)["metadata"]["uid"];

  auto wrong_uid = await(client->remove(configmaps, ns, "cm", {.precondition_uid = "not-" + uid}));
  ASSERT_FALSE(wrong_uid.ok());
  EXPECT_TRUE(wrong_uid.error().conflict()) << wrong_uid.error().message;

  auto wrong_version = await(client->remove(configmaps, ns, "cm", {.precondition_resource_version = "1"}));
  ASSERT_FALSE(wrong_version.ok());
  EXPECT_TRUE(wrong_version.error().conflict()) << wrong_version.error().message;
  EXPECT_TRUE(await(client->get(configmaps, ns, "cm")).ok());  // still there

  auto removed = await(client->remove(configmaps, ns, "cm",
                                      {.propagation_policy = "Background",
                                       .precondition_uid = uid,
                                       .precondition_resource_version = resource_version(*created)}));
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_TRUE(await(client->get(configmaps, ns, "cm")).error().not_found());
}

TEST_F(client_cluster, DeploymentScaleAndStatusSubresources) {
  json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "web"}}},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec",
           {{"containers", json::array({{{"name", "web"}, {"image", "registry.invalid/web:1"}}})}}}}}}}};
  ASSERT_TRUE(await(client->create(deployments, ns, deployment)).ok());

  auto scale = await(client->get(deployments, ns, "web", "scale"));
  ASSERT_TRUE(scale.ok()) << scale.error().message;
  EXPECT_EQ((*scale)["kind"], "Scale");
  EXPECT_EQ((*scale)["spec"]["replicas"], 1);

  // The Deployment controller writes the object's status concurrently, which moves the
  // resourceVersion under us: read-modify-write retries on conflict, as any client must.
  json wanted;
  kube::result<json> rescaled = kube::api_error{};
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto current = await(client->get(deployments, ns, "web", "scale"));
    ASSERT_TRUE(current.ok()) << current.error().message;
    wanted = *current;
    wanted["spec"]["replicas"] = 3;
    rescaled = await(client->update(deployments, ns, wanted, "scale"));
    if (rescaled.ok() || !rescaled.error().conflict()) break;
  }
  ASSERT_TRUE(rescaled.ok()) << rescaled.error().message;
  auto read_back = await(client->get(deployments, ns, "web", "scale"));
  ASSERT_TRUE(read_back.ok());
  EXPECT_EQ((*read_back)["spec"]["replicas"], 3);
  EXPECT_EQ((*await(client->get(deployments, ns, "web")))["spec"]["replicas"], 3);

  auto patched = await(
      client->patch(deployments, ns, "web", patch_type::json_merge, {{"spec", {{"replicas", 2}}}}, "scale"));
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ((*patched)["spec"]["replicas"], 2);

  // A scale write with a stale resourceVersion is a conflict like any other update.
  auto stale_scale = await(client->update(deployments, ns, wanted, "scale"));
  ASSERT_FALSE(stale_scale.ok());
  EXPECT_TRUE(stale_scale.error().conflict());

  // The status subresource answers with the whole object and ignores spec changes.
  auto status = await(client->get(deployments, ns, "web", "status"));
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ((*status)["kind"], "Deployment");
  auto via_status = await(
      client->patch(deployments, ns, "web", patch_type::json_merge, {{"spec", {{"replicas", 7}}}}, "status"));
  ASSERT_TRUE(via_status.ok()) << via_status.error().message;
  EXPECT_EQ((*await(client->get(deployments, ns, "web")))["spec"]["replicas"], 2);
}

TEST_F(client_cluster, WatchStreamsChangesInOrder) {
  auto list = await(client->list(configmaps, ns, {}));
  ASSERT_TRUE(list.ok()) << list.error().message;
  std::string from = (*list)["metadata"]["resourceVersion"];

  std::string buffered;
  std::vector<std::string> events;  // "TYPE name"
  kube::result<kube::void_value> watched = kube::void_value{};
  bool watch_done = false;
  // Only "w": the root-CA publisher may add kube-root-ca.crt to the new namespace meanwhile.
  kube::list_options options{
      .field_selector = "metadata.name=w", .resource_version = from, .timeout_seconds = 20};
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        watched = co_await client->watch(configmaps, ns, options, [&](std::string_view piece) {
          buffered += piece;
          for (auto nl = buffered.find('\n'); nl != std::string::npos; nl = buffered.find('\n')) {
            json event = json::parse(buffered.substr(0, nl), nullptr, false);
            buffered.erase(0, nl + 1);
            if (!event.is_object()) continue;
            events.push_back(event.value("type", "") + " " + event["object"]["metadata"].value("name", ""));
            if (event.value("type", "") == "DELETED") return false;
          }
          return true;
        });
        watch_done = true;
      },
      boost::asio::detached);
  ASSERT_TRUE(await(client->create(configmaps, ns, configmap("w", {{"n", "1"}}))).ok());
  ASSERT_TRUE(
      await(client->patch(configmaps, ns, "w", patch_type::json_merge, {{"data", {{"n", "2"}}}})).ok());
  ASSERT_TRUE(await(client->remove(configmaps, ns, "w")).ok());
  io.restart();
  io.run();  // until the watch has seen DELETED (or its 20 s server-side timeout)
  ASSERT_TRUE(watch_done);
  EXPECT_TRUE(watched.ok()) << watched.error().message;
  EXPECT_EQ(events, (std::vector<std::string>{"ADDED w", "MODIFIED w", "DELETED w"}));
}

TEST_F(client_cluster, TlsWithTheWrongCaFailsCleanly) {
  kube::cluster_config wrong = *config;
  wrong.ca_pem.clear();  // the system store, which does not know the local cluster's CA
  auto wrong_client = make_client(wrong);
  auto got = await(wrong_client->get(configmaps, ns, "anything"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, 0);
  EXPECT_EQ(got.error().reason, "TLSHandshakeFailed");
  EXPECT_NE(got.error().message.find("certificate"), std::string::npos) << got.error().message;

  kube::cluster_config insecure = wrong;
  insecure.insecure_skip_tls_verify = true;
  auto unverified = await(make_client(insecure)->get(configmaps, ns, "anything"));
  ASSERT_FALSE(unverified.ok());
  EXPECT_TRUE(unverified.error().not_found()) << unverified.error().message;  // it got through
}

TEST_F(client_cluster, HostNameIsVerifiedAgainstDnsNames) {
  kube::cluster_config by_name = *config;
  by_name.host = "localhost";  // the serving certificate names localhost as well as 127.0.0.1
  auto got = await(make_client(by_name)->get(configmaps, ns, "anything"));
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().not_found()) << got.error().message;
}

}  // namespace
}  // namespace rolloutd::testing
