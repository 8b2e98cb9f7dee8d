#include "kube/watch_stream.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rolloutd::kube {
namespace {

std::string event_line(std::string_view type, std::string_view name, std::string_view rv) {
  return R"({"type":")" + std::string(type) + R"(","object":{"kind":"ConfigMap","metadata":{"name":")" +
         std::string(name) + R"(","resourceVersion":")" + std::string(rv) + "\"}}}\n";
}

// Feeds the pieces in order and returns everything the splitter produced, ending with finish().
std::vector<watch_item> run(watch_stream& stream, const std::vector<std::string_view>& pieces) {
  std::vector<watch_item> out;
  for (auto piece : pieces) {
    stream.feed(piece, [&](watch_item&& item) {
      out.push_back(std::move(item));
      return true;
    });
  }
  if (auto tail = stream.finish()) out.emplace_back(*tail);
  return out;
}

std::vector<watch_item> run(const std::vector<std::string_view>& pieces) {
  watch_stream stream;
  return run(stream, pieces);
}

const watch_event& event_at(const std::vector<watch_item>& items, std::size_t i) {
  EXPECT_LT(i, items.size());
  const auto* event = std::get_if<watch_event>(&items.at(i));
  EXPECT_NE(event, nullptr) << "item " << i
                            << " is an error: " << std::get<watch_stream_error>(items.at(i)).message;
  static const watch_event none{};
  return event ? *event : none;
}

const watch_stream_error& error_at(const std::vector<watch_item>& items, std::size_t i) {
  EXPECT_LT(i, items.size());
  const auto* error = std::get_if<watch_stream_error>(&items.at(i));
  EXPECT_NE(error, nullptr) << "item " << i << " is an event, not an error";
  static const watch_stream_error none{};
  return error ? *error : none;
}

TEST(WatchStream, SeveralEventsInOneChunk) {
  std::string body =
      event_line("ADDED", "a", "10") + event_line("MODIFIED", "a", "11") + event_line("DELETED", "a", "12");
  auto items = run({body});
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(event_at(items, 0).type, watch_event_type::added);
  EXPECT_EQ(event_at(items, 1).type, watch_event_type::modified);
  EXPECT_EQ(event_at(items, 2).type, watch_event_type::deleted);
  EXPECT_EQ(event_at(items, 2).resource_version(), "12");
  EXPECT_EQ(event_at(items, 0).object["metadata"]["name"], "a");
}

TEST(WatchStream, EventsSplitAtEveryByteBoundary) {
  std::string body = event_line("ADDED", "a", "10") + event_line("MODIFIED", "b", "11") +
                     R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}})"
                     "\n";
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    std::string_view whole(body);
    auto items = run({whole.substr(0, cut), whole.substr(cut)});
    ASSERT_EQ(items.size(), 3u) << "cut at " << cut;
    EXPECT_EQ(event_at(items, 0).resource_version(), "10") << cut;
    EXPECT_EQ(event_at(items, 1).object["metadata"]["name"], "b") << cut;
    EXPECT_EQ(event_at(items, 2).type, watch_event_type::bookmark) << cut;
  }
}

TEST(WatchStream, OneByteAtATime) {
  std::string body = event_line("ADDED", "a", "1") + event_line("DELETED", "a", "2");
  watch_stream stream;
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < body.size(); ++i) pieces.push_back(std::string_view(body).substr(i, 1));
  auto items = run(stream, pieces);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(event_at(items, 1).type, watch_event_type::deleted);
  EXPECT_EQ(stream.buffered(), 0u);
}

TEST(WatchStream, BookmarkCarriesResourceVersion) {
  auto items =
      run({R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"777"}}})"
           "\n"});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(event_at(items, 0).type, watch_event_type::bookmark);
  EXPECT_EQ(event_at(items, 0).resource_version(), "777");
}

TEST(WatchStream, ErrorEventsDecodeTheStatus) {
  struct row {
    const char* line;
    int code;
    const char* reason;
    bool gone;
  };
  const row rows[] = {
      {R"j({"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}})j",
       410, "Expired", true},
      {R"({"type":"ERROR","object":{"kind":"Status","reason":"Gone","code":410}})", 410, "Gone", true},
      {R"({"type":"ERROR","object":{"kind":"Status","message":"internal error","reason":"InternalError","code":500}})",
       500, "InternalError", false},
      // A Status with unexpected field types decodes to what it can, without throwing.
      {R"({"type":"ERROR","object":{"code":"410","reason":7}})", 0, "", false},
  };
  for (const auto& r : rows) {
    auto items = run({std::string(r.line) + "\n"});
    ASSERT_EQ(items.size(), 1u) << r.line;
    const auto& event = event_at(items, 0);
    EXPECT_EQ(event.type, watch_event_type::error) << r.line;
    EXPECT_EQ(event.status.code, r.code) << r.line;
    EXPECT_EQ(event.status.reason, r.reason) << r.line;
    EXPECT_EQ(event.status.gone(), r.gone) << r.line;
  }
}

