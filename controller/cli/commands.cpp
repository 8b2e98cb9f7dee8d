// The commands that only read (get, list, history, status), the dispatch, and the reads every
// command shares.

#include "cli/commands.hpp"

#include <algorithm>

#include "api/parse.hpp"
#include "cli/connection.hpp"
#include "cli/errors.hpp"
#include "cli/json_fields.hpp"
#include "cli/render.hpp"
#include "cli/revisions.hpp"
#include "cli/status_report.hpp"

namespace rolloutd::cli {

namespace {

using boost::asio::awaitable;
using json = nlohmann::json;

render_options stdout_options(command_context& ctx) {
  render_options o = render_options_for(ctx.terminal());
  o.now = ctx.clock.wall_now();
  return o;
}

awaitable<int> run_get(command_context& ctx, const command_line& cl) {
  if (cl.watch) co_return co_await watch_get(ctx, cl.name());
  auto objects = co_await fetch_policy_objects(ctx, cl.name(), true);
  if (!objects) co_return 1;
  const auto view = make_rollout_view(objects->policy, objects->replica_sets, objects->pods);
  ctx.out << render_get(view, stdout_options(ctx));
  co_return 0;
}

awaitable<int> run_list(command_context& ctx, const command_line& cl) {
  const std::string ns = cl.all_namespaces ? std::string() : ctx.namespace_name;
  const std::string no_selector;
  auto items = co_await list_all(ctx.api, policies_type(), ns, no_selector);
  if (!items.ok()) {
    report_failure(ctx, items.error(), policy_resource_name, "");
    co_return 1;
  }
  if (items->empty()) {
    ctx.err << (cl.all_namespaces ? std::string("No resources found\n")
                                  : "No resources found in " + ctx.namespace_name + " namespace.\n");
    co_return 0;
  }
  std::vector<rollout_view> views;
  for (const auto& item : *items) views.push_back(make_rollout_view(item, {}, {}));
  std::sort(views.begin(), views.end(), [](const rollout_view& a, const rollout_view& b) {
    return a.namespace_name != b.namespace_name ? a.namespace_name < b.namespace_name : a.name < b.name;
  });
  ctx.out << render_list(views, cl.all_namespaces, stdout_options(ctx));
  co_return 0;
}

awaitable<int> run_history(command_context& ctx, const command_line& cl) {
  auto objects = co_await fetch_policy_objects(ctx, cl.name(), false);
  if (!objects) co_return 1;
  const auto history = revision_history(uid_of(objects->policy), objects->replica_sets);
  const auto options = stdout_options(ctx);
  if (cl.revision == 0) {
    if (history.empty()) {
      ctx.err << "No rollout history found for " << policy_ref(cl.name()) << ".\n";
      co_return 0;
    }
    ctx.out << render_history(cl.name(), history, options);
    co_return 0;
  }
  for (const auto& entry : history) {
    if (entry.revision != cl.revision) continue;
    ctx.out << render_revision(cl.name(), entry, options);
    co_return 0;
  }
  ctx.err << "error: unable to find the specified revision " << cl.revision << " of " << policy_ref(cl.name())
          << "\n";
  co_return 1;
}

awaitable<int> run_status(command_context& ctx, const command_line& cl) {
  if (cl.watch) co_return co_await watch_status(ctx, cl.name(), cl.timeout);
  auto policy = co_await fetch_policy(ctx, cl.name());
  if (!policy) co_return 1;
  const auto report = evaluate_status(*policy);
  ctx.out << format_status_line(report, stdout_options(ctx)) << '\n';
  co_return report.verdict == rollout_verdict::degraded ? 1 : 0;
}

}  // namespace

void report_failure(command_context& ctx, const kube::api_error& error, std::string_view resource,
                    std::string_view name) {
  ctx.err << describe_failure(error, resource, name, ctx.server) << '\n';
}

awaitable<std::optional<json>> fetch_policy(command_context& ctx, const std::string& name) {
  auto r = co_await ctx.api.get(policies_type(), ctx.namespace_name, name);
  if (!r.ok()) {
    report_failure(ctx, r.error(), policy_resource_name, name);
    co_return std::nullopt;
  }
  co_return std::move(r).value();
}

std::string selector_of(const json& policy) {
  if (auto parsed = api::parse_rollout_policy(policy); parsed.ok() && !parsed->spec.selector.empty()) {
    return parsed->spec.selector.to_string();
  }
  return string_at(policy, {"status", "selector"});
}

awaitable<std::optional<policy_objects>> fetch_policy_objects(command_context& ctx, const std::string& name,
                                                              bool with_pods) {
  auto policy = co_await fetch_policy(ctx, name);
  if (!policy) co_return std::nullopt;
  policy_objects out;
  out.policy = std::move(*policy);
  const std::string selector = selector_of(out.policy);
  auto replica_sets = co_await list_all(ctx.api, replica_sets_type(), ctx.namespace_name, selector);
  if (!replica_sets.ok()) {
    report_failure(ctx, replica_sets.error(), "replicasets.apps", "");
    co_return std::nullopt;
  }
  out.replica_sets = std::move(replica_sets).value();
  if (with_pods) {
    auto pods = co_await list_all(ctx.api, pods_type(), ctx.namespace_name, selector);
    if (!pods.ok()) {
      report_failure(ctx, pods.error(), "pods", "");
      co_return std::nullopt;
    }
    out.pods = std::move(pods).value();
  }
  co_return out;
}

awaitable<int> run_cluster_command(command_context& ctx, const command_line& cl) {
  switch (cl.command->id) {
    case command_id::get:
      co_return co_await run_get(ctx, cl);
    case command_id::list:
      co_return co_await run_list(ctx, cl);
    case command_id::history:
      co_return co_await run_history(ctx, cl);
    case command_id::status:
      co_return co_await run_status(ctx, cl);
    case command_id::promote:
    case command_id::abort:
    case command_id::retry:
      co_return co_await run_operation(ctx, cl);
    case command_id::pause:
      co_return co_await run_pause(ctx, cl, true);
    case command_id::resume:
      co_return co_await run_pause(ctx, cl, false);
    case command_id::restart:
      co_return co_await run_restart(ctx, cl);
    case command_id::set_image:
      co_return co_await run_set_image(ctx, cl);
    case command_id::undo:
      co_return co_await run_undo(ctx, cl);
    default:
      ctx.err << "error: " << cl.command->name << " does not talk to the cluster\n";
      co_return 2;
  }
}

}  // namespace rolloutd::cli
