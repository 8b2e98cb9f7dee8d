#pragma once

// The process logger: text for people, one JSON object per line for log pipelines. Created once in
// main and passed down; nothing reaches for a global logger.

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rolloutd {

enum class log_format { text, json };

[[nodiscard]] std::optional<log_format> parse_log_format(std::string_view s);
[[nodiscard]] std::optional<spdlog::level::level_enum> parse_log_level(std::string_view s);

// A logger writing to stderr in the given format. In JSON every line is
// {"ts":"...","level":"info","logger":"rolloutd","msg":"..."} with the message escaped.
[[nodiscard]] std::shared_ptr<spdlog::logger> make_logger(std::string name, log_format format,
                                                          spdlog::level::level_enum level);

// For tests: the same formatting into a string sink.
[[nodiscard]] std::shared_ptr<spdlog::logger> make_logger_to(std::string name, log_format format,
                                                             spdlog::level::level_enum level,
                                                             spdlog::sink_ptr sink);

// JSON string escaping (without the surrounding quotes).
[[nodiscard]] std::string json_escape(std::string_view s);

}  // namespace rolloutd