TEST(WatchStream, BadLinesBecomeErrorsAndTheStreamGoesOn) {
  struct row {
    const char* line;
    watch_stream_error_kind kind;
  };
  const row rows[] = {
      {R"({"type":"ADDED","object":{"metadata":)", watch_stream_error_kind::malformed_json},
      {"not json at all", watch_stream_error_kind::malformed_json},
      {"\xff\xfe{}", watch_stream_error_kind::malformed_json},
      {R"({"object":{"metadata":{"name":"a"}}})", watch_stream_error_kind::bad_event},  // no type
      {R"({"type":7,"object":{}})", watch_stream_error_kind::bad_event},
      {R"({"type":"RENAMED","object":{}})", watch_stream_error_kind::bad_event},
      {R"({"type":"ADDED"})", watch_stream_error_kind::bad_event},
      {R"({"type":"ADDED","object":"a string"})", watch_stream_error_kind::bad_event},
      {R"(["ADDED",{}])", watch_stream_error_kind::bad_event},
      {"42", watch_stream_error_kind::bad_event},
  };
  for (const auto& r : rows) {
    auto items = run({std::string(r.line) + "\n" + event_line("ADDED", "next", "5")});
    ASSERT_EQ(items.size(), 2u) << r.line;
    EXPECT_EQ(error_at(items, 0).kind, r.kind) << r.line;
    EXPECT_EQ(event_at(items, 1).resource_version(), "5") << r.line;
  }
}

TEST(WatchStream, BlankLinesAndCarriageReturnsAreIgnored) {
  std::string line = event_line("ADDED", "a", "3");
  line.insert(line.size() - 1, "\r");
  auto items = run({"\n\r\n  \n" + line + "\n"});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(event_at(items, 0).resource_version(), "3");
}

TEST(WatchStream, GiantLineIsDroppedWithoutBufferingIt) {
  constexpr std::size_t cap = 1024;
  watch_stream stream(cap);
  std::string huge(10 * cap, 'x');
  std::vector<watch_item> out;
  auto sink = [&](watch_item&& item) {
    out.push_back(std::move(item));
    return true;
  };
  // The giant line arrives in pieces; the error is reported as soon as the cap is crossed.
  stream.feed(event_line("ADDED", "before", "1"), sink);
  for (std::size_t i = 0; i < huge.size(); i += 100) {
    stream.feed(std::string_view(huge).substr(i, 100), sink);
    EXPECT_LE(stream.buffered(), cap);
  }
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(error_at(out, 1).kind, watch_stream_error_kind::line_too_long);
  stream.feed("still the same line\n" + event_line("ADDED", "after", "2"), sink);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(event_at(out, 2).resource_version(), "2");
  EXPECT_FALSE(stream.finish().has_value());
}

TEST(WatchStream, GiantLineInsideOneChunk) {
  watch_stream stream(64);
  auto items = run(stream, {std::string(1000, 'y') + "\n" + event_line("ADDED", "a", "9")});
  ASSERT_EQ(items.size(), 2u);  // the event line itself is longer than 64 bytes too
  EXPECT_EQ(error_at(items, 0).kind, watch_stream_error_kind::line_too_long);
  EXPECT_EQ(error_at(items, 1).kind, watch_stream_error_kind::line_too_long);

  watch_stream roomy(256);
  items = run(roomy, {std::string(1000, 'y') + "\n", event_line("ADDED", "a", "9")});
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(error_at(items, 0).kind, watch_stream_error_kind::line_too_long);
  EXPECT_EQ(event_at(items, 1).resource_version(), "9");
}

TEST(WatchStream, DeeplyNestedJsonDoesNotCrash) {
  constexpr int depth = 50000;
  std::string nested =
      R"({"type":"ADDED","object":{"a":)" + std::string(depth, '[') + std::string(depth, ']') + "}}\n";
  auto items = run({nested, std::string(depth, '{') + "\n"});
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(event_at(items, 0).type, watch_event_type::added);
  EXPECT_EQ(error_at(items, 1).kind, watch_stream_error_kind::malformed_json);
}

TEST(WatchStream, BodyEndingInsideALineIsTruncated) {
  std::string line = event_line("ADDED", "a", "1");
  auto items = run({line + line.substr(0, 20)});
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(event_at(items, 0).resource_version(), "1");
  EXPECT_EQ(error_at(items, 1).kind, watch_stream_error_kind::truncated);

  EXPECT_EQ(run({line}).size(), 1u);  // a complete body leaves nothing behind
}

TEST(WatchStream, SinkReturningFalseStopsTheChunk) {
  watch_stream stream;
  std::string body =
      event_line("ADDED", "a", "1") + event_line("ADDED", "b", "2") + event_line("ADDED", "c", "3");
  int seen = 0;
  bool more = stream.feed(body, [&](watch_item&&) { return ++seen < 2; });
  EXPECT_FALSE(more);
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace rolloutd::kube
