#pragma once

// The blue/green planner: one sync of the blue/green strategy as a pure function from the policy's
// spec, what earlier syncs recorded in status, the observed ReplicaSets and Services, a pending
// `kubectl rp` request and the time, to the ReplicaSet writes to make, the revision each Service
// must select and what status must remember. Running the plan and planning again from the new
// observations walks a release through the states below; docs/blue-green.md describes them.
//
// The words used throughout: "green" is the ReplicaSet of the current template (the new one),
// "active" the revision the active Service selects, "stable" the revision a rollback or an abort
// returns to (status.stablePodHash). Stable is the active revision while an update waits for
// promotion, and stays the previous one (blue) after the switch until blue's scale-down delay ends,
// which is what makes an undo or abort within that delay an instant switch back.
//
// Invariants every plan keeps:
//  - the active Service is only ever pointed at a ReplicaSet at full size with every pod available,
//    and only at an approved revision: green once promoted, or the stable one (never an unpromoted
//    or aborted green, not even to end an outage of the active revision);
//  - the active revision's ReplicaSet is never scaled down;
//  - the revision a rollback would return to keeps its pods until its deadline, recorded on the
//    ReplicaSet (rolloutd.io/scale-down-deadline) so a restarted controller keeps it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strategy/progress.hpp"
#include "strategy/rolling.hpp"

namespace rolloutd::strategy {

// A Service the strategy names, as observed.
struct service_state {
  bool exists = false;
  std::string selected_hash{};  // rolloutd.io/pod-template-hash in its selector; empty: not pinned
};

// A `kubectl rp` request waiting in status.operation. Promote and promote --full are the same for
// blue/green: there are no steps to skip, only the wait for promotion.
enum class blue_green_operation { none, promote, abort, retry };

// What earlier syncs wrote to status.
struct blue_green_memory {
  std::string stable_hash{};   // status.stablePodHash
  std::string current_hash{};  // status.currentPodHash: the template `aborted` and `pause_start` are about
  bool aborted = false;        // status.abort
  std::optional<wall_time> pause_start{};  // the BlueGreenPause pause condition's start time
  // status.promotedPodHash: the template a promotion (manual or automatic) was given to. Recorded,
  // not inferred from green's size, so that a change of spec.replicas before the switch, or a
  // restarted controller, never takes a promotion back.
  std::string promoted_hash{};
};

struct blue_green_input {
  std::int32_t replicas = 1;
  bool paused = false;  // spec.paused
  bool auto_promotion_enabled = true;
  std::optional<std::int32_t> auto_promotion_seconds{};
  std::optional<std::int32_t> preview_replica_count{};  // none: green runs at full size from the start
  std::int32_t scale_down_delay_seconds = 30;
  std::int32_t abort_scale_down_delay_seconds = 30;
  std::optional<std::int32_t> revision_history_limit = 10;  // nullopt or INT32_MAX: keep everything
  std::string active_service_name{};
  std::string preview_service_name{};  // empty: no preview Service
  service_state active{};
  service_state preview{};
  // The current template's hash, its ReplicaSet if it exists, the name to create it under, and
  // every other ReplicaSet the policy owns.
  std::string new_hash{};
  std::optional<replica_set_state> new_replica_set{};
  std::string new_replica_set_name{};
  std::vector<replica_set_state> old_replica_sets{};
  blue_green_memory memory{};
  blue_green_operation operation = blue_green_operation::none;
  wall_time now{};
};

// Where the release stands after this sync; the status phase and message are derived from it.
enum class blue_green_stage {
  service_missing,     // a named Service does not exist: nothing is touched until it does
  paused,              // spec.paused: sizes follow spec.replicas, nothing else moves
  first_deploy,        // no active revision yet: green grows to full size, active follows
  preview,             // green coming up at its preview size; active on stable
  awaiting_promotion,  // green ready; waiting for `kubectl rp promote` or the auto-promotion time
  promoting,           // promoted: green at full size, active switches once every pod is available
  scaling_down,        // active on green; older revisions keep their pods until their deadline
  complete,            // active on green and nothing else runs
  aborted,             // active on (or returning to) stable; green goes after its abort delay
};
[[nodiscard]] const char* to_string(blue_green_stage stage);

// Something worth an event, in the reconcile's vocabulary (reason, message).
struct blue_green_note {
  bool warning = false;
  std::string reason{};
  std::string message{};
  friend bool operator==(const blue_green_note&, const blue_green_note&) = default;
};

namespace blue_green_reasons {
inline constexpr std::string_view service_switched = "ServiceSwitched";
inline constexpr std::string_view promoted = "RolloutPromoted";
inline constexpr std::string_view aborted = "RolloutAborted";
inline constexpr std::string_view retried = "RolloutRetried";
inline constexpr std::string_view paused = "RolloutPaused";  // waiting for promotion
inline constexpr std::string_view operation_ignored = "OperationIgnored";
inline constexpr std::string_view service_rescued = "ActiveServiceRescued";
}  // namespace blue_green_reasons

struct blue_green_plan {
  blue_green_stage stage = blue_green_stage::preview;
  std::vector<replica_set_action> actions{};  // in order; none when a Service is missing
  // The pod-template hash each Service must select after the actions; empty: leave it as it is.
  std::string active_hash{};
  std::string preview_hash{};
  // What status must remember. current_hash is the template the rest refers to: the current one,
  // except while a missing Service or spec.paused holds everything, which must not make a template
  // the sync never acted on look already started.
  std::string current_hash{};
  std::string stable_hash{};
  bool aborted = false;
  std::optional<wall_time> pause_start{};  // a BlueGreenPause pause condition while set
  std::string promoted_hash{};             // green's hash from its promotion until it is stable
  bool operation_done = false;             // the request has taken effect (or had none): remove it
  std::vector<blue_green_note> notes{};
  std::string missing_service{};  // with stage service_missing: which, for the condition
  // Set when the active revision has no available pod and the only revision that could serve is
  // not approved (green not promoted, or aborted): the active Service stays, and this says why.
  std::string active_outage{};
  // Status counts, summed over every ReplicaSet as for a Deployment (updated: green's pods), and
  // the available pods of the active revision, the ones users reach.
  rollout_counts counts{};
  std::int32_t active_available = 0;
  std::int64_t revision = 0;      // green's revision
  std::string new_replica_set{};  // green's name; empty when it does not exist (paused first)
  bool created_new_replica_set = false;
  // Whether the sync moved the release toward its goal (the progress deadline is only judged then)
  // and whether the goal is reached.
  bool progressing = false;
  bool complete = false;
  std::optional<wall_time> auto_promotion_at{};  // while awaiting an automatic promotion
  std::optional<wall_time> scale_down_at{};      // earliest pending scale-down deadline
  // The earliest future moment something is due (a scale-down deadline, auto-promotion), for the
  // reconcile to be woken exactly then; nothing polls.
  std::optional<wall_time> wake_at{};
};

struct blue_green_result {
  blue_green_plan plan{};
  std::string error{};  // empty on success; otherwise nothing may be written

  [[nodiscard]] bool ok() const { return error.empty(); }
};

[[nodiscard]] blue_green_result plan_blue_green(const blue_green_input& in);

}  // namespace rolloutd::strategy
