#pragma once

// Conditions cross between the api layer (the wire vocabulary, whole-second timestamps) and the
// strategy layer (evaluate_progress works on strategy::condition with time points). Shared by the
// rolling, canary and blue/green status decisions.

#include <cstdint>
#include <optional>
#include <string_view>

#include "api/status.hpp"
#include "strategy/progress.hpp"

namespace rolloutd::reconcile {

[[nodiscard]] std::optional<strategy::condition> condition_to_strategy(const api::condition* c);
[[nodiscard]] api::condition condition_to_api(std::string_view type, const strategy::condition& c,
                                              std::int64_t generation);

}  // namespace rolloutd::reconcile
