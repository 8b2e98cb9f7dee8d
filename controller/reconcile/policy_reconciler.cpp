#include "reconcile/policy_reconciler.hpp"

#include <variant>

#include "api/parse.hpp"
#include "api/template_hash.hpp"
#include "api/validate.hpp"
#include "reconcile/replica_sets.hpp"
#include "reconcile/service_sync.hpp"
#include "reconcile/sync_steps.hpp"
#include "reconcile/template_identity.hpp"

namespace rolloutd::reconcile {

namespace {

using json = nlohmann::json;
using boost::asio::awaitable;

std::string meta_string(const json& object, const char* field) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return {};
  auto v = m->find(field);
  return v != m->end() && v->is_string() ? v->get<std::string>() : std::string{};
}

// Outside the coroutine: GCC 12 mishandles braced temporaries in a coroutine body.
children_found find_children(const reconciler_deps& d, const api::rollout_policy& policy,
                             const json& pod_template, const std::string& template_hash,
                             const std::string& hash, const std::string& new_name) {
  return sort_children({.owned = d.replica_sets.list_owned_by(policy.metadata.uid, true),
                        .pod_template = pod_template,
                        .template_hash = template_hash,
                        .hash = hash,
                        .new_name = new_name,
                        .under_new_name = d.replica_sets.get(policy.metadata.namespace_name, new_name)});
}

}  // namespace

awaitable<reconcile_outcome> policy_reconciler::reconcile(std::string key) {
  const auto split = parse_key(key);
  if (!split) co_return reconcile_outcome{};

  sync_context c{d_, {}};
  c.ref.api_version = "rolloutd.io/v1alpha1";
  c.ref.kind = "RolloutPolicy";
  c.ref.namespace_name = split->namespace_name;
  c.ref.name = split->name;

  const kube::object_ptr object = d_.policies.get(split->namespace_name, split->name);
  if (!object) {
    // Gone: its ReplicaSets are garbage-collected; the Services it pinned are given back.
    auto released = co_await release_services(c, split->namespace_name, split->name);
    if (released.requeue) co_return requeue_soon();
    if (!released.error.empty()) co_return reconcile_outcome{.failed = true, .error = released.error};
    co_return reconcile_outcome{};
  }
  c.ref.uid = meta_string(*object, "uid");

  auto parsed = api::parse_rollout_policy(*object);
  if (!parsed.ok()) {
    auto previous = api::parse_status(object->value("status", json::object()));
    std::int64_t generation = 0;
    if (auto m = api::parse_object_meta(*object); m.ok()) generation = m->generation;
    co_return co_await write_invalid(c, *object, previous.value(), generation,
                                     api::condition_reasons::invalid_spec, api::describe(parsed.errors()));
  }
  const api::rollout_policy& policy = parsed.value();
  if (policy.metadata.deletion_timestamp) co_return reconcile_outcome{};
  const auto generation = policy.metadata.generation;

  if (auto errors = api::validate(policy); !errors.empty()) {
    co_return co_await write_invalid(c, *object, policy.status, generation,
                                     api::condition_reasons::invalid_spec, api::describe(errors));
  }
  if (!policy.spec.template_spec) {
    co_return co_await write_invalid(c, *object, policy.status, generation, "UnsupportedStrategy",
                                     "spec.workloadRef is not supported by this version yet");
  }
  const json& pod_template = policy.spec.template_spec->raw;
  std::string template_hash = api::template_hash(pod_template);
  const std::string hash = policy.status.collision_count == 0
                               ? template_hash
                               : api::template_hash(pod_template, policy.status.collision_count);
  const std::string new_name = policy.metadata.name + "-" + hash;
  auto g = find_children(d_, policy, pod_template, template_hash, hash, new_name);
  for (const auto& why : g.ignored) d_.log.warn("{}: ignoring an owned ReplicaSet: {}", key, why);
  if (g.collision) {
    auto s = policy.status;
    s.collision_count += 1;
    d_.log.info("{}: hash collision on {}; collisionCount now {}", key, new_name, s.collision_count);
    status_decision decision{.status = s};
    auto r = co_await write_status(c, *object, decision);
    if (!r.failed) r.requeue_after = std::chrono::milliseconds(0);
    co_return r;
  }

  const policy_snapshot snapshot{.object = *object,
                                 .policy = policy,
                                 .pod_template = pod_template,
                                 .template_hash = std::move(template_hash),
                                 .hash = std::move(g.hash),
                                 .new_name = std::move(g.name),
                                 .children = std::move(g.children)};
  if (const auto* rolling = std::get_if<api::rolling_update_strategy>(&policy.spec.strategy)) {
    co_return co_await sync_rolling(c, snapshot, *rolling);
  }
  if (const auto* canary = std::get_if<api::canary_strategy>(&policy.spec.strategy)) {
    co_return co_await sync_canary(c, snapshot, *canary);
  }
  co_return co_await sync_blue_green(c, snapshot, std::get<api::blue_green_strategy>(policy.spec.strategy));
}

}  // namespace rolloutd::reconcile
