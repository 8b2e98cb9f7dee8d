// The commands that change a policy: promote/abort/retry (a request in status.operation, for the
// controller), pause/resume (spec.paused), restart (spec.restartAt), set image and undo
// (spec.template). Spec edits built from what was read carry its resourceVersion; when someone
// else changed the policy in between, the edit is rebuilt from a fresh read.

#include <functional>

#include "api/timestamp.hpp"
#include "cli/commands.hpp"
#include "cli/connection.hpp"
#include "cli/errors.hpp"
#include "cli/json_fields.hpp"
#include "cli/patches.hpp"
#include "cli/render.hpp"
#include "cli/revisions.hpp"

namespace rolloutd::cli {

namespace {

using boost::asio::awaitable;
using json = nlohmann::json;

constexpr int conflict_attempts = 5;

api::timestamp now(const command_context& ctx) {
  return api::to_timestamp(ctx.clock.wall_now());
}

awaitable<bool> send_patch(command_context& ctx, const std::string& name, const json& patch,
                           std::string_view subresource) {
  auto r = co_await ctx.api.patch(policies_type(), ctx.namespace_name, name, kube::patch_type::json_merge,
                                  patch, subresource);
  if (!r.ok()) {
    report_failure(ctx, r.error(), policy_resource_name, name);
    co_return false;
  }
  co_return true;
}

// Reads the policy (and its ReplicaSets when `with_replica_sets`), plans a patch from it and sends
// it; a conflict starts again from the read.
using planner = std::function<planned_patch(const policy_objects&)>;
awaitable<int> plan_and_patch(command_context& ctx, const std::string& name, bool with_replica_sets,
                              const planner& plan) {
  for (int attempt = 1;; ++attempt) {
    std::optional<policy_objects> objects;
    if (with_replica_sets) {
      objects = co_await fetch_policy_objects(ctx, name, false);
    } else if (auto policy = co_await fetch_policy(ctx, name)) {
      objects = policy_objects{.policy = std::move(*policy)};
    }
    if (!objects) co_return 1;
    const planned_patch planned = plan(*objects);
    if (!planned.error.empty()) {
      ctx.err << "error: " << policy_ref(name) << ": " << planned.error << '\n';
      co_return 1;
    }
    if (planned.patch.is_null()) {
      ctx.out << policy_ref(name) << ' ' << planned.note << '\n';
      co_return 0;
    }
    auto r = co_await ctx.api.patch(policies_type(), ctx.namespace_name, name, kube::patch_type::json_merge,
                                    planned.patch);
    if (r.ok()) {
      ctx.out << policy_ref(name) << ' ' << planned.note << '\n';
      co_return 0;
    }
    if (!r.error().conflict() || attempt == conflict_attempts) {
      report_failure(ctx, r.error(), policy_resource_name, name);
      co_return 1;
    }
  }
}

}  // namespace

awaitable<int> run_operation(command_context& ctx, const command_line& cl) {
  api::operation_type type = api::operation_type::promote;
  std::string_view done = "promotion requested";
  if (cl.command->id == command_id::abort) {
    type = api::operation_type::abort;
    done = "abort requested";
  } else if (cl.command->id == command_id::retry) {
    type = api::operation_type::retry;
    done = "retry requested";
  } else if (cl.full) {
    type = api::operation_type::promote_full;
    done = "full promotion requested";
  }
  const json patch = operation_patch(type, now(ctx));
  if (!co_await send_patch(ctx, cl.name(), patch, "status")) co_return 1;
  ctx.out << policy_ref(cl.name()) << ' ' << done << '\n';
  co_return 0;
}

awaitable<int> run_pause(command_context& ctx, const command_line& cl, bool pause) {
  // As `kubectl rollout pause|resume`: asking for the state it is already in is an error, so a
  // script learns that its view of the rollout was wrong.
  const planner plan = [pause](const policy_objects& o) {
    planned_patch p;
    if (bool_at(o.policy, {"spec", "paused"}) == pause) {
      p.error = pause ? "already paused" : "not paused";
      return p;
    }
    p.patch = paused_patch(pause);
    p.note = pause ? "paused" : "resumed";
    return p;
  };
  co_return co_await plan_and_patch(ctx, cl.name(), false, plan);
}

awaitable<int> run_restart(command_context& ctx, const command_line& cl) {
  const api::timestamp at = now(ctx);
  const planner plan = [at](const policy_objects& o) {
    planned_patch p;
    if (bool_at(o.policy, {"spec", "paused"})) {
      p.error = "can't restart a paused rollout (run 'kubectl rp resume' first)";
      return p;
    }
    p.patch = restart_patch(at);
    p.note = "restarted";
    // Every strategy replaces its pods within its availability budget, but only once no rollout is
    // replacing them: say so rather than let "restarted" suggest it is under way.
    const std::string phase = string_at(o.policy, {"status", "phase"});
    if (!phase.empty() && phase != "Healthy") {
      p.note +=
          " (the pods are replaced once the rollout in progress is complete; the policy is " + phase + ")";
    }
    return p;
  };
  co_return co_await plan_and_patch(ctx, cl.name(), false, plan);
}

awaitable<int> run_set_image(command_context& ctx, const command_line& cl) {
  std::string error;
  const auto images = parse_image_assignments({cl.args.begin() + 1, cl.args.end()}, error);
  if (!error.empty()) {
    ctx.err << "error: " << error << '\n';
    co_return 2;
  }
  const planner plan = [&images](const policy_objects& o) { return set_image_patch(o.policy, images); };
  co_return co_await plan_and_patch(ctx, cl.name(), false, plan);
}

awaitable<int> run_undo(command_context& ctx, const command_line& cl) {
  const std::int64_t to_revision = cl.revision;
  const planner plan = [to_revision](const policy_objects& o) {
    return undo_patch(o.policy, revision_history(uid_of(o.policy), o.replica_sets), to_revision);
  };
  co_return co_await plan_and_patch(ctx, cl.name(), true, plan);
}

}  // namespace rolloutd::cli
