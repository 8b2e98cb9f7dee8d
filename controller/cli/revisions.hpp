#pragma once

// A policy's revision history, read from the ReplicaSets it controls the way `kubectl rollout
// history` reads a Deployment's: each ReplicaSet is one revision (its rolloutd.io/revision
// annotation; a ReplicaSet reused by an undo carries the new number), its pod template is the
// revision's template, and kubernetes.io/change-cause says why it was made. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/names.hpp"
#include "api/rollout_policy.hpp"

namespace rolloutd::cli {

using api::change_cause_annotation;

struct revision_entry {
  std::int64_t revision = 0;
  std::string replica_set;  // its name
  std::string hash;         // its rolloutd.io/pod-template-hash label
  std::string change_cause;
  // The template as the policy would carry it: the ReplicaSet's copy without the hash label the
  // controller added (and without the creationTimestamp the API server may have written).
  nlohmann::json pod_template = nlohmann::json::object();
  std::vector<api::container_image> images;  // init containers first, then containers
  std::optional<api::timestamp> created;
};

// The ReplicaSets controlled by the policy with this uid that carry a revision, oldest revision
// first. Others (no annotation, someone else's) are not part of its history.
[[nodiscard]] std::vector<revision_entry> revision_history(std::string_view policy_uid,
                                                           const std::vector<nlohmann::json>& replica_sets);

// The hash label removed, as `kubectl rollout undo` removes pod-template-hash.
[[nodiscard]] nlohmann::json policy_template_of(const nlohmann::json& replica_set);

// The change cause of a ReplicaSet: its own kubernetes.io/change-cause annotation, else its pod
// template's (which is where a policy's template annotation ends up).
[[nodiscard]] std::string change_cause_of(const nlohmann::json& replica_set);

struct rollback_choice {
  std::optional<revision_entry> target;
  std::string error;  // why there is none
};

// The revision `undo --to-revision=N` goes back to: N itself, or for 0 the newest revision before
// the latest one (kubectl's rule).
[[nodiscard]] rollback_choice choose_rollback(const std::vector<revision_entry>& history,
                                              std::int64_t to_revision);

}  // namespace rolloutd::cli
