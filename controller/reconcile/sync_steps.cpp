#include "reconcile/sync_steps.hpp"

#include <algorithm>
#include <variant>

#include "api/names.hpp"
#include "reconcile/replica_sets.hpp"

namespace rolloutd::reconcile {

namespace {

using json = nlohmann::json;
using boost::asio::awaitable;

constexpr std::chrono::milliseconds conflict_requeue{500};

std::string meta_string(const json& object, const char* field) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return {};
  auto v = m->find(field);
  return v != m->end() && v->is_string() ? v->get<std::string>() : std::string{};
}

std::string change_cause_of(const api::rollout_policy& policy) {
  const auto it = policy.metadata.annotations.find(std::string(api::change_cause_annotation));
  return it != policy.metadata.annotations.end() ? it->second : std::string{};
}

// Outside the coroutines: GCC 12 mishandles braced temporaries in a coroutine body.
json replica_set_body(const policy_snapshot& s, const strategy::create_replica_set& create) {
  const auto& policy = s.policy;
  const owner own{policy.metadata.namespace_name, policy.metadata.name, policy.metadata.uid};
  const json selector = policy.spec.selector.to_json();
  return build_replica_set(own,
                           {.selector = selector,
                            .pod_template = s.pod_template,
                            .hash = s.hash,
                            .min_ready_seconds = policy.spec.min_ready_seconds,
                            .change_cause = change_cause_of(policy),
                            .template_hash = s.template_hash},
                           create);
}

}  // namespace

const kube::resource_type& rollout_policies_resource() {
  static const kube::resource_type t{"rolloutd.io", "v1alpha1", "rolloutpolicies", true};
  return t;
}

const kube::resource_type& replica_sets_resource() {
  static const kube::resource_type t{"apps", "v1", "replicasets", true};
  return t;
}

const kube::resource_type& services_resource() {
  static const kube::resource_type t{"", "v1", "services", true};
  return t;
}

reconcile_outcome requeue_soon() {
  return {.requeue_after = conflict_requeue};
}

std::chrono::milliseconds recheck_delay(std::chrono::system_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d) + std::chrono::seconds(1);
}

void sync_context::emit(const event_note& e) const {
  d.log.info("event {}/{} {} {}: {}", ref.namespace_name, ref.name,
             e.type == kube::event_type::warning ? "Warning" : "Normal", e.reason, e.message);
  if (d.events != nullptr) d.events->record(ref, e.type, e.reason, e.message);
}

awaitable<reconcile_outcome> write_status(sync_context& c, const json& object,
                                          const status_decision& decision) {
  static const json no_status = json::object();
  auto it = object.find("status");
  const json& observed = it != object.end() ? *it : no_status;
  json patch = api::merge_patch(observed, decision.status);
  reconcile_outcome out;
  if (decision.recheck_after) out.requeue_after = recheck_delay(*decision.recheck_after);
  if (patch.empty()) {
    for (const auto& e : decision.events) c.emit(e);
    co_return out;
  }
  patch = api::with_precondition(std::move(patch), meta_string(object, "resourceVersion"));
  auto r = co_await c.d.api.patch(rollout_policies_resource(), c.ref.namespace_name, c.ref.name,
                                  kube::patch_type::json_merge, patch, "status");
  if (!r.ok()) {
    if (r.error().conflict()) co_return requeue_soon();
    if (r.error().not_found()) co_return reconcile_outcome{};
    co_return reconcile_outcome{.failed = true, .error = "status patch: " + r.error().message};
  }
  // Only now: the events tell of the transition this status records, and a reconcile that planned
  // from a stale cache got a conflict above instead of announcing the same transition again.
  for (const auto& e : decision.events) c.emit(e);
  co_return out;
}

awaitable<reconcile_outcome> write_invalid(sync_context& c, const json& object,
                                           const api::rollout_status& previous, std::int64_t generation,
                                           std::string_view reason, const std::string& message) {
  const auto decision = invalid_status(previous, generation, reason, message, c.d.clock.wall_now());
  co_return co_await write_status(c, object, decision);
}

// POSTs (or with dry_run, only validates) the ReplicaSet of a create action, with strict field
// validation: a field the Pod schema does not know is refused rather than silently dropped.
awaitable<actions_outcome> post_replica_set(sync_context& c, const policy_snapshot& s,
                                            const strategy::create_replica_set& create, bool dry_run) {
  using kind = actions_outcome::kind;
  const auto& policy = s.policy;
  const json body = replica_set_body(s, create);
  kube::write_options options;
  options.field_validation = "Strict";
  options.dry_run = dry_run;
  options.warnings = std::make_shared<std::vector<std::string>>();
  auto r = co_await c.d.api.create(replica_sets_resource(), policy.metadata.namespace_name, body, options);
  // Advice such as a PodSecurity "would violate" or a deprecated field; told once, by the real
  // create (a dry run before it would only repeat it).
  if (!dry_run) {
    for (const auto& text : *options.warnings) {
      c.emit({kube::event_type::warning, "APIWarning", "ReplicaSet " + create.name + ": " + text});
    }
  }
  if (r.ok()) co_return actions_outcome{};
  const auto& error = r.error();
  // Usually our own ReplicaSet that the cache has not seen yet; the collision check decides on the
  // next look, when the cache has it.
  if (error.conflict()) co_return actions_outcome{.result = kind::requeue};
  // The server refused the template itself (an unknown or misspelt field, an invalid value): the
  // spec is wrong, and trying again cannot help until it changes.
  if (error.code == 400 || error.code == 422) {
    co_return actions_outcome{
        .result = kind::failed, .error = "spec.template: " + error.message, .invalid_spec = true};
  }
  co_return actions_outcome{.result = kind::failed,
                            .error = "create ReplicaSet " + create.name + ": " + error.message,
                            .create_failed = true};
}

