#include "metrics/policy_snapshot.hpp"

#include <map>
#include <variant>

#include "api/names.hpp"
#include "api/parse.hpp"
#include "api/status.hpp"

namespace rolloutd {
namespace {

using json = nlohmann::json;

std::int64_t int_at(const json& object, const char* outer, const char* field) {
  const auto o = object.find(outer);
  if (o == object.end() || !o->is_object()) return 0;
  const auto v = o->find(field);
  return v != o->end() && v->is_number_integer() ? v->get<std::int64_t>() : 0;
}

strategy_kind kind_of(const api::rollout_strategy& strategy) {
  if (std::holds_alternative<api::canary_strategy>(strategy)) return strategy_kind::canary;
  if (std::holds_alternative<api::blue_green_strategy>(strategy)) return strategy_kind::blue_green;
  return strategy_kind::rolling_update;
}

policy_phase phase_of(api::rollout_phase phase) {
  switch (phase) {
    case api::rollout_phase::paused:
      return policy_phase::paused;
    case api::rollout_phase::healthy:
      return policy_phase::healthy;
    case api::rollout_phase::degraded:
      return policy_phase::degraded;
    case api::rollout_phase::unset:  // not reconciled yet: a rollout about to start
    case api::rollout_phase::progressing:
      break;
  }
  return policy_phase::progressing;
}

replica_role role_of(strategy_kind strategy, const api::rollout_status& s, const std::string& hash) {
  // An empty hash (a ReplicaSet without the label) must not match a status field not yet written.
  const auto is = [&hash](const std::string& status_hash) { return !hash.empty() && hash == status_hash; };
  switch (strategy) {
    case strategy_kind::rolling_update:
      return is(s.current_pod_hash) ? replica_role::new_revision : replica_role::old;
    case strategy_kind::canary:
      // Before the first rollout has a stable revision, the current one is all there is.
      if (is(s.stable_pod_hash) || (s.stable_pod_hash.empty() && is(s.current_pod_hash))) {
        return replica_role::stable;
      }
      return is(s.current_pod_hash) ? replica_role::canary : replica_role::old;
    case strategy_kind::blue_green:
      if (is(s.active_selector)) return replica_role::active;
      if (is(s.preview_selector)) return replica_role::preview;
      // Before the first deploy has switched the active Service, the current revision is what it will select.
      if (s.active_selector.empty() && is(s.current_pod_hash)) return replica_role::active;
      return replica_role::old;
  }
  return replica_role::old;
}

}  // namespace

replica_set_counts read_replica_set(const json& rs) {
  replica_set_counts out;
  out.desired = int_at(rs, "spec", "replicas");
  out.available = int_at(rs, "status", "availableReplicas");
  const auto meta = rs.find("metadata");
  if (meta != rs.end() && meta->is_object()) {
    const auto labels = meta->find("labels");
    if (labels != meta->end() && labels->is_object()) {
      const auto hash = labels->find(std::string(api::pod_template_hash_label));
      if (hash != labels->end() && hash->is_string()) out.pod_hash = hash->get<std::string>();
    }
  }
  return out;
}

std::int32_t canary_set_weight(const api::canary_strategy& canary, const api::rollout_status& status) {
  if (status.abort) return 0;
  const auto index = static_cast<std::size_t>(std::max(0, status.current_step_index.value_or(0)));
  if (index >= canary.steps.size()) return 100;
  for (std::size_t i = index + 1; i-- > 0;) {
    if (const auto* w = std::get_if<api::set_weight_step>(&canary.steps[i])) return w->weight;
  }
  return 0;
}

policy_snapshot snapshot_of(const api::rollout_policy& policy,
                            const std::vector<replica_set_counts>& replica_sets) {
  const auto& st = policy.status;
  policy_snapshot out;
  out.ns = policy.metadata.namespace_name;
  out.name = policy.metadata.name;
  out.strategy = kind_of(policy.spec.strategy);
  out.phase = phase_of(st.phase);
  out.desired_replicas = policy.spec.replicas;
  out.current_replicas = st.replicas;
  out.updated_replicas = st.updated_replicas;
  out.ready_replicas = st.ready_replicas;
  out.available_replicas = st.available_replicas;
  if (const auto* canary = std::get_if<api::canary_strategy>(&policy.spec.strategy)) {
    out.step_count = static_cast<std::int64_t>(canary->steps.size());
    out.step_index = std::min<std::int64_t>(std::max(0, st.current_step_index.value_or(0)), out.step_count);
    out.set_weight = canary_set_weight(*canary, st);
    if (st.canary_weight) out.actual_weight = *st.canary_weight;
  }
  out.paused = policy.spec.paused || !st.pause_conditions.empty() || st.phase == api::rollout_phase::paused;
  out.aborted = st.abort;
  const auto* progressing = api::find_condition(st.conditions, api::condition_types::progressing);
  out.progress_deadline_exceeded =
      progressing != nullptr && progressing->reason == api::condition_reasons::progress_deadline_exceeded;
  out.revision = st.current_revision;

  std::map<replica_role, role_replicas> roles;
  for (const auto& rs : replica_sets) {
    const auto role = role_of(out.strategy, st, rs.pod_hash);
    auto& r = roles[role];
    r.role = role;
    r.desired += rs.desired;
    r.available += rs.available;
  }
  for (const auto& [role, r] : roles) out.roles.push_back(r);
  return out;
}

api::rollout_policy lenient_policy(const json& object) {
  api::rollout_policy policy;
  if (auto meta = api::parse_object_meta(object); meta.ok()) {
    policy.metadata = meta.value();
  } else if (auto m = object.find("metadata"); m != object.end() && m->is_object()) {
    policy.metadata.namespace_name = m->value("namespace", "");
    policy.metadata.name = m->value("name", "");
  }
  const auto spec = object.find("spec");
  if (spec != object.end() && spec->is_object()) {
    if (auto r = spec->find("replicas"); r != spec->end() && r->is_number_integer()) {
      policy.spec.replicas = r->get<std::int32_t>();
    }
    if (auto s = spec->find("strategy"); s != spec->end() && s->is_object()) {
      if (s->contains("canary")) policy.spec.strategy = api::canary_strategy{};
      if (s->contains("blueGreen")) policy.spec.strategy = api::blue_green_strategy{};
    }
  }
  const auto status = object.find("status");
  if (status != object.end()) policy.status = api::parse_status(*status).value();
  return policy;
}

}  // namespace rolloutd
