#include "kube/informer_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace rolloutd::kube {
namespace {

using json = nlohmann::json;

struct spec {
  std::string ns = "default";
  std::string name;
  std::string rv = "1";
  json labels = json::object();
  std::vector<std::pair<std::string, bool>> owners{};  // uid, controller
};

json make(const spec& s) {
  json owners = json::array();
  for (const auto& [uid, controller] : s.owners) {
    owners.push_back({{"apiVersion", "apps/v1"},
                      {"kind", "ReplicaSet"},
                      {"name", "o"},
                      {"uid", uid},
                      {"controller", controller}});
  }
  json metadata = {
      {"name", s.name}, {"resourceVersion", s.rv}, {"labels", s.labels}, {"ownerReferences", owners}};
  if (!s.ns.empty()) metadata["namespace"] = s.ns;
  return {{"kind", "Pod"}, {"metadata", metadata}, {"data", {{"rv", s.rv}}}};
}

std::vector<std::string> keys(const std::vector<object_ptr>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(informer_cache::key_of(*o));
  std::sort(out.begin(), out.end());
  return out;
}

using strings = std::vector<std::string>;

// Records every notification as one line, e.g. "update ns/a 1->2".
struct recorder {
  std::vector<std::string> log;
  cache_handlers handlers() {
    auto rv = [](const object_ptr& o) { return (*o)["metadata"].value("resourceVersion", std::string{}); };
    return {
        [this, rv](const object_ptr& o) { log.push_back("add " + informer_cache::key_of(*o) + " " + rv(o)); },
        [this, rv](const object_ptr& a, const object_ptr& b) {
          log.push_back("update " + informer_cache::key_of(*b) + " " + rv(a) + "->" + rv(b));
        },
        [this, rv](const object_ptr& o) {
          log.push_back("delete " + informer_cache::key_of(*o) + " " + rv(o));
        },
    };
  }
};

TEST(InformerCache, IndexesByNamespaceAndOwner) {
  informer_cache cache;
  cache.replace_all({make({"a", "p1", "1", {}, {{"rs-1", true}}}),
                     make({"a", "p2", "1", {}, {{"rs-1", true}, {"x", false}}}),
                     make({"b", "p3", "1", {}, {{"rs-2", true}}}),
                     make({"b", "p4", "1", {}, {{"rs-1", false}}}), make({"", "node-1"})});
  EXPECT_EQ(cache.size(), 5u);
  EXPECT_EQ(keys(cache.list_namespace("a")), (strings{"a/p1", "a/p2"}));
  EXPECT_EQ(keys(cache.list_namespace("")), (strings{"node-1"}));
  EXPECT_TRUE(cache.list_namespace("nope").empty());
  EXPECT_EQ(keys(cache.list_owned_by("rs-1")), (strings{"a/p1", "a/p2", "b/p4"}));
  EXPECT_EQ(keys(cache.list_owned_by("rs-1", /*controller_only=*/true)), (strings{"a/p1", "a/p2"}));
  EXPECT_EQ(keys(cache.list_owned_by("x")), (strings{"a/p2"}));
  EXPECT_TRUE(cache.list_owned_by("x", true).empty());
  ASSERT_NE(cache.get("b", "p3"), nullptr);
  EXPECT_EQ((*cache.get("b", "p3"))["metadata"]["name"], "p3");
  EXPECT_NE(cache.get("", "node-1"), nullptr);
  EXPECT_EQ(cache.get("a", "p3"), nullptr);

  // Indexes follow changes: p2 loses its owners, p1 is deleted.
  EXPECT_TRUE(cache.upsert(make({"a", "p2", "2"})));
  EXPECT_TRUE(cache.remove(make({"a", "p1", "3"})));
  EXPECT_EQ(keys(cache.list_owned_by("rs-1")), (strings{"b/p4"}));
  EXPECT_TRUE(cache.list_owned_by("x").empty());
  EXPECT_EQ(keys(cache.list_namespace("a")), (strings{"a/p2"}));
  EXPECT_TRUE(cache.remove(make({"a", "p2", "4"})));
  EXPECT_TRUE(cache.list_namespace("a").empty());
}

TEST(InformerCache, SelectorQueries) {
  informer_cache cache;
  cache.replace_all({make({"a", "web-1", "1", {{"app", "web"}, {"track", "stable"}}}),
                     make({"a", "web-2", "1", {{"app", "web"}, {"track", "canary"}}}),
                     make({"b", "web-3", "1", {{"app", "web"}}}), make({"b", "db-1", "1", {{"app", "db"}}})});
  struct row {
    const char* selector;
    std::optional<std::string_view> ns;
    strings expect;
  };
  const row rows[] = {
      {"app=web", std::nullopt, {"a/web-1", "a/web-2", "b/web-3"}},
      {"app=web", "a", {"a/web-1", "a/web-2"}},
      {"app=web,track!=canary", std::nullopt, {"a/web-1", "b/web-3"}},
      {"track", std::nullopt, {"a/web-1", "a/web-2"}},
      {"app in (db)", "a", {}},
      {"", "b", {"b/db-1", "b/web-3"}},
      {"app=web", "missing", {}},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(keys(cache.select(*label_selector::parse(r.selector), r.ns)), r.expect) << r.selector;
  }
  EXPECT_TRUE(cache.select(label_selector::nothing()).empty());
}

TEST(InformerCache, ReplaceAllNotifiesTheDifference) {
  informer_cache cache;
  recorder rec;
  ASSERT_TRUE(cache.add_handlers(rec.handlers()));
  auto counts = cache.replace_all({make({"n", "a", "1"}), make({"n", "b", "1"}), make({"n", "c", "1"})});
  EXPECT_EQ(counts.added, 3u);
  auto a_before = cache.get("n", "a");
  rec.log.clear();

  // As after a re-list: a unchanged, b modified, c deleted while the watch was down, d new.
  counts = cache.replace_all({make({"n", "a", "1"}), make({"n", "b", "5"}), make({"n", "d", "6"})});
  EXPECT_EQ(counts.added, 1u);
  EXPECT_EQ(counts.updated, 1u);
  EXPECT_EQ(counts.deleted, 1u);
  EXPECT_EQ(counts.unchanged, 1u);
  std::sort(rec.log.begin(), rec.log.end());
  EXPECT_EQ(rec.log, (strings{"add n/d 6", "delete n/c 1", "update n/b 1->5"}));
  EXPECT_EQ(cache.get("n", "a"), a_before);  // the unchanged object is the same shared copy
  EXPECT_EQ(keys(cache.list()), (strings{"n/a", "n/b", "n/d"}));

  rec.log.clear();
  cache.replace_all({});
  EXPECT_EQ(rec.log.size(), 3u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(InformerCache, StaleAndReplayedEventsAreNotDelivered) {
  informer_cache cache;
  recorder rec;
  ASSERT_TRUE(cache.add_handlers(rec.handlers()));
  struct row {
    enum { upsert, remove } op;
    const char* name;
    const char* rv;
    bool changed;
  };
  const row rows[] = {
      {row::upsert, "a", "10", true}, {row::upsert, "a", "10", false},  // same version: nothing new
      {row::upsert, "a", "9", false},                                   // older: a replay
      {row::upsert, "a", "11", true}, {row::remove, "a", "5", false},   // a delete older than the cached copy
      {row::remove, "a", "12", true}, {row::remove, "a", "13", false},  // already gone
      {row::upsert, "a", "14", true}, {row::upsert, "a", "abc", true},  // not a number: any change is new
  };
  for (const auto& r : rows) {
    bool changed = r.op == row::upsert ? cache.upsert(make({"n", r.name, r.rv}))
                                       : cache.remove(make({"n", r.name, r.rv}));
    EXPECT_EQ(changed, r.changed) << r.name << "@" << r.rv;
  }
  EXPECT_EQ(rec.log, (strings{"add n/a 10", "update n/a 10->11", "delete n/a 12", "add n/a 14",
                              "update n/a 14->abc"}));
}

TEST(InformerCache, ReadersKeepTheVersionTheyGot) {
  informer_cache cache;
  EXPECT_TRUE(cache.upsert(make({"n", "a", "1"})));
  auto held = cache.get("n", "a");
  EXPECT_TRUE(cache.upsert(make({"n", "a", "2"})));
  EXPECT_TRUE(cache.remove(make({"n", "a", "3"})));
  EXPECT_EQ((*held)["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(cache.get("n", "a"), nullptr);
}

TEST(InformerCache, ManagedFieldsAreStrippedUnlessAskedToKeepThem) {
  auto with_fields = [] {
    json o = make({"n", "a", "1"});
    o["metadata"]["managedFields"] =
        json::array({{{"manager", "kubectl"}, {"fieldsV1", {{"f:data", json::object()}}}}});
    return o;
  };
  informer_cache frugal;
  frugal.replace_all({with_fields()});
  EXPECT_FALSE((*frugal.get("n", "a"))["metadata"].contains("managedFields"));
  EXPECT_TRUE(frugal.upsert([&] {
    auto o = with_fields();
    o["metadata"]["resourceVersion"] = "2";
    return o;
  }()));
  EXPECT_FALSE((*frugal.get("n", "a"))["metadata"].contains("managedFields"));

  informer_cache keeping(cache_options{.strip_managed_fields = false});
  keeping.replace_all({with_fields()});
  EXPECT_TRUE((*keeping.get("n", "a"))["metadata"].contains("managedFields"));
}

TEST(InformerCache, ObjectsWithoutANameAreIgnored) {
  informer_cache cache;
  EXPECT_FALSE(cache.upsert({{"metadata", {{"namespace", "n"}}}}));
  EXPECT_FALSE(cache.upsert(json::array()));
  EXPECT_FALSE(cache.remove({{"metadata", 7}}));
  cache.replace_all({json::object(), make({"n", "a"})});
  EXPECT_EQ(cache.size(), 1u);
}

TEST(InformerCache, HandlersAreFixedOnceWritesBegin) {
  informer_cache cache;
  EXPECT_TRUE(cache.add_handlers({}));
  cache.replace_all({});
  EXPECT_FALSE(cache.add_handlers({}));
}

TEST(InformerCache, HandlersSeeTheChangeInTheCache) {
  informer_cache cache;
  std::vector<std::size_t> sizes;
  ASSERT_TRUE(cache.add_handlers({[&](const object_ptr&) { sizes.push_back(cache.size()); },
                                  {},
                                  [&](const object_ptr& o) {
                                    sizes.push_back(
                                        cache.get_by_key(informer_cache::key_of(*o)) ? 99 : cache.size());
                                  }}));
  EXPECT_TRUE(cache.upsert(make({"n", "a", "1"})));
  EXPECT_TRUE(cache.upsert(make({"n", "b", "1"})));
  EXPECT_TRUE(cache.remove(make({"n", "a", "2"})));
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 2, 1}));
}

// Readers on several threads query while one writer churns; every object a reader gets must be
// whole (its data matches its resourceVersion) and the final state must be what the writer left.
TEST(InformerCache, ConcurrentReadsWhileWriting) {
  informer_cache cache;
  std::atomic<bool> done{false};
  std::atomic<std::size_t> reads{0};
  std::atomic<std::size_t> torn{0};
  auto check = [&](const object_ptr& o) {
    if (!o || (*o)["data"]["rv"] != (*o)["metadata"]["resourceVersion"]) ++torn;
  };
  auto app = *label_selector::parse("app=web");
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      while (!done.load()) {
        switch (t) {
          case 0:
            for (const auto& o : cache.list()) check(o);
            break;
          case 1:
            for (const auto& o : cache.select(app, "n1")) check(o);
            break;
          default:
            for (const auto& o : cache.list_owned_by("owner")) check(o);
            if (auto o = cache.get("n0", "obj-3")) check(o);
        }
        ++reads;
      }
    });
  }
  int rv = 1;
  for (int round = 0; round < 20; ++round) {
    std::vector<json> items;
    for (int i = 0; i < 20; ++i) {
      items.push_back(make({"n" + std::to_string(i % 2),
                            "obj-" + std::to_string(i),
                            std::to_string(rv++),
                            {{"app", "web"}},
                            {{"owner", true}}}));
    }
    cache.replace_all(std::move(items));
    for (int i = 0; i < 20; ++i) {
      std::string ns = "n" + std::to_string(i % 2);
      std::string name = "obj-" + std::to_string(i);
      if (i % 3 == 0)
        cache.remove(make({ns, name, std::to_string(rv++)}));
      else
        cache.upsert(make({ns, name, std::to_string(rv++), {{"app", "web"}}, {{"owner", true}}}));
    }
  }
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(cache.size(), 13u);  // 20 objects less the 7 with i % 3 == 0
  EXPECT_EQ(cache.list_owned_by("owner").size(), 13u);
}

}  // namespace
}  // namespace rolloutd::kube
