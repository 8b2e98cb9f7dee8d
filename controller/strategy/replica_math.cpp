#include "strategy/replica_math.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <numeric>

namespace rolloutd::strategy {
namespace {

constexpr std::int64_t int32_max = std::numeric_limits<std::int32_t>::max();

std::int32_t saturate(std::int64_t v) {
  return static_cast<std::int32_t>(
      std::clamp<std::int64_t>(v, std::numeric_limits<std::int32_t>::min(), int32_max));
}

// The share a ReplicaSet should gain (or lose, negative) so it keeps its proportion of the new
// target. Kubernetes computes round(size * target / base) in floating point, rounding halves away
// from zero; every operand is a non-negative integer here, so exact integer arithmetic gives the
// same answer without the float.
std::int64_t fraction(const proportional_member& m, std::int64_t replicas, std::int64_t target,
                      std::int32_t fallback_base) {
  if (replicas == 0) return -static_cast<std::int64_t>(m.replicas);  // scaling to zero: all of it
  const std::int64_t base = m.max_replicas.value_or(fallback_base);
  // Kubernetes divides by zero here (it assumes the annotation is never 0); we give no share and let
  // the leftover rule place the replicas instead.
  if (base <= 0) return 0;
  const std::int64_t numerator = static_cast<std::int64_t>(m.replicas) * target;
  return (2 * numerator + base) / (2 * base) - m.replicas;
}

}  // namespace

std::optional<int_or_percent> parse_int_or_percent(std::string_view text) {
  bool percent = false;
  if (!text.empty() && text.back() == '%') {
    percent = true;
    text.remove_suffix(1);
  }
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return int_or_percent{value, percent};
}

std::int32_t scaled_value(int_or_percent v, std::int32_t total, rounding r) {
  const std::int64_t value = std::max<std::int32_t>(v.value, 0);
  if (!v.percent) return static_cast<std::int32_t>(value);
  const std::int64_t product = value * std::max<std::int32_t>(total, 0);
  return saturate(r == rounding::up ? (product + 99) / 100 : product / 100);
}

fenceposts resolve_fenceposts(int_or_percent max_surge, int_or_percent max_unavailable,
                              std::int32_t replicas) {
  fenceposts f{scaled_value(max_surge, replicas, rounding::up),
               scaled_value(max_unavailable, replicas, rounding::down)};
  if (f.max_surge == 0 && f.max_unavailable == 0) f.max_unavailable = 1;
  f.max_unavailable = replicas <= 0 ? 0 : std::min(f.max_unavailable, replicas);
  return f;
}

std::int32_t new_replica_set_target(std::int32_t replicas, std::int32_t max_surge, std::int32_t total_spec,
                                    std::int32_t new_spec) {
  const std::int64_t max_total = static_cast<std::int64_t>(replicas) + max_surge;
  if (total_spec >= max_total) return new_spec;
  const std::int64_t grow =
      std::min<std::int64_t>(max_total - total_spec, static_cast<std::int64_t>(replicas) - new_spec);
  return saturate(new_spec + grow);
}

bool created_before(std::chrono::system_clock::time_point a_created, std::string_view a_name,
                    std::chrono::system_clock::time_point b_created, std::string_view b_name) {
  if (a_created == b_created) return a_name < b_name;
  return a_created < b_created;
}

std::vector<proportional_step> proportional_scale(const std::vector<proportional_member>& members,
                                                  std::int32_t replicas, std::int32_t max_surge,
                                                  std::int32_t fallback_max_replicas) {
  std::vector<std::size_t> order(members.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::vector<std::int64_t> sizes;
  sizes.reserve(members.size());
  for (const auto& m : members) sizes.push_back(m.replicas);

  const std::int64_t target = replicas > 0 ? static_cast<std::int64_t>(replicas) + max_surge : 0;
  const std::int64_t to_add = target - std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0});
  if (to_add != 0 && !members.empty()) {
    // Largest first, so the big ReplicaSets take the bulk and the leftover; equal sizes grow newest
    // first and shrink oldest first, which favours the new template in both directions.
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const auto& x = members[a];
      const auto& y = members[b];
      if (x.replicas != y.replicas) return x.replicas > y.replicas;
      return to_add > 0 ? created_before(y.created, y.name, x.created, x.name)
                        : created_before(x.created, x.name, y.created, y.name);
    });

    std::int64_t added = 0;
    for (std::size_t i : order) {
      const auto& m = members[i];
      if (m.replicas == 0 || added == to_add) continue;
      const std::int64_t share = fraction(m, replicas, target, fallback_max_replicas);
      const std::int64_t allowed = to_add - added;
      const std::int64_t proportion = to_add > 0 ? std::min(share, allowed) : std::max(share, allowed);
      sizes[i] += proportion;
      added += proportion;
    }
    // The rounding leftover goes to the first visited, as in Kubernetes. When shrinking it can be
    // more than that one still holds; Kubernetes stops it at 0 and leaves the total above
    // replicas + maxSurge, so the rest is taken from the next ones in the same order.
    std::int64_t leftover = to_add - added;
    for (std::size_t i : order) {
      if (leftover == 0) break;
      const std::int64_t take = std::max(leftover, -sizes[i]);
      sizes[i] += take;
      leftover -= take;
    }
  }

  std::vector<proportional_step> steps;
  steps.reserve(order.size());
  for (std::size_t i : order) steps.push_back({i, saturate(sizes[i])});
  return steps;
}

}  // namespace rolloutd::strategy
