#pragma once

// From the JSON the API server returns to RolloutPolicy values. Defaults are applied as the CRD's
// schema would apply them, so an object created before a default existed reads the same as a new
// one. Every problem is a field_error naming its path; no input makes these throw or crash.

#include <nlohmann/json.hpp>

#include "api/errors.hpp"
#include "api/rollout_policy.hpp"

namespace rolloutd::api {

// Errors cover metadata and spec; problems in status are warnings (see parse_status).
[[nodiscard]] checked<rollout_policy> parse_rollout_policy(const nlohmann::json& object);

// Only the metadata, so a policy whose spec cannot be read still gets its InvalidSpec condition
// and event (both need the name, namespace and uid).
[[nodiscard]] checked<object_meta> parse_object_meta(const nlohmann::json& object);

}  // namespace rolloutd::api
