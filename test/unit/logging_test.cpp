#include "common/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace rolloutd {
namespace {

TEST(Logging, JsonLinesStayValidJsonWhateverTheMessage) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto logger = make_logger_to("rolloutd", log_format::json, spdlog::level::info, sink);
  logger->info("scaled \"hello-abc\" to {}\n\tnext\x01", 3);
  logger->debug("hidden below the level");
  logger->flush();

  std::string line = out.str();
  ASSERT_FALSE(line.empty());
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line per record";
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["logger"], "rolloutd");
  EXPECT_EQ(j["msg"], "scaled \"hello-abc\" to 3\n\tnext\x01");
  EXPECT_EQ(j["ts"].get<std::string>().back(), 'Z');
}

TEST(Logging, TextFormatAndLevels) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto logger = make_logger_to("rolloutd", log_format::text, spdlog::level::warn, sink);
  logger->info("quiet");
  logger->warn("loud");
  logger->flush();
  EXPECT_EQ(out.str().find("quiet"), std::string::npos);
  EXPECT_NE(out.str().find(" W rolloutd: loud"), std::string::npos);
}

TEST(Logging, ParsesFlags) {
  EXPECT_EQ(parse_log_format("json"), log_format::json);
  EXPECT_EQ(parse_log_format("xml"), std::nullopt);
  EXPECT_EQ(parse_log_level("warning"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("loud"), std::nullopt);
}

}  // namespace
}  // namespace rolloutd
