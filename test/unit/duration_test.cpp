#include "api/duration.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace rolloutd::api {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr auto max_ns = std::numeric_limits<std::int64_t>::max();
constexpr auto min_ns = std::numeric_limits<std::int64_t>::min();

// The cases Go's time.ParseDuration accepts, with the values it returns.
TEST(Duration, ParsesWhatGoParses) {
  struct row {
    const char* text;
    nanoseconds want;
  };
  const row rows[] = {
      {"0", nanoseconds(0)},
      {"-0", nanoseconds(0)},
      {"+0", nanoseconds(0)},
      {"0s", nanoseconds(0)},
      {"30s", seconds(30)},
      {"-5s", seconds(-5)},
      {"+5s", seconds(5)},
      {"5.6s", milliseconds(5600)},
      {"5.s", seconds(5)},
      {".5s", milliseconds(500)},
      {"1.004s", milliseconds(1004)},
      {"100.00100s", milliseconds(100001)},
      {"10ns", nanoseconds(10)},
      {"11us", microseconds(11)},
      {"12\xC2\xB5s", microseconds(12)},  // U+00B5 micro sign
      {"12\xCE\xBCs", microseconds(12)},  // U+03BC Greek mu
      {"500ms", milliseconds(500)},
      {"15m", minutes(15)},
      {"2h", hours(2)},
      {"1m30s", seconds(90)},
      {"3h30m", minutes(210)},
      {"10.5s4m", minutes(4) + milliseconds(10500)},
      {"-2m3.4s", -(minutes(2) + milliseconds(3400))},
      {"1h2m3s4ms5us6ns",
       hours(1) + minutes(2) + seconds(3) + milliseconds(4) + microseconds(5) + nanoseconds(6)},
      {"0.3333333333333333333h", minutes(20)},
      {"0.830103483285477580700h", minutes(49) + nanoseconds(48'372'539'827)},
      {"9223372036854775807ns", nanoseconds(max_ns)},
      {"9223372036854775.807us", nanoseconds(max_ns)},
      {"-9223372036854775808ns", nanoseconds(min_ns)},
      {"-9223372036854775.808us", nanoseconds(min_ns)},
  };
  for (const auto& r : rows) {
    std::string why;
    const auto got = parse_duration(r.text, &why);
    ASSERT_TRUE(got.has_value()) << r.text << ": " << why;
    EXPECT_EQ(got->count(), r.want.count()) << r.text;
  }
}

TEST(Duration, RejectsWhatGoRejects) {
  struct row {
    const char* text;
    const char* why;
  };
  const row rows[] = {
      {"", "empty duration"},
      {"3", "missing unit"},
      {"-", "empty duration"},
      {"s", "expected a number"},
      {".", "expected a number"},
      {"-.", "expected a number"},
      {".s", "expected a number"},
      {"+.s", "expected a number"},
      {"5x", "unknown unit \"x\""},
      {"1d", "unknown unit \"d\""},
      {"1 s", "unknown unit \" s\""},
      {"\x85\x85", "expected a number"},
      {"9223372036854775808ns", "out of range"},
      {"9223372036854775.808us", "out of range"},
      {"9223372036854ms775us808ns", "out of range"},
      {"-9223372036854775809ns", "out of range"},
      {"99999999999999999999h", "out of range"},
  };
  for (const auto& r : rows) {
    std::string why;
    EXPECT_FALSE(parse_duration(r.text, &why).has_value()) << r.text;
    EXPECT_NE(why.find(r.why), std::string::npos) << r.text << " gave: " << why;
  }
}

// Go's Duration.String().
TEST(Duration, FormatsAsGoDoes) {
  struct row {
    nanoseconds d;
    const char* want;
  };
  const row rows[] = {
      {nanoseconds(0), "0s"},
      {nanoseconds(1), "1ns"},
      {nanoseconds(1100), "1.1\xC2\xB5s"},
      {microseconds(2200), "2.2ms"},
      {milliseconds(3300), "3.3s"},
      {minutes(4) + seconds(5), "4m5s"},
      {minutes(4) + milliseconds(5001), "4m5.001s"},
      {hours(5) + minutes(6) + milliseconds(7001), "5h6m7.001s"},
      {minutes(8) + nanoseconds(1), "8m0.000000001s"},
      {hours(1), "1h0m0s"},
      {seconds(90), "1m30s"},
      {seconds(-90), "-1m30s"},
      {nanoseconds(max_ns), "2562047h47m16.854775807s"},
      {nanoseconds(min_ns), "-2562047h47m16.854775808s"},
  };
  for (const auto& r : rows) EXPECT_EQ(format_duration(r.d), r.want) << r.d.count();
}

TEST(Duration, FormattedValuesParseBack) {
  for (const std::int64_t n :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{999}, std::int64_t{1'500'000},
        std::int64_t{61'000'000'001}, std::int64_t{3'600'000'000'000}, max_ns, min_ns}) {
    const auto text = format_duration(nanoseconds(n));
    const auto back = parse_duration(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(back->count(), n) << text;
  }
}

}  // namespace
}  // namespace rolloutd::api
