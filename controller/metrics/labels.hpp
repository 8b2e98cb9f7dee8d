#pragma once

// Label values of the rolloutd_ series. Every label takes its value from a fixed set, so the number
// of series is bounded by the number of policies alive (and removed with them): strategies and
// phases are enums here, and strings that arrive from other layers (API verbs, resource names,
// event reasons) are mapped onto a known list, with anything else folded into one "other" value.
// A typo or an unexpected resource thus costs one series, never one per distinct string.

#include <span>
#include <string>
#include <string_view>

namespace rolloutd {

enum class strategy_kind { rolling_update, canary, blue_green };
// The status phases of the RolloutPolicy API.
enum class policy_phase { progressing, paused, healthy, degraded };
// Which part of a rollout a ReplicaSet plays: rollingUpdate has new and old; canary has canary,
// stable and old; blueGreen has the ReplicaSets behind the active and the preview Services, and old.
enum class replica_role { new_revision, old, canary, stable, active, preview };
// How a rollout ended, for the duration histogram.
enum class rollout_outcome { healthy, aborted, superseded };

// The spellings of the API: "rollingUpdate", "canary", "blueGreen".
[[nodiscard]] std::string_view label_value(strategy_kind strategy);
// "Progressing", "Paused", "Healthy", "Degraded", as in status.phase.
[[nodiscard]] std::string_view label_value(policy_phase phase);
// "new", "old", "canary", "stable", "active", "preview".
[[nodiscard]] std::string_view label_value(replica_role role);
// "healthy", "aborted", "superseded".
[[nodiscard]] std::string_view label_value(rollout_outcome outcome);

// The plural name of a resource type the controller uses ("replicasets"), optionally with a
// subresource ("rolloutpolicies/status", "replicasets/scale"); anything else is "other".
[[nodiscard]] std::string bounded_resource(std::string_view resource);
// An HTTP method or Kubernetes verb in upper case ("GET", "LIST", "WATCH", "PATCH", ...), matched
// case-insensitively; anything else is "OTHER". The views returned here point at constants.
[[nodiscard]] std::string_view bounded_verb(std::string_view verb);
// The HTTP status code as text for 100..599; "error" for no response (transport failures are
// code 0, as in kube::api_error).
[[nodiscard]] std::string code_label(int code);
// An event reason the controller records; anything else is "Other".
[[nodiscard]] std::string_view bounded_event_reason(std::string_view reason);
// The reasons bounded_event_reason keeps. A new event reason in the reconciler is added here.
[[nodiscard]] std::span<const std::string_view> known_event_reasons();

}  // namespace rolloutd
