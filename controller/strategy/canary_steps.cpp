#include "strategy/canary_steps.hpp"

#include <algorithm>

#include "common/saturating_time.hpp"

namespace rolloutd::strategy {
namespace {

std::string format_duration(std::chrono::system_clock::duration d) {
  using namespace std::chrono;
  if (d % seconds(1) == decltype(d)::zero()) return std::to_string(duration_cast<seconds>(d).count()) + "s";
  return std::to_string(duration_cast<milliseconds>(d).count()) + "ms";
}

// "step 2/5 (pause: until promoted)": numbered from 1, as people count them.
std::string step_label(const std::vector<canary_step>& steps, std::size_t index) {
  std::string out = "step " + std::to_string(index + 1) + "/" + std::to_string(steps.size());
  if (index < steps.size()) out += " (" + describe(steps[index]) + ")";
  return out;
}

void complete_step(step_state& state, const std::vector<canary_step>& steps, std::string why,
                   std::vector<step_event>& events) {
  events.push_back(
      {false, std::string(step_events::step_completed), step_label(steps, state.index) + " completed" + why});
  ++state.index;
  state.pause_start.reset();
}

std::string by(std::string_view requested_by) {
  return requested_by.empty() ? std::string() : " by " + std::string(requested_by);
}

}  // namespace

std::string describe(const canary_step& step) {
  if (const auto* w = std::get_if<weight_step>(&step)) return "setWeight: " + std::to_string(w->weight);
  if (const auto* p = std::get_if<pause_step>(&step)) {
    return p->duration ? "pause: " + format_duration(*p->duration) : "pause: until promoted";
  }
  const auto& s = std::get<canary_scale_step>(step);
  if (s.replicas) return "setCanaryScale: replicas " + std::to_string(*s.replicas);
  if (s.weight) return "setCanaryScale: weight " + std::to_string(*s.weight);
  return "setCanaryScale: matchTrafficWeight";
}

std::int32_t weight_at(const std::vector<canary_step>& steps, std::size_t index) {
  if (index >= steps.size()) return 100;
  for (std::size_t i = index + 1; i-- > 0;) {
    if (const auto* w = std::get_if<weight_step>(&steps[i])) return w->weight;
  }
  return 0;
}

std::optional<canary_scale_step> canary_scale_at(const std::vector<canary_step>& steps, std::size_t index) {
  if (index >= steps.size()) return std::nullopt;
  for (std::size_t i = index + 1; i-- > 0;) {
    if (const auto* s = std::get_if<canary_scale_step>(&steps[i])) {
      if (s->match_traffic_weight) return std::nullopt;
      return *s;
    }
  }
  return std::nullopt;
}

std::string_view to_string(canary_operation op) {
  switch (op) {
    case canary_operation::promote:
      return "promote";
    case canary_operation::promote_full:
      return "promote --full";
    case canary_operation::abort:
      return "abort";
    case canary_operation::retry:
      break;
  }
  return "retry";
}

void apply_operation(step_state& state, canary_operation op, std::string_view requested_by,
                     const std::vector<canary_step>& steps, std::vector<step_event>& events) {
  const std::size_t n = steps.size();
  switch (op) {
    case canary_operation::promote:
      if (state.aborted) {
        events.push_back({false, std::string(step_events::ignored),
                          "promote requested" + by(requested_by) +
                              " ignored: the rollout is aborted; retry restarts the steps, "
                              "promote --full finishes them"});
      } else if (state.index >= n) {
        events.push_back({false, std::string(step_events::ignored),
                          "promote requested" + by(requested_by) + " ignored: every step is done"});
      } else {
        events.push_back({false, std::string(step_events::promoted),
                          step_label(steps, state.index) + " promoted" + by(requested_by)});
        complete_step(state, steps, " (promoted)", events);
      }
      return;
    case canary_operation::promote_full:
      events.push_back({false, std::string(step_events::promoted),
                        "full promotion" + by(requested_by) + ": remaining steps skipped"});
      state = {n, std::nullopt, false};
      return;
    case canary_operation::abort:
      if (state.aborted) {
        events.push_back({false, std::string(step_events::ignored),
                          "abort requested" + by(requested_by) + " ignored: already aborted"});
        return;
      }
      events.push_back({true, std::string(step_events::aborted),
                        "rollout aborted" + by(requested_by) + " at " + step_label(steps, state.index) +
                            ": traffic goes back to the stable revision"});
      state = {0, std::nullopt, true};
      return;
    case canary_operation::retry:
      events.push_back({false, std::string(step_events::retried),
                        std::string(state.aborted ? "aborted rollout retried" : "steps restarted") +
                            by(requested_by) + ": back to step 1"});
      state = {0, std::nullopt, false};
      return;
  }
}

advance_result advance_steps(step_state& state, const std::vector<canary_step>& steps, wall_time now,
                             const std::function<bool(std::size_t)>& reached,
                             std::vector<step_event>& events) {
  advance_result out;
  if (state.aborted) return out;
  while (state.index < steps.size()) {
    const auto& step = steps[state.index];
    if (const auto* pause = std::get_if<pause_step>(&step)) {
      if (!state.pause_start) {
        state.pause_start = now;
        events.push_back(
            {false, std::string(step_events::paused), "paused at " + step_label(steps, state.index)});
      }
      if (!pause->duration) return out;
      const auto ends = saturating_add(*state.pause_start, *pause->duration);
      if (ends > now) {
        out.wake_after = ends - now;
        return out;
      }
      complete_step(state, steps, "", events);
      continue;
    }
    if (!reached(state.index)) return out;
    complete_step(state, steps, "", events);
  }
  return out;
}

}  // namespace rolloutd::strategy
