#include "reconcile/policy_reconciler.hpp"

#include <map>
#include <variant>

#include "api/parse.hpp"
#include "api/template_hash.hpp"
#include "api/validate.hpp"
#include "reconcile/policy_status.hpp"
#include "reconcile/replica_sets.hpp"

namespace rolloutd::reconcile {

namespace {

using json = nlohmann::json;
using boost::asio::awaitable;

// A write lost a race (stale cache, concurrent edit): look again shortly, without a backoff storm
// or a warning; the informer event that caused the race usually re-queues the key first anyway.
constexpr std::chrono::milliseconds conflict_requeue{500};

strategy::int_or_percent to_strategy(const api::int_or_percent& v) {
  return v.is_percent() ? strategy::int_or_percent::percentage(v.value())
                        : strategy::int_or_percent::count(v.value());
}

const json& rs_template(const json& rs) {
  static const json empty = json::object();
  auto spec = rs.find("spec");
  if (spec == rs.end() || !spec->is_object()) return empty;
  auto t = spec->find("template");
  return t == spec->end() ? empty : *t;
}

std::string meta_string(const json& object, const char* field) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return {};
  auto v = m->find(field);
  return v != m->end() && v->is_string() ? v->get<std::string>() : std::string{};
}

reconcile_outcome requeue_soon() {
  return {.requeue_after = conflict_requeue};
}

std::chrono::milliseconds recheck_delay(std::chrono::system_clock::duration d) {
  // One second past the deadline: condition times have whole-second precision.
  return std::chrono::duration_cast<std::chrono::milliseconds>(d) + std::chrono::seconds(1);
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

namespace {

struct context {
  reconciler_deps& d;
  kube::object_reference ref;

  void emit(const event_note& e) const {
    d.log.info("event {}/{} {} {}: {}", ref.namespace_name, ref.name,
               e.type == kube::event_type::warning ? "Warning" : "Normal", e.reason, e.message);
    if (d.events != nullptr) d.events->record(ref, e.type, e.reason, e.message);
  }
};

// PATCH the status subresource when the decision differs from what is stored. A conflict (only
// possible with a precondition) or a vanished policy is not an error.
awaitable<reconcile_outcome> write_status(context& c, const json& object, const status_decision& decision) {
  static const json no_status = json::object();
  auto it = object.find("status");
  const json& observed = it != object.end() ? *it : no_status;
  const json patch = api::merge_patch(observed, decision.status);
  for (const auto& e : decision.events) c.emit(e);
  reconcile_outcome out;
  if (decision.recheck_after) out.requeue_after = recheck_delay(*decision.recheck_after);
  if (patch.empty()) co_return out;
  auto r = co_await c.d.api.patch(rollout_policies_resource(), c.ref.namespace_name, c.ref.name,
                                  kube::patch_type::json_merge, patch, "status");
  if (!r.ok()) {
    if (r.error().conflict()) co_return requeue_soon();
    if (r.error().not_found()) co_return reconcile_outcome{};
    co_return reconcile_outcome{.failed = true, .error = "status patch: " + r.error().message};
  }
  co_return out;
}

awaitable<reconcile_outcome> invalid(context& c, const json& object, const api::rollout_status& previous,
                                     std::int64_t generation, std::string_view reason,
                                     const std::string& message) {
  auto decision = invalid_status(previous, generation, reason, message, c.d.clock.wall_now());
  co_return co_await write_status(c, object, decision);
}

}  // namespace

awaitable<reconcile_outcome> policy_reconciler::reconcile(std::string key) {
  const auto split = parse_key(key);
  if (!split) co_return reconcile_outcome{};
  const kube::object_ptr object = d_.policies.get(split->namespace_name, split->name);
  // Gone: its ReplicaSets carry owner references and are garbage-collected.
  if (!object) co_return reconcile_outcome{};

  context c{d_, {}};
  c.ref.api_version = "rolloutd.io/v1alpha1";
  c.ref.kind = "RolloutPolicy";
  c.ref.namespace_name = split->namespace_name;
  c.ref.name = split->name;
  c.ref.uid = meta_string(*object, "uid");

  auto parsed = api::parse_rollout_policy(*object);
  if (!parsed.ok()) {
    auto previous = api::parse_status(object->value("status", json::object()));
    std::int64_t generation = 0;
    if (auto m = api::parse_object_meta(*object); m.ok()) generation = m->generation;
    co_return co_await invalid(c, *object, previous.value(), generation, api::condition_reasons::invalid_spec,
                               api::describe(parsed.errors()));
  }
  const api::rollout_policy& policy = parsed.value();
  if (policy.metadata.deletion_timestamp) co_return reconcile_outcome{};
  const auto generation = policy.metadata.generation;

  if (auto errors = api::validate(policy); !errors.empty()) {
    co_return co_await invalid(c, *object, policy.status, generation, api::condition_reasons::invalid_spec,
                               api::describe(errors));
  }
  const auto* rolling = std::get_if<api::rolling_update_strategy>(&policy.spec.strategy);
  if (rolling == nullptr) {
    co_return co_await invalid(c, *object, policy.status, generation, "UnsupportedStrategy",
                               std::string("strategy ") + api::strategy_name(policy.spec.strategy) +
                                   " is not supported by this version yet");
  }
  if (!policy.spec.template_spec) {
    co_return co_await invalid(c, *object, policy.status, generation, "UnsupportedStrategy",
                               "spec.workloadRef is not supported by this version yet");
  }
  const json& pod_template = policy.spec.template_spec->raw;
  const std::string hash = api::template_hash(pod_template, policy.status.collision_count);
  const std::string new_name = policy.metadata.name + "-" + hash;

  // The ReplicaSets this policy controls, as the cache last saw them.
  strategy::rolling_input in;
  in.replicas = policy.spec.replicas;
  in.max_surge = to_strategy(rolling->max_surge);
  in.max_unavailable = to_strategy(rolling->max_unavailable);
  in.paused = policy.spec.paused;
  in.revision_history_limit = policy.spec.revision_history_limit;
  in.new_replica_set_name = new_name;
  in.previous.counts = {policy.status.replicas, policy.status.updated_replicas, policy.status.ready_replicas,
                        policy.status.available_replicas, 0};
  in.previous.generation_observed = policy.status.observed_generation >= generation;
  std::map<std::string, kube::object_ptr, std::less<>> by_name;
  bool collision = false;
  for (const auto& rs : d_.replica_sets.list_owned_by(policy.metadata.uid, true)) {
    auto observed = observe_replica_set(*rs);
    if (!observed.state) {
      d_.log.warn("{}: ignoring an owned ReplicaSet: {}", key, observed.error);
      continue;
    }
    by_name.emplace(observed.state->name, rs);
    const bool same_template = api::templates_equal(rs_template(*rs), pod_template);
    if (observed.hash == hash && same_template && !in.new_replica_set) {
      in.new_replica_set = std::move(*observed.state);
    } else {
      if (observed.state->name == new_name) collision = true;
      in.old_replica_sets.push_back(std::move(*observed.state));
    }
  }
  // Someone else's ReplicaSet under the name ours would get.
  if (auto other = d_.replica_sets.get(policy.metadata.namespace_name, new_name);
      other && !in.new_replica_set && !by_name.contains(new_name)) {
    collision = true;
  }
  if (collision) {
    auto s = policy.status;
    s.collision_count += 1;
    d_.log.info("{}: hash collision on {}; collisionCount now {}", key, new_name, s.collision_count);
    status_decision decision{.status = s};
    auto r = co_await write_status(c, *object, decision);
    if (!r.failed) r.requeue_after = std::chrono::milliseconds(0);
    co_return r;
  }

  // A new template clears a previous abort; an abort holds the rollout where it is.
  const bool aborted = policy.status.abort && policy.status.current_pod_hash == hash;
  if (aborted) in.paused = true;

  auto planned = strategy::plan_rolling(in);
  if (!planned.ok()) {
    co_return co_await invalid(c, *object, policy.status, generation, "PlanningFailed", planned.error);
  }
  const auto& plan = planned.plan;

  const owner own{policy.metadata.namespace_name, policy.metadata.name, policy.metadata.uid};
  const json selector = policy.spec.selector.to_json();
  const auto& ns = policy.metadata.namespace_name;
  for (const auto& action : plan.actions) {
    if (const auto* create = std::get_if<strategy::create_replica_set>(&action)) {
      const json body = build_replica_set(own,
                                          {.selector = selector,
                                           .pod_template = pod_template,
                                           .hash = hash,
                                           .min_ready_seconds = policy.spec.min_ready_seconds},
                                          *create);
      auto r = co_await d_.api.create(replica_sets_resource(), ns, body);
      if (!r.ok()) {
        // Usually our own ReplicaSet that the cache has not seen yet; the collision check above
        // decides on the next look, when the cache has it.
        if (r.error().conflict()) co_return requeue_soon();
        auto decision = rolling_status({policy, plan, hash, aborted, d_.clock.wall_now()});
        put_condition(decision.status.conditions,
                      api::make_condition(api::condition_types::progressing, api::condition_statuses::false_,
                                          api::condition_reasons::replica_set_create_error, r.error().message,
                                          api::to_timestamp(d_.clock.wall_now())));
        decision.events.push_back({kube::event_type::warning, "FailedCreate", r.error().message});
        co_await write_status(c, *object, decision);
        co_return reconcile_outcome{.failed = true,
                                    .error = "create ReplicaSet " + create->name + ": " + r.error().message};
      }
      if (!create->event.empty()) c.emit({kube::event_type::normal, "ScalingReplicaSet", create->event});
      continue;
    }
    std::string name;
    json patch;
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
    auto found = by_name.find(name);
    if (found == by_name.end()) co_return requeue_soon();  // planned from a cache that moved on
    const json& rs = *found->second;
    const std::string rv = meta_string(rs, "resourceVersion");
    kube::status result = kube::void_value{};
    if (is_delete) {
      auto r = co_await d_.api.remove(replica_sets_resource(), ns, name,
                                      {.precondition_uid = meta_string(rs, "uid")});
      if (!r.ok() && !r.error().not_found()) result = r.error();
    } else {
      if (const auto* scale = std::get_if<strategy::scale_replica_set>(&action)) {
        patch = scale_patch(*scale, rv);
      } else {
        patch = annotate_patch(std::get<strategy::annotate_replica_set>(action), rv);
      }
      auto r = co_await d_.api.patch(replica_sets_resource(), ns, name, kube::patch_type::json_merge, patch);
      if (!r.ok()) result = r.error();
    }
    if (!result.ok()) {
      if (result.error().conflict() || result.error().not_found()) co_return requeue_soon();
      co_return reconcile_outcome{.failed = true,
                                  .error = "ReplicaSet " + name + ": " + result.error().message};
    }
    if (!event.empty()) c.emit({kube::event_type::normal, "ScalingReplicaSet", event});
  }

  auto decision = rolling_status({policy, plan, hash, aborted, d_.clock.wall_now()});
  co_return co_await write_status(c, *object, decision);
}

}  // namespace rolloutd::reconcile
