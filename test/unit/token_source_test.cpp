// Bearer tokens: literal ones never change; file ones follow the file, looking at most once a
// second by the injected clock.

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "kube/config.hpp"

namespace rolloutd::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::replace_file;
using testing::temp_dir;
using testing::write_file;

TEST(TokenSource, LiteralReturnsItsToken) {
  auto source = token_source::literal("abc");
  EXPECT_EQ(source->token(), "abc");
  EXPECT_EQ(source->token(), "abc");
}

TEST(TokenSource, FileIsTrimmed) {
  manual_clock clock;
  temp_dir dir;
  write_file(dir / "token", "  first-token \r\n\n");
  auto source = token_source::file(dir / "token", clock);
  EXPECT_EQ(source->token(), "first-token");
}

TEST(TokenSource, RotationSeenOnlyAfterTheClockMovesASecond) {
  manual_clock clock;
  temp_dir dir;
  write_file(dir / "token", "old-token\n");
  auto source = token_source::file(dir / "token", clock);
  EXPECT_EQ(source->token(), "old-token");

  replace_file(dir / "token", "new-token\n");  // a new inode, as the kubelet's symlink swap gives
  EXPECT_EQ(source->token(), "old-token");
  clock.advance(milliseconds(999));
  EXPECT_EQ(source->token(), "old-token");
  clock.advance(milliseconds(1));
  EXPECT_EQ(source->token(), "new-token");
}

TEST(TokenSource, InPlaceRewriteIsSeen) {
  manual_clock clock;
  temp_dir dir;
  write_file(dir / "token", "short\n");
  auto source = token_source::file(dir / "token", clock);
  EXPECT_EQ(source->token(), "short");
  write_file(dir / "token", "a-longer-token\n");  // same inode, new size and mtime
  clock.advance(seconds(1));
  EXPECT_EQ(source->token(), "a-longer-token");
}

TEST(TokenSource, KeepsLastTokenWhileFileIsMissingOrEmpty) {
  manual_clock clock;
  temp_dir dir;
  write_file(dir / "token", "kept\n");
  auto source = token_source::file(dir / "token", clock);
  EXPECT_EQ(source->token(), "kept");

  std::filesystem::remove(dir / "token");
  clock.advance(seconds(1));
  EXPECT_EQ(source->token(), "kept");

  write_file(dir / "token", "\n");
  clock.advance(seconds(1));
  EXPECT_EQ(source->token(), "kept");

  write_file(dir / "token", "back\n");
  clock.advance(seconds(1));
  EXPECT_EQ(source->token(), "back");
}

TEST(TokenSource, EmptyWhenNeverReadable) {
  manual_clock clock;
  temp_dir dir;
  auto source = token_source::file(dir / "absent", clock);
  EXPECT_EQ(source->token(), "");
  write_file(dir / "absent", "appeared\n");
  EXPECT_EQ(source->token(), "");  // not looked at again within the second
  clock.advance(seconds(1));
  EXPECT_EQ(source->token(), "appeared");
}

// Connections on several threads ask for the token while it rotates; each must get a whole token
// (never a torn or empty one), and after the last rotation and a second, the last token.
TEST(TokenSource, ConcurrentReadersDuringRotation) {
  manual_clock clock;
  temp_dir dir;
  write_file(dir / "token", "token-0\n");
  std::shared_ptr<token_source> source = token_source::file(dir / "token", clock);
  constexpr int rotations = 50;

  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const auto token = source->token();
        if (token.rfind("token-", 0) != 0) bad.fetch_add(1);
      }
    });
  }
  for (int i = 1; i <= rotations; ++i) {
    replace_file(dir / "token", "token-" + std::to_string(i) + "\n");
    clock.advance(seconds(1));
  }
  stop.store(true);
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad.load(), 0);
  clock.advance(seconds(1));
  EXPECT_EQ(source->token(), "token-" + std::to_string(rotations));
}

}  // namespace
}  // namespace rolloutd::kube
