#include "kube/request_path.hpp"

#include <gtest/gtest.h>

namespace rolloutd::kube {
namespace {

const resource_type configmaps{"", "v1", "configmaps", true};
const resource_type deployments{"apps", "v1", "deployments", true};
const resource_type nodes{"", "v1", "nodes", false};

TEST(RequestPath, ApiPrefix) {
  EXPECT_EQ(configmaps.api_prefix(), "/api/v1");
  EXPECT_EQ(deployments.api_prefix(), "/apis/apps/v1");
}

TEST(RequestPath, ResourcePaths) {
  struct row {
    resource_type type;
    std::string ns, name, subresource, want;
  };
  const row rows[] = {
      {configmaps, "default", "", "", "/api/v1/namespaces/default/configmaps"},
      {configmaps, "", "", "", "/api/v1/configmaps"},  // all namespaces
      {configmaps, "ns", "cm", "", "/api/v1/namespaces/ns/configmaps/cm"},
      {deployments, "ns", "web", "scale", "/apis/apps/v1/namespaces/ns/deployments/web/scale"},
      {deployments, "ns", "web", "status", "/apis/apps/v1/namespaces/ns/deployments/web/status"},
      {nodes, "ignored", "n1", "", "/api/v1/nodes/n1"},  // cluster-scoped: no namespace segment
      {configmaps, "ns", "", "status", "/api/v1/namespaces/ns/configmaps"},  // no subresource of a collection
      // A name cannot add path segments or a query.
      {configmaps, "a/b", "x/../y?z=1#f", "", "/api/v1/namespaces/a%2Fb/configmaps/x%2F..%2Fy%3Fz%3D1%23f"},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(resource_path(r.type, r.ns, r.name, r.subresource), r.want) << r.want;
  }
}

TEST(RequestPath, PercentEncoding) {
  const std::pair<std::string, std::string> rows[] = {
      {"plain-name_1.2~x", "plain-name_1.2~x"},
      {"app=web,tier in (a,b)", "app%3Dweb%2Ctier%20in%20%28a%2Cb%29"},
      {"a!=b", "a%21%3Db"},
      {"metadata.name=x&y", "metadata.name%3Dx%26y"},
      {"+%", "%2B%25"},
      {std::string("\xC3\xA9\x00", 3), "%C3%A9%00"},
  };
  for (const auto& [in, want] : rows) EXPECT_EQ(percent_encode(in), want) << want;
}

TEST(RequestPath, ValidPathSegment) {
  EXPECT_TRUE(valid_path_segment("web"));
  EXPECT_TRUE(valid_path_segment("..."));
  EXPECT_FALSE(valid_path_segment(""));
  EXPECT_FALSE(valid_path_segment("."));
  EXPECT_FALSE(valid_path_segment(".."));
}

TEST(RequestPath, ListAndWatchQueries) {
  struct row {
    std::string label;
    list_options options;
    bool watch;
    std::string want;
  };
  const row rows[] = {
      {"empty list", {}, false, ""},
      {"empty watch", {}, true, "watch=true"},
      {"selectors",
       {.label_selector = "app=web,tier notin (x)", .field_selector = "metadata.name!=a"},
       false,
       "labelSelector=app%3Dweb%2Ctier%20notin%20%28x%29&fieldSelector=metadata.name%21%3Da"},
      {"paging",
       {.limit = 50, .continue_token = "eyJ2Ijoi+/="},
       false,
       "limit=50&continue=eyJ2Ijoi%2B%2F%3D"},
      {"consistent list",
       {.resource_version = "123", .resource_version_match = "NotOlderThan"},
       false,
       "resourceVersion=123&resourceVersionMatch=NotOlderThan"},
      {"watch options",
       {.label_selector = "a=b",
        .resource_version = "77",
        .timeout_seconds = 60,
        .allow_watch_bookmarks = true},
       true,
       "watch=true&labelSelector=a%3Db&resourceVersion=77&allowWatchBookmarks=true&timeoutSeconds=60"},
      // Paging and resourceVersionMatch are list-only; the API server rejects them on a watch.
      {"watch drops list-only options",
       {.limit = 5, .continue_token = "c", .resource_version_match = "Exact"},
       true,
       "watch=true"},
      {"bookmarks are watch-only", {.allow_watch_bookmarks = true}, false, ""},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(encode_query(list_query(r.options, r.watch)), r.want) << r.label;
  }
}

TEST(RequestPath, WithQuery) {
  EXPECT_EQ(with_query("/api/v1/pods", {}), "/api/v1/pods");
  EXPECT_EQ(with_query("/api/v1/pods", {{"limit", "1"}, {"a b", "c&d"}}), "/api/v1/pods?limit=1&a%20b=c%26d");
}

}  // namespace
}  // namespace rolloutd::kube
