#pragma once

// The names other tools and tests rely on (DESIGN.md "Names"); they never change once released.

#include <string_view>

namespace rolloutd::api {

inline constexpr std::string_view group = "rolloutd.io";
inline constexpr std::string_view version = "v1alpha1";
inline constexpr std::string_view api_version = "rolloutd.io/v1alpha1";
inline constexpr std::string_view kind = "RolloutPolicy";
inline constexpr std::string_view plural = "rolloutpolicies";

inline constexpr std::string_view pod_template_hash_label = "rolloutd.io/pod-template-hash";
inline constexpr std::string_view revision_annotation = "rolloutd.io/revision";
inline constexpr std::string_view revision_history_annotation = "rolloutd.io/revision-history";
inline constexpr std::string_view desired_replicas_annotation = "rolloutd.io/desired-replicas";
// On a ReplicaSet: the hash of the policy's spec.template it was made from, as the policy holds it
// (before the API server defaulted the copy on the ReplicaSet). How rolloutd recognises its own
// ReplicaSet without comparing a defaulted template to an undefaulted one.
inline constexpr std::string_view template_hash_annotation = "rolloutd.io/template-hash";
inline constexpr std::string_view managed_by_annotation = "rolloutd.io/managed-by";
// Kubernetes' own: why a revision was made. Copied from the policy to its current ReplicaSet, as
// the Deployment controller copies it, so `kubectl rp history` shows it per revision.
inline constexpr std::string_view change_cause_annotation = "kubernetes.io/change-cause";

}  // namespace rolloutd::api