awaitable<reconcile_outcome> write_invalid_template(sync_context& c, const policy_snapshot& s,
                                                    const std::string& message) {
  co_return co_await write_invalid(c, s.object, s.policy.status, s.policy.metadata.generation,
                                   api::condition_reasons::invalid_spec, message);
}

awaitable<std::optional<reconcile_outcome>> refuse_bad_template(
    sync_context& c, const policy_snapshot& s, const std::vector<strategy::replica_set_action>& actions,
    bool writes_before_actions) {
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const auto* create = std::get_if<strategy::create_replica_set>(&actions[i]);
    if (create == nullptr) continue;
    // The create itself refuses a bad template before anything else is written.
    if (i == 0 && !writes_before_actions) break;
    const auto checked = co_await post_replica_set(c, s, *create, /*dry_run=*/true);
    if (checked.invalid_spec) co_return co_await write_invalid_template(c, s, checked.error);
    if (checked.result == actions_outcome::kind::requeue) co_return requeue_soon();
    if (checked.result == actions_outcome::kind::failed) {
      co_return reconcile_outcome{.failed = true, .error = checked.error};
    }
    break;
  }
  co_return std::nullopt;
}

awaitable<actions_outcome> run_replica_set_actions(sync_context& c, const policy_snapshot& s,
                                                   const std::vector<strategy::replica_set_action>& actions) {
  using kind = actions_outcome::kind;
  const auto& ns = s.policy.metadata.namespace_name;
  for (const auto& action : actions) {
    if (const auto* create = std::get_if<strategy::create_replica_set>(&action)) {
      auto created = co_await post_replica_set(c, s, *create, /*dry_run=*/false);
      if (created.result != kind::done) co_return created;
      if (!create->event.empty()) c.emit({kube::event_type::normal, "ScalingReplicaSet", create->event});
      continue;
    }
    std::string name;
    std::string event;
    const bool is_delete = std::holds_alternative<strategy::delete_replica_set>(action);
    if (const auto* scale = std::get_if<strategy::scale_replica_set>(&action)) {
      name = scale->name;
      event = scale->event;
    } else if (const auto* annotate = std::get_if<strategy::annotate_replica_set>(&action)) {
      name = annotate->name;
    } else {
      name = std::get<strategy::delete_replica_set>(action).name;
    }
    auto found = s.children.by_name.find(name);
    if (found == s.children.by_name.end()) co_return actions_outcome{.result = kind::requeue};
    const json& rs = *found->second;
    const std::string rv = meta_string(rs, "resourceVersion");
    kube::status result = kube::void_value{};
    if (is_delete) {
      kube::delete_options options;
      options.precondition_uid = meta_string(rs, "uid");
      auto r = co_await c.d.api.remove(replica_sets_resource(), ns, name, options);
      if (!r.ok() && !r.error().not_found()) result = r.error();
    } else {
      json patch;
      if (const auto* scale = std::get_if<strategy::scale_replica_set>(&action)) {
        patch = scale_patch(*scale, rv);
      } else {
        patch = annotate_patch(std::get<strategy::annotate_replica_set>(action), rv);
      }
      auto r = co_await c.d.api.patch(replica_sets_resource(), ns, name, kube::patch_type::json_merge, patch);
      if (!r.ok()) result = r.error();
    }
    if (!result.ok()) {
      if (result.error().conflict() || result.error().not_found()) {
        co_return actions_outcome{.result = kind::requeue};
      }
      co_return actions_outcome{.result = kind::failed,
                                .error = "ReplicaSet " + name + ": " + result.error().message};
    }
    if (!event.empty()) c.emit({kube::event_type::normal, "ScalingReplicaSet", event});
  }
  co_return actions_outcome{};
}

awaitable<actions_outcome> sync_new_replica_set(sync_context& c, const policy_snapshot& s,
                                                const std::vector<strategy::replica_set_action>& done) {
  if (!s.children.new_replica_set) co_return actions_outcome{};
  const auto& name = s.children.new_replica_set->name;
  const bool written = std::any_of(done.begin(), done.end(), [&](const strategy::replica_set_action& a) {
    return std::visit([&](const auto& x) { return x.name == name; }, a);
  });
  if (written) co_return actions_outcome{};
  const auto found = s.children.by_name.find(s.children.new_replica_set->name);
  if (found == s.children.by_name.end()) co_return actions_outcome{};
  const auto patch = new_replica_set_update(
      *found->second,
      {.min_ready_seconds = s.policy.spec.min_ready_seconds, .change_cause = change_cause_of(s.policy)});
  if (!patch) co_return actions_outcome{};
  auto r = co_await c.d.api.patch(replica_sets_resource(), s.policy.metadata.namespace_name, found->first,
                                  kube::patch_type::json_merge, *patch);
  if (r.ok()) co_return actions_outcome{};
  if (r.error().conflict() || r.error().not_found())
    co_return actions_outcome{.result = actions_outcome::kind::requeue};
  co_return actions_outcome{.result = actions_outcome::kind::failed,
                            .error = "ReplicaSet " + found->first + ": " + r.error().message};
}

}  // namespace rolloutd::reconcile
