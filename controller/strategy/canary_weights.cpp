#include "strategy/canary_weights.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace rolloutd::strategy {
namespace {

constexpr std::int64_t int32_max = std::numeric_limits<std::int32_t>::max();

std::int32_t narrow(std::int64_t v) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(v, 0, int32_max));
}

// Available pods that will still be there at the current spec (a scale-down in flight may still
// report more available pods than its spec keeps).
std::int64_t usable(const replica_count& c) {
  return std::max<std::int64_t>(0, std::min(c.available, c.spec));
}

struct candidate {
  std::int64_t canary = 0;
  std::int64_t total = 0;
};

// |canary/total - weight/100| compared exactly: a.error < b.error, cross-multiplied.
bool closer(const candidate& a, const candidate& b, std::int64_t weight) {
  const std::int64_t ea = std::abs(100 * a.canary - weight * a.total);
  const std::int64_t eb = std::abs(100 * b.canary - weight * b.total);
  return ea * b.total < eb * a.total;
}

}  // namespace

canary_split split_for_weight(std::int32_t replicas, std::int32_t weight, std::int32_t max_surge) {
  if (replicas <= 0) return {};
  const std::int64_t w = std::clamp(weight, 0, 100);
  if (w == 0) return {0, replicas};
  if (w == 100) return {replicas, 0};

  std::vector<std::int64_t> totals{replicas};
  if (max_surge > 0 && replicas < int32_max) totals.push_back(std::int64_t{replicas} + 1);

  std::optional<candidate> best;
  for (const std::int64_t total : totals) {
    const std::int64_t floor = total * w / 100;
    const std::int64_t ceil = (total * w + 99) / 100;
    for (const std::int64_t canary : {ceil, floor}) {  // the larger first: it wins ties
      // Both revisions keep at least one pod: a weight of 1-99 is a mix, never all or nothing.
      if (canary < 1 || canary > total - 1) continue;
      const candidate c{canary, total};
      if (!best || closer(c, *best, w)) best = c;
    }
  }
  // Only one pod and no room for a second: the canary must get it, or it would never run.
  if (!best) return {1, replicas - 1};
  return {narrow(best->canary), narrow(best->total - best->canary)};
}

sizing size_replica_sets(const sizing_input& in) {
  sizing out;
  out.canary = in.canary.spec;
  out.stable = in.stable ? in.stable->spec : 0;
  for (const auto& o : in.others) out.others.push_back(o.spec);
  auto kept = [&](std::size_t i) { return i < in.keep.size() && in.keep[i]; };

  std::int64_t available = usable(in.canary) + (in.stable ? usable(*in.stable) : 0);
  for (const auto& o : in.others) available += usable(o);
  const std::int64_t min_available = std::int64_t{in.replicas} - in.limits.max_unavailable;
  std::int64_t budget = available - min_available;  // negative: already short, lose nothing more

  // The smallest size toward `target` that loses no more available pods than the budget holds.
  auto shrink = [&](const replica_count& c, std::int32_t target) -> std::int32_t {
    if (c.spec <= target) return c.spec;
    const std::int64_t lowest = usable(c) - std::max<std::int64_t>(budget, 0);
    const std::int64_t to = std::max<std::int64_t>({target, std::min<std::int64_t>(c.spec, lowest), 0});
    budget -= std::max<std::int64_t>(0, usable(c) - to);
    return narrow(to);
  };

  // Others held this sync (a scale-down delay) cannot be drained, so they hold nothing else back:
  // an aborted canary must not wait out the previous stable's delay before it goes.
  bool others_active = false;
  for (std::size_t i = 0; i < in.others.size(); ++i)
    others_active = others_active || (in.others[i].spec > 0 && !kept(i));
  if (others_active) {
    // Pods of neither revision serve traffic the weight does not account for: they go first, and
    // the stable waits for them before giving up pods. A canary moving back toward stable (an
    // abort, a lower weight) gives up what the budget still allows beside them.
    for (std::size_t i = 0; i < in.others.size(); ++i) {
      if (!kept(i))
        out.others[i] = shrink(in.others[i], i < in.keep_at_least.size() ? in.keep_at_least[i] : 0);
    }
    if (in.target.canary < in.canary.spec) out.canary = shrink(in.canary, in.target.canary);
  } else if (in.target.canary < in.canary.spec) {
    // Moving back toward stable (abort, lower weight): the canary gives up pods first.
    out.canary = shrink(in.canary, in.target.canary);
    if (in.stable) out.stable = shrink(*in.stable, in.target.stable);
  } else {
    if (in.stable) out.stable = shrink(*in.stable, in.target.stable);
    out.canary = shrink(in.canary, in.target.canary);
  }

  std::int64_t total = std::int64_t{out.canary} + out.stable;
  for (const auto n : out.others) total += n;
  const std::int64_t cap =
      in.max_total ? std::int64_t{*in.max_total} : std::int64_t{in.replicas} + in.limits.max_surge;
  std::int64_t room = std::max<std::int64_t>(cap - total, 0);
  auto grow = [&](std::int32_t current, std::int32_t target) -> std::int32_t {
    const std::int64_t add = std::clamp<std::int64_t>(std::int64_t{target} - current, 0, room);
    room -= add;
    return narrow(current + add);
  };
  if (in.stable) out.stable = grow(out.stable, in.target.stable);
  out.canary = grow(out.canary, in.target.canary);
  return out;
}

}  // namespace rolloutd::strategy
