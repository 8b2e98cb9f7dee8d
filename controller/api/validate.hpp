#pragma once

// What neither parsing nor the CRD's schema can judge: relations between fields, names the API
// server would refuse only when the controller acts, and features this version cannot serve.
// A non-empty result means InvalidSpec: the policy's ReplicaSets and Services are left alone.

#include <string>

#include "api/errors.hpp"
#include "api/rollout_policy.hpp"

namespace rolloutd::api {

[[nodiscard]] field_errors validate(const rollout_policy& policy);

// The pod template against the selector; also for a template taken from spec.workloadRef's
// Deployment, which only the reconciler can read (`path` names where the template came from).
[[nodiscard]] field_errors validate_template(const pod_template& t, const label_selector& selector,
                                             const std::string& path);

}  // namespace rolloutd::api
