#pragma once

// The pieces parse.cpp assembles, split by file to keep each small. Internal to the api layer.

#include <string>

#include <nlohmann/json.hpp>

#include "api/errors.hpp"
#include "api/json_reader.hpp"
#include "api/rollout_policy.hpp"

namespace rolloutd::api::detail {

// spec.strategy (absent: rollingUpdate with its defaults).
[[nodiscard]] rollout_strategy parse_strategy(const nlohmann::json* strategy, const std::string& path,
                                              field_errors& errors);

// An int-or-percent member; `max_percent` bounds the percentage (maxUnavailable cannot exceed 100%).
[[nodiscard]] int_or_percent read_int_or_percent(object_reader& in, std::string_view key,
                                                 int_or_percent fallback, std::int32_t max_percent);

}  // namespace rolloutd::api::detail
