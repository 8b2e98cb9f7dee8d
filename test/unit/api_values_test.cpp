// The small value types of the api layer: int-or-percent, label selectors, timestamps, name
// syntax and quantities.

#include <gtest/gtest.h>

#include "api/int_or_percent.hpp"
#include "api/label_selector.hpp"
#include "api/quantity.hpp"
#include "api/syntax.hpp"
#include "api/timestamp.hpp"

namespace rolloutd::api {
namespace {

using json = nlohmann::json;

// GetScaledValueFromIntOrPercent's results.
TEST(IntOrPercent, ResolvesLikeKubernetes) {
  struct row {
    int_or_percent v;
    std::int32_t total;
    std::int64_t up, down;
  };
  const row rows[] = {
      {int_or_percent::percent(25), 10, 3, 2},
      {int_or_percent::percent(25), 4, 1, 1},
      {int_or_percent::percent(25), 3, 1, 0},
      {int_or_percent::percent(33), 3, 1, 0},
      {int_or_percent::percent(0), 3, 0, 0},
      {int_or_percent::percent(100), 3, 3, 3},
      {int_or_percent::percent(200), 3, 6, 6},
      {int_or_percent::percent(1), 1, 1, 0},
      {int_or_percent::percent(50), 0, 0, 0},
      {int_or_percent::count(5), 3, 5, 5},
      {int_or_percent::count(0), 10, 0, 0},
      {int_or_percent::percent(2147483647), 2147483647, 46116860141324207, 46116860141324206},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(r.v.resolve(r.total, true), r.up) << r.v.to_string() << " of " << r.total;
    EXPECT_EQ(r.v.resolve(r.total, false), r.down) << r.v.to_string() << " of " << r.total;
  }
}

TEST(IntOrPercent, ReadsIntegersAndPercentStringsOnly) {
  EXPECT_EQ(int_or_percent::from_json(3), int_or_percent::count(3));
  EXPECT_EQ(int_or_percent::from_json("25%"), int_or_percent::percent(25));
  EXPECT_EQ(int_or_percent::from_json("0%"), int_or_percent::percent(0));
  EXPECT_EQ(int_or_percent::from_json(2147483647), int_or_percent::count(2147483647));
  for (const json& bad :
       {json("5"), json("-5%"), json("%"), json("2.5%"), json(" 25%"), json("25 %"), json(-1), json(2.0),
        json(2147483648), json("2147483648%"), json(true), json(nullptr), json::object(), json::array()}) {
    EXPECT_FALSE(int_or_percent::from_json(bad).has_value()) << bad.dump();
  }
}

TEST(IntOrPercent, RendersAsWritten) {
  EXPECT_EQ(int_or_percent::percent(25).to_string(), "25%");
  EXPECT_EQ(int_or_percent::count(3).to_json(), json(3));
  EXPECT_EQ(int_or_percent::percent(25).to_json(), json("25%"));
  EXPECT_TRUE(int_or_percent::percent(0).is_zero());
  EXPECT_FALSE(int_or_percent::percent(1).is_zero());
}

label_selector sample_selector() {
  using op = label_requirement::op;
  label_selector s;
  s.match_labels = {{"tier", "web"}, {"app", "hello"}};
  s.match_expressions = {{"track", op::in, {"stable", "canary"}},
                         {"legacy", op::does_not_exist, {}},
                         {"env", op::exists, {}},
                         {"zone", op::not_in, {"b", "a"}}};
  return s;
}

TEST(LabelSelector, MatchesEveryRequirement) {
  const auto s = sample_selector();
  const string_map good{
      {"app", "hello"}, {"tier", "web"}, {"track", "canary"}, {"env", "prod"}, {"zone", "c"}};
  EXPECT_TRUE(s.matches(good));
  const auto without = [&](const std::string& key) {
    auto l = good;
    l.erase(key);
    return l;
  };
  const auto with = [&](const std::string& key, const std::string& value) {
    auto l = good;
    l[key] = value;
    return l;
  };
  EXPECT_FALSE(s.matches(without("app")));
  EXPECT_FALSE(s.matches(with("app", "other")));
  EXPECT_FALSE(s.matches(with("track", "beta")));
  EXPECT_FALSE(s.matches(without("track")));
  EXPECT_FALSE(s.matches(with("legacy", "")));
  EXPECT_FALSE(s.matches(without("env")));
  EXPECT_FALSE(s.matches(with("zone", "a")));
  EXPECT_TRUE(s.matches(without("zone")));  // NotIn is satisfied by absence, as in Kubernetes
  EXPECT_TRUE(label_selector{}.matches({}));
  EXPECT_TRUE(label_selector{}.empty());
}

TEST(LabelSelector, RendersSortedByKeyForTheScaleSubresource) {
  EXPECT_EQ(sample_selector().to_string(),
            "app=hello,env,!legacy,tier=web,track in (canary,stable),zone notin (a,b)");
  label_selector simple;
  simple.match_labels = {{"app", "hello"}};
  EXPECT_EQ(simple.to_string(), "app=hello");
  EXPECT_EQ(label_selector{}.to_string(), "");
}

TEST(LabelSelector, ToJsonIsAMetav1LabelSelector) {
  const auto j = sample_selector().to_json();
  EXPECT_EQ(j["matchLabels"], (json{{"app", "hello"}, {"tier", "web"}}));
  EXPECT_EQ(j["matchExpressions"][0],
            (json{{"key", "track"}, {"operator", "In"}, {"values", {"stable", "canary"}}}));
  EXPECT_EQ(j["matchExpressions"][1], (json{{"key", "legacy"}, {"operator", "DoesNotExist"}}));
}

TEST(Timestamp, ParsesRfc3339) {
  using namespace std::chrono;
  const timestamp noon = sys_days{year{2026} / 1 / 31} + hours{12};
  EXPECT_EQ(parse_timestamp("2026-01-31T12:00:00Z"), noon);
  EXPECT_EQ(parse_timestamp("2026-01-31t12:00:00z"), noon);
  EXPECT_EQ(parse_timestamp("2026-01-31T12:00:00.999999Z"), noon);  // whole seconds, as metav1.Time
  EXPECT_EQ(parse_timestamp("2026-01-31T14:00:00+02:00"), noon);
  EXPECT_EQ(parse_timestamp("2026-01-31T06:30:00-05:30"), noon);
  EXPECT_EQ(parse_timestamp("2024-02-29T00:00:00Z"), timestamp{sys_days{year{2024} / 2 / 29}});
  for (const char* bad :
       {"", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-01-31 12:00:00Z", "2026-01-31T24:00:00Z",
        "2026-01-31T12:60:00Z", "2026-01-31T12:00:60Z", "2026-1-31T12:00:00Z", "2026-01-31T12:00:00",
        "2026-01-31T12:00:00.Z", "2026-01-31T12:00:00+0200", "2026-01-31T12:00:00+24:00",
        "2026-01-31T12:00:00Zjunk", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z"}) {
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
  }
}

TEST(Timestamp, FormatsAsTheApiServerDoes) {
  using namespace std::chrono;
  const timestamp t = sys_days{year{2026} / 3 / 4} + hours{5} + minutes{6} + seconds{7};
  EXPECT_EQ(format_timestamp(t), "2026-03-04T05:06:07Z");
  EXPECT_EQ(parse_timestamp(format_timestamp(t)), t);
  EXPECT_EQ(to_timestamp(system_clock::time_point(t) + milliseconds(999)), t);
}

TEST(Syntax, LabelKeysAndValues) {
  for (const char* good : {"app", "rolloutd.io/pod-template-hash", "a_b.c-D", "example.com/App", "x"}) {
    EXPECT_TRUE(is_qualified_name(good)) << good;
  }
  for (const char* bad : {"", "-a", "a-", "a/b/c", "/a", "a/", "Ex.com/a", "a b", "a..b.com/x", "-x.com/a"}) {
    EXPECT_FALSE(is_qualified_name(bad)) << bad;
  }
  EXPECT_TRUE(is_qualified_name(std::string(63, 'a')));
  EXPECT_FALSE(is_qualified_name(std::string(64, 'a')));
  for (const char* good : {"", "v1.0", "1.0.0", "hello_world", "A"})
    EXPECT_TRUE(is_label_value(good)) << good;
  for (const char* bad : {"-a", "a-", "a b", "a/b", "é"}) EXPECT_FALSE(is_label_value(bad)) << bad;
  EXPECT_TRUE(is_label_value(std::string(63, 'v')));
  EXPECT_FALSE(is_label_value(std::string(64, 'v')));
}

TEST(Syntax, DnsNames) {
  EXPECT_TRUE(is_dns1035_label("hello-canary"));
  EXPECT_FALSE(is_dns1035_label("1hello"));
  EXPECT_FALSE(is_dns1035_label("Hello"));
  EXPECT_FALSE(is_dns1035_label("a_b"));
  EXPECT_FALSE(is_dns1035_label(""));
  EXPECT_TRUE(is_dns1123_label("1hello"));
  EXPECT_FALSE(is_dns1123_label("hello."));
  EXPECT_FALSE(is_dns1123_label(std::string(64, 'a')));
  EXPECT_TRUE(is_dns1123_subdomain("hello.world-1"));
  EXPECT_FALSE(is_dns1123_subdomain("a..b"));
  EXPECT_FALSE(is_dns1123_subdomain(".a"));
  EXPECT_FALSE(is_dns1123_subdomain("a."));
  EXPECT_TRUE(is_dns1123_subdomain(std::string(253, 'a')));
  EXPECT_FALSE(is_dns1123_subdomain(std::string(254, 'a')));
}

TEST(Quantity, ExactValuesInNanoUnits) {
  struct row {
    const char* text;
    const char* nanos;
  };
  const row rows[] = {
      {"500m", "500000000"},
      {"0.5", "500000000"},
      {".5", "500000000"},
      {"1", "1000000000"},
      {"1000m", "1000000000"},
      {"1k", "1000000000000"},
      {"1e3", "1000000000000"},
      {"1E3", "1000000000000"},
      {"1e-3", "1000000"},
      {"1Ki", "1024000000000"},
      {"1Gi", "1073741824000000000"},
      {"1024Mi", "1073741824000000000"},
      {"1.5Gi", "1610612736000000000"},
      {"1n", "1"},
      {"0.1n", "1"},
      {"0", "0"},
      {"0.0", "0"},
      {"-0", "0"},
      {"-1", "-1000000000"},
      {"+2", "2000000000"},
      {"8Ei", "9223372036854775808000000000"},
  };
  for (const auto& r : rows) EXPECT_EQ(quantity_nanos(r.text), std::optional<std::string>(r.nanos)) << r.text;
  for (const char* bad : {"", "abc", "1.2.3", "1Xi", "Mi", "1 Gi", "1e", "1e+", "--1", ".", "1e1000",
                          "1234567890123456789012345678901234567", "99999999999999999999999999999999999Ei"}) {
    EXPECT_FALSE(quantity_nanos(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace rolloutd::api
