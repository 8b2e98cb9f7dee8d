#pragma once

// The bounds on every time span and time in a RolloutPolicy's spec, the same numbers as the CRD's
// schema (crds/rolloutpolicies.rolloutd.io.yaml), so a policy stored without that schema (an older
// CRD, a schema bypassed) gets the same answer, as InvalidSpec. Chosen like Kubernetes' own limits
// (Service session affinity: at most a day): far beyond any sensible wait, far inside what the
// controller's nanosecond clock can add (common/saturating_time.hpp saturates regardless).

#include <chrono>
#include <cstdint>
#include <limits>

namespace rolloutd::api {

// 30 days: the longest pause, delay, deadline or readiness wait a spec may name.
inline constexpr std::int32_t max_wait_seconds = 30 * 24 * 60 * 60;
inline constexpr std::chrono::hours max_pause_duration{30 * 24};
// progressDeadlineSeconds may also be INT32_MAX, Kubernetes' "no deadline" (as for a Deployment).
inline constexpr std::int32_t no_progress_deadline = std::numeric_limits<std::int32_t>::max();
// spec.restartAt lies in [1970-01-01, 2100-01-01).
inline constexpr std::chrono::sys_seconds earliest_restart_at{
    std::chrono::sys_days{std::chrono::year{1970} / 1 / 1}};
inline constexpr std::chrono::sys_seconds restart_at_limit{
    std::chrono::sys_days{std::chrono::year{2100} / 1 / 1}};

}  // namespace rolloutd::api
