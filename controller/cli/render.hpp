#pragma once

// Objects to text for `kubectl rp get`, `list` and `history`. Pure: the terminal's width, whether
// it is one, and the time are parameters, so golden tests need no cluster and no terminal.

#include <string>
#include <string_view>
#include <vector>

#include "cli/revisions.hpp"
#include "cli/rollout_view.hpp"
#include "cli/text_layout.hpp"

namespace rolloutd::cli {

// The kind/name kubectl prints for a policy in messages: rolloutpolicy.rolloutd.io/hello.
[[nodiscard]] std::string policy_ref(std::string_view name);

// A status word as a table cell: "✔ Healthy" (symbols) or "Healthy", toned by what it means.
[[nodiscard]] table_cell status_cell(std::string_view status, const render_options& options);
[[nodiscard]] table_cell status_cell(std::string_view status, tone t, const render_options& options);
[[nodiscard]] tone tone_of_status(std::string_view status);

// Header (name, namespace, phase and message, strategy, canary step and weights, images, replica
// counts) and a tree of revisions -> ReplicaSets -> pods.
[[nodiscard]] std::string render_get(const rollout_view& view, const render_options& options);

// One row per policy: NAME, STRATEGY, PHASE, STEP, SET-WEIGHT, READY, DESIRED, UP-TO-DATE,
// AVAILABLE; NAMESPACE first when listing every namespace.
[[nodiscard]] std::string render_list(const std::vector<rollout_view>& views, bool all_namespaces,
                                      const render_options& options);

// REVISION, CHANGE-CAUSE, IMAGES, oldest first, as `kubectl rollout history`.
[[nodiscard]] std::string render_history(std::string_view policy_name,
                                         const std::vector<revision_entry>& history,
                                         const render_options& options);

// One revision in detail: its ReplicaSet, change cause and pod template.
[[nodiscard]] std::string render_revision(std::string_view policy_name, const revision_entry& entry,
                                          const render_options& options);

}  // namespace rolloutd::cli
