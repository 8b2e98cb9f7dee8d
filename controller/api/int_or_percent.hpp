#pragma once

// Kubernetes' IntOrString as maxSurge/maxUnavailable use it: a count ("3") or a share of the
// replica count ("25%").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rolloutd::api {

class int_or_percent {
 public:
  constexpr int_or_percent() = default;
  [[nodiscard]] static constexpr int_or_percent count(std::int32_t n) { return {n, false}; }
  [[nodiscard]] static constexpr int_or_percent percent(std::int32_t p) { return {p, true}; }

  // A JSON integer, or a string "N%" with N a non-negative integer; nullopt for anything else
  // (including "5" without the sign, which Kubernetes also refuses to scale).
  [[nodiscard]] static std::optional<int_or_percent> from_json(const nlohmann::json& value);

  [[nodiscard]] constexpr bool is_percent() const { return percent_; }
  [[nodiscard]] constexpr std::int32_t value() const { return value_; }
  // Zero in either form ("0" or "0%"), the test Kubernetes applies to "both 0".
  [[nodiscard]] constexpr bool is_zero() const { return value_ == 0; }

  // GetScaledValueFromIntOrPercent: a count as is; a percentage of `total`, rounded up for a
  // surge and down for unavailability. Exact integer arithmetic, so 25% of 10 is 2 or 3 exactly.
  [[nodiscard]] std::int64_t resolve(std::int32_t total, bool round_up) const;

  [[nodiscard]] std::string to_string() const;  // "3" or "25%"
  [[nodiscard]] nlohmann::json to_json() const;

  friend constexpr bool operator==(const int_or_percent&, const int_or_percent&) = default;

 private:
  constexpr int_or_percent(std::int32_t v, bool p) : value_(v), percent_(p) {}
  std::int32_t value_ = 0;
  bool percent_ = false;
};

}  // namespace rolloutd::api
