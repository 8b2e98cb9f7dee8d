#pragma once

// The changes kubectl-rp's commands make, as JSON merge patches built from the object they read.
// Operations the controller carries out (promote, abort, retry) go to the status subresource, so
// the spec a GitOps tool manages never changes; the others change only the spec field the user
// asked about (spec.paused, spec.restartAt, spec.template). Pure.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/status.hpp"
#include "api/timestamp.hpp"
#include "cli/revisions.hpp"

namespace rolloutd::cli {

inline constexpr std::string_view requested_by = "kubectl-rp";

// {"status": {"operation": {"type": ..., "requestedAt": ..., "requestedBy": "kubectl-rp"}}}, for
// PATCH .../status. It replaces a request the controller has not handled yet.
[[nodiscard]] nlohmann::json operation_patch(api::operation_type type, api::timestamp now);

[[nodiscard]] nlohmann::json paused_patch(bool paused);
[[nodiscard]] nlohmann::json restart_patch(api::timestamp now);

// A patch built from the object as read, or why none can be.
struct planned_patch {
  nlohmann::json patch;  // null when there is nothing to change
  std::string error;     // non-empty: the command fails with this message
  std::string note;      // what happened, for the user
};

// `set image NAME CONTAINER=IMAGE...`: CONTAINER may be "*" for every container. Init containers
// are matched too, as `kubectl set image` does.
struct image_assignment {
  std::string container;
  std::string image;
};
// Parses "name=image" arguments; an error names the argument that is not one.
[[nodiscard]] std::vector<image_assignment> parse_image_assignments(const std::vector<std::string>& args,
                                                                    std::string& error);
// Replaces container lists whole (a merge patch cannot edit one array element), carrying the
// policy's resourceVersion so an edit made in between fails with a conflict instead of being
// overwritten.
[[nodiscard]] planned_patch set_image_patch(const nlohmann::json& policy,
                                            const std::vector<image_assignment>& images);

// `undo [--to-revision=N]`: spec.template becomes that revision's template. The patch sets every
// member that differs and nulls every member the target lacks, so the result is exactly the
// revision's template; it carries the resourceVersion as set_image_patch does.
[[nodiscard]] planned_patch undo_patch(const nlohmann::json& policy,
                                       const std::vector<revision_entry>& history, std::int64_t to_revision);

}  // namespace rolloutd::cli
