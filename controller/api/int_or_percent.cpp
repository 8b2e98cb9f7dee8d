#include "api/int_or_percent.hpp"

#include <limits>

namespace rolloutd::api {

std::optional<int_or_percent> int_or_percent::from_json(const nlohmann::json& value) {
  constexpr auto max = std::numeric_limits<std::int32_t>::max();
  if (value.is_number_unsigned()) {
    const auto n = value.get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(max)) return std::nullopt;
    return count(static_cast<std::int32_t>(n));
  }
  if (value.is_number_integer()) {
    const auto n = value.get<std::int64_t>();
    if (n < 0 || n > max) return std::nullopt;
    return count(static_cast<std::int32_t>(n));
  }
  if (!value.is_string()) return std::nullopt;
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() < 2 || text.back() != '%') return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
    if (n > max) return std::nullopt;
  }
  return percent(static_cast<std::int32_t>(n));
}

std::int64_t int_or_percent::resolve(std::int32_t total, bool round_up) const {
  if (!percent_) return value_;
  const std::int64_t scaled = static_cast<std::int64_t>(value_) * total;
  // Floor and ceiling division that stay right for a negative total too.
  std::int64_t quotient = scaled / 100;
  const std::int64_t remainder = scaled % 100;
  if (remainder != 0) {
    if (round_up && remainder > 0) ++quotient;
    if (!round_up && remainder < 0) --quotient;
  }
  return quotient;
}

std::string int_or_percent::to_string() const {
  return percent_ ? std::to_string(value_) + "%" : std::to_string(value_);
}

nlohmann::json int_or_percent::to_json() const {
  return percent_ ? nlohmann::json(to_string()) : nlohmann::json(value_);
}

}  // namespace rolloutd::api
