#pragma once

// The canary planner: one sync of the canary strategy as a pure function from the policy's spec,
// what status recorded, the observed ReplicaSets, a pending user request and the time, to the
// ReplicaSet writes, the revision each Service should select, the state to record and when to look
// again. Running the plan and planning again from the new observations walks a canary through its
// steps (canary_steps.hpp) with the pod counts of canary_weights.hpp.
//
// The ReplicaSets play three parts: the new one runs spec.template (the canary), the stable one
// runs status.stablePodHash, and any other is drained before the two may shrink. Without a stable
// (the first deploy) or when the template is the stable one, there are no steps: the new
// ReplicaSet goes to full size and becomes (or stays) stable.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strategy/canary_services.hpp"
#include "strategy/canary_steps.hpp"
#include "strategy/canary_weights.hpp"
#include "strategy/progress.hpp"
#include "strategy/rolling.hpp"

namespace rolloutd::strategy {

// What previous syncs recorded in status.
struct canary_memory {
  std::string current_hash{};  // currentPodHash: the template the step state belongs to
  std::string stable_hash{};   // stablePodHash
  std::optional<std::int32_t> step_index{};
  std::optional<wall_time> pause_start{};  // the CanaryPauseStep pause condition
  bool aborted = false;
  friend bool operator==(const canary_memory&, const canary_memory&) = default;
};

struct canary_input {
  std::int32_t replicas = 1;
  int_or_percent max_surge = int_or_percent::percentage(25);
  int_or_percent max_unavailable = int_or_percent::percentage(25);
  std::vector<canary_step> steps{};
  // spec.paused: no step moves and no ReplicaSet changes, except an abort's; a promote, promote
  // --full or retry waits in status.operation until the resume.
  bool paused = false;
  std::chrono::seconds scale_down_delay{30};  // the previous stable keeps its pods this long
  // An aborted canary keeps its pods this long behind the canaryService, out of the user's Service
  // (which is pinned to stable meanwhile); without both Services it is removed at once.
  std::chrono::seconds abort_scale_down_delay{30};
  std::optional<std::int32_t> revision_history_limit = 10;
  std::string hash{};  // spec.template's pod-template hash
  std::optional<replica_set_state> new_replica_set{};
  std::string new_replica_set_name{};
  std::vector<replica_set_state> old_replica_sets{};
  canary_memory memory{};
  std::optional<canary_operation> operation{};  // status.operation, not yet handled
  std::string operation_by{};
  // The progress deadline has passed without progress in the pod counts, and progressDeadlineAbort
  // is set: the canary is aborted unless this sync itself moves it on (a step completes, a request
  // is handled, the canary is promoted).
  bool deadline_abort = false;
  // The Services the strategy names, as observed: `service` (what users reach, both revisions),
  // stableService and canaryService.
  pinned_service service{};
  pinned_service stable_service{};
  pinned_service canary_service{};
  wall_time now{};
};

// Where the rollout stands after this sync, for the phase and message.
enum class canary_stage {
  first_deploy,  // no stable revision yet: the new ReplicaSet grows to full size
  stepping,      // a canary working through its steps
  paused_step,   // waiting at a pause step
  finishing,     // steps done: the canary grows to full size before it becomes stable
  aborted,       // back to stable; the canary is (being) removed
  stable,        // the template is the stable revision; older ReplicaSets drained
};

struct canary_plan {
  std::vector<replica_set_action> actions{};
  fenceposts limits{};
  canary_stage stage = canary_stage::stable;
  canary_memory memory{};            // the state to record
  bool operation_consumed = false;   // remove status.operation with this sync's status
  bool operation_held = false;       // status.operation waits for spec.paused to be lifted
  std::vector<step_event> events{};  // besides the ScalingReplicaSet events the actions carry
  // Pod-template hashes the stableService and canaryService should select (canary_services.hpp);
  // empty: no pin. The user's `service` is pinned (to stable) only while an aborted canary waits
  // out its delay behind the canaryService.
  std::string stable_service_hash{};
  std::string canary_service_hash{};
  std::string service_hash{};
  canary_split target{};           // the counts being worked toward
  std::int32_t weight = 0;         // the weight of the current step
  std::int32_t served_weight = 0;  // the share of available pods running the template
  rollout_counts counts{};         // status counts, from the observed ReplicaSets
  std::int64_t revision = 0;       // the new ReplicaSet's revision; 0 while there is none
  std::string new_replica_set{};   // its name
  bool created_new_replica_set = false;
  bool complete = false;  // the template is stable, fully available, and nothing else runs
  // The template is stable and fully available; what else still runs only waits out its
  // scale-down delay. The rollout is done: no progress deadline applies.
  bool released = false;
  bool promoted = false;  // the template became stable this sync
  // This sync moved the canary on (a step completed, a request was handled, or it was promoted):
  // progress, whatever the pod counts say.
  bool moved_on = false;
  std::string message{};  // what the rollout is doing or waiting for
  std::optional<std::chrono::system_clock::duration> wake_after{};  // a pause or a deadline ends
};

struct canary_result {
  canary_plan plan{};
  std::string error{};  // empty on success; otherwise nothing may be written

  [[nodiscard]] bool ok() const { return error.empty(); }
};

[[nodiscard]] canary_result plan_canary(const canary_input& in);

}  // namespace rolloutd::strategy
