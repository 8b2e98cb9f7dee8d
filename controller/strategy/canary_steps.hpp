#pragma once

// The canary's step list and the state machine that walks it: which step is current, when a pause
// began, whether the rollout was aborted; how promote / promote --full / abort / retry change that,
// and when a step is done. Pure: the caller says whether a weight is reached and what time it is,
// and records the resulting state in status (currentStepIndex, pauseConditions, abort).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rolloutd::strategy {

using wall_time = std::chrono::system_clock::time_point;

struct weight_step {
  std::int32_t weight = 0;  // percent of traffic for the canary
};

struct pause_step {
  std::optional<std::chrono::system_clock::duration> duration{};  // none: until promoted
};

// The canary's pod count decoupled from its traffic weight, which only a traffic router can
// serve; exactly one field applies (replicas, else weight, else match_traffic_weight).
struct canary_scale_step {
  std::optional<std::int32_t> replicas{};
  std::optional<std::int32_t> weight{};
  bool match_traffic_weight = false;
};

using canary_step = std::variant<weight_step, pause_step, canary_scale_step>;

// "setWeight: 25", "pause: 10s", "pause: until promoted", "setCanaryScale: replicas 2".
[[nodiscard]] std::string describe(const canary_step& step);

// The traffic weight in force at step `index`: the last setWeight at or before it (0 before the
// first); 100 once every step is done.
[[nodiscard]] std::int32_t weight_at(const std::vector<canary_step>& steps, std::size_t index);

// The setCanaryScale in force at step `index`: the last one at or before it, unless that one is
// matchTrafficWeight (then none); none once every step is done.
[[nodiscard]] std::optional<canary_scale_step> canary_scale_at(const std::vector<canary_step>& steps,
                                                               std::size_t index);

// What status records about the steps of the revision being rolled out.
struct step_state {
  std::size_t index = 0;                   // currentStepIndex; == steps.size() when all are done
  std::optional<wall_time> pause_start{};  // the current pause step began (pauseConditions)
  bool aborted = false;                    // status.abort
  friend bool operator==(const step_state&, const step_state&) = default;
};

enum class canary_operation { promote, promote_full, abort, retry };

[[nodiscard]] std::string_view to_string(canary_operation op);  // "promote", "promote --full", ...

struct step_event {
  bool warning = false;
  std::string reason{};
  std::string message{};
  friend bool operator==(const step_event&, const step_event&) = default;
};

namespace step_events {
inline constexpr std::string_view step_completed = "RolloutStepCompleted";
inline constexpr std::string_view paused = "RolloutPaused";
inline constexpr std::string_view promoted = "RolloutPromoted";
inline constexpr std::string_view aborted = "RolloutAborted";
inline constexpr std::string_view retried = "RolloutRetried";
inline constexpr std::string_view ignored = "OperationIgnored";
}  // namespace step_events

// Applies a user's request to a canary in progress (a stable exists and differs from the
// template). promote ends the current step, whatever it is (a pause, or a weight not reached yet);
// promote --full skips every remaining step and lifts an abort; abort returns to stable and resets
// the steps; retry lifts an abort and starts the steps again from 0. A request that cannot apply
// (promote while aborted) is answered with an OperationIgnored event and changes nothing.
void apply_operation(step_state& state, canary_operation op, std::string_view requested_by,
                     const std::vector<canary_step>& steps, std::vector<step_event>& events);

struct advance_result {
  // When the current timed pause ends; the reconcile should look again then.
  std::optional<std::chrono::system_clock::duration> wake_after{};
};

// Completes as many steps as the observed state allows, in order: a setWeight or setCanaryScale
// step when `reached(index)` says its pod counts are in place and available, a timed pause when
// its time is up; an open pause (or one not yet up) starts its clock and stops the walk. Nothing
// moves while aborted.
advance_result advance_steps(step_state& state, const std::vector<canary_step>& steps, wall_time now,
                             const std::function<bool(std::size_t)>& reached,
                             std::vector<step_event>& events);

}  // namespace rolloutd::strategy
