#include "kube/label_selector.hpp"

#include <gtest/gtest.h>

namespace rolloutd::kube {
namespace {

using json = nlohmann::json;

TEST(LabelSelector, StringFormMatches) {
  const json labels = {{"app", "web"}, {"tier", "front"}, {"replicas", "5"}, {"empty", ""}};
  struct row {
    const char* selector;
    bool matches;
  };
  const row rows[] = {
      {"", true},
      {"app=web", true},
      {"app==web", true},
      {"app=db", false},
      {"app!=db", true},
      {"app!=web", false},
      {"missing!=x", true},
      {"app", true},
      {"missing", false},
      {"!missing", true},
      {"!app", false},
      {"app in (db, web)", true},
      {"app in (db)", false},
      {"missing in (db)", false},
      {"app notin (db,cache)", true},
      {"app notin (web)", false},
      {"missing notin (web)", true},
      {"app=web,tier=front", true},
      {" app = web , tier = back ", false},
      {"empty=", true},
      {"empty in ()", true},
      {"app in (,web)", true},
      {"app=", false},
      {"replicas>4", true},
      {"replicas>5", false},
      {"replicas<6", true},
      {"app>1", false},  // not a number: no match rather than an error
      {"example.com/role in (x), app", false},
  };
  for (const auto& r : rows) {
    std::string error;
    auto selector = label_selector::parse(r.selector, &error);
    ASSERT_TRUE(selector.has_value()) << r.selector << ": " << error;
    EXPECT_EQ(selector->matches(labels), r.matches) << r.selector;
  }
}

TEST(LabelSelector, StringFormSyntaxErrors) {
  const char* bad[] = {"=web",     "app=web tier=x", "app in web", "app in (a", "app ~ x",
                       "app=web,", "!app=web",       "app>x",      "a,,b",      "app in (a b)"};
  for (const char* text : bad) {
    std::string error;
    EXPECT_FALSE(label_selector::parse(text, &error).has_value()) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

TEST(LabelSelector, JsonForm) {
  const json labels = {{"app", "web"}, {"track", "canary"}};
  struct row {
    json selector;
    bool matches;
  };
  const row rows[] = {
      {json::object(), true},
      {nullptr, false},
      {{{"matchLabels", {{"app", "web"}}}}, true},
      {{{"matchLabels", {{"app", "web"}, {"track", "stable"}}}}, false},
      {{{"matchExpressions", {{{"key", "track"}, {"operator", "In"}, {"values", {"canary", "stable"}}}}}},
       true},
      {{{"matchExpressions", {{{"key", "track"}, {"operator", "NotIn"}, {"values", {"canary"}}}}}}, false},
      {{{"matchExpressions", {{{"key", "app"}, {"operator", "Exists"}}}}}, true},
      {{{"matchExpressions", {{{"key", "app"}, {"operator", "DoesNotExist"}}}}}, false},
      {{{"matchLabels", {{"app", "web"}}},
        {"matchExpressions", {{{"key", "gone"}, {"operator", "DoesNotExist"}, {"values", nullptr}}}}},
       true},
  };
  for (const auto& r : rows) {
    std::string error;
    auto selector = label_selector::from_json(r.selector, &error);
    ASSERT_TRUE(selector.has_value()) << r.selector.dump() << ": " << error;
    EXPECT_EQ(selector->matches(labels), r.matches) << r.selector.dump();
  }
}

TEST(LabelSelector, JsonFormErrors) {
  const json bad[] = {
      "app=web",
      {{"matchLabels", {{"app", 1}}}},
      {{"matchLabels", json::array()}},
      {{"matchExpressions", json::object()}},
      {{"matchExpressions", {{{"operator", "In"}, {"values", {"a"}}}}}},
      {{"matchExpressions", {{{"key", "a"}, {"operator", "Like"}, {"values", {"a"}}}}}},
      {{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}},
      {{"matchExpressions", {{{"key", "a"}, {"operator", "Exists"}, {"values", {"x"}}}}}},
      {{"matchExpressions", {{{"key", "a"}, {"operator", "In"}, {"values", {1}}}}}},
  };
  for (const auto& selector : bad) {
    std::string error;
    EXPECT_FALSE(label_selector::from_json(selector, &error).has_value()) << selector.dump();
    EXPECT_FALSE(error.empty()) << selector.dump();
  }
}

TEST(LabelSelector, ObjectsWithoutLabels) {
  auto has_app = *label_selector::parse("app");
  auto no_app = *label_selector::parse("!app");
  const json objects[] = {
      json::object(), {{"metadata", json::object()}}, {{"metadata", {{"labels", nullptr}}}}, 42};
  for (const auto& object : objects) {
    EXPECT_FALSE(has_app.matches_object(object)) << object.dump();
    EXPECT_TRUE(no_app.matches_object(object)) << object.dump();
  }
  EXPECT_TRUE(has_app.matches_object({{"metadata", {{"labels", {{"app", "x"}}}}}}));
}

}  // namespace
}  // namespace rolloutd::kube
