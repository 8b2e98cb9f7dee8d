#include "metrics/policy_feed.hpp"

#include <string>
#include <vector>

#include "api/names.hpp"
#include "api/parse.hpp"
#include "metrics/policy_snapshot.hpp"

namespace rolloutd {
namespace {

using json = nlohmann::json;

std::string meta_string(const json& object, const char* field) {
  const auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return {};
  const auto v = m->find(field);
  return v != m->end() && v->is_string() ? v->get<std::string>() : std::string{};
}

}  // namespace

policy_feed::policy_feed(metrics& metrics, const kube::informer_cache& policies,
                         const kube::informer_cache& replica_sets)
    : metrics_(metrics), policies_(policies), replica_sets_(replica_sets) {}

kube::cache_handlers policy_feed::policy_handlers() {
  auto refresh_object = [this](const kube::object_ptr& o) {
    refresh(meta_string(*o, "namespace"), meta_string(*o, "name"));
  };
  return {
      .on_add = refresh_object,
      .on_update = [refresh_object](const kube::object_ptr&,
                                    const kube::object_ptr& now) { refresh_object(now); },
      .on_delete =
          [this](const kube::object_ptr& o) {
            metrics_.remove_policy(meta_string(*o, "namespace"), meta_string(*o, "name"));
          },
  };
}

kube::cache_handlers policy_feed::replica_set_handlers() {
  auto owner = [this](const kube::object_ptr& o) { refresh_owner(o); };
  return {
      .on_add = owner,
      .on_update =
          [owner](const kube::object_ptr& before, const kube::object_ptr& now) {
            owner(now);
            owner(before);  // a released ReplicaSet no longer counts for its old owner
          },
      .on_delete = owner,
  };
}

void policy_feed::refresh_owner(const kube::object_ptr& replica_set) {
  const auto m = replica_set->find("metadata");
  if (m == replica_set->end() || !m->is_object()) return;
  const auto refs = m->find("ownerReferences");
  if (refs == m->end() || !refs->is_array()) return;
  for (const auto& ref : *refs) {
    if (!ref.is_object() || !ref.value("controller", false) || ref.value("kind", "") != api::kind) continue;
    refresh(m->value("namespace", ""), ref.value("name", ""));
  }
}

void policy_feed::refresh(std::string_view ns, std::string_view name) {
  const auto object = policies_.get(ns, name);
  if (!object) {
    metrics_.remove_policy(ns, name);  // gone, or a ReplicaSet event that outlived its owner
    return;
  }
  auto parsed = api::parse_rollout_policy(*object);
  const api::rollout_policy policy = parsed.ok() ? std::move(parsed).value() : lenient_policy(*object);
  std::vector<replica_set_counts> counts;
  if (!policy.metadata.uid.empty()) {
    for (const auto& rs : replica_sets_.list_owned_by(policy.metadata.uid, true)) {
      counts.push_back(read_replica_set(*rs));
    }
  }
  auto snapshot = snapshot_of(policy, counts);
  // The cache key decides which series these are, whatever the object's metadata says.
  snapshot.ns = std::string(ns);
  snapshot.name = std::string(name);
  metrics_.update_policy(snapshot);
}

}  // namespace rolloutd
