#include "reconcile/template_identity.hpp"

#include <optional>

#include "api/names.hpp"
#include "api/template_hash.hpp"
#include "reconcile/replica_sets.hpp"

namespace rolloutd::reconcile {

namespace {

using json = nlohmann::json;

const json* find_path(const json& object, std::initializer_list<std::string_view> path) {
  const json* at = &object;
  for (auto key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

std::optional<std::string> recorded_template_hash(const json& rs) {
  const json* v = find_path(rs, {"metadata", "annotations", api::template_hash_annotation});
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

// Preference 1-3 of the header (lower is better); nullopt: not by its records.
std::optional<int> rank_by_records(const children_lookup& in, const json& rs, const std::string& name,
                                   const std::string& label_hash) {
  const auto recorded = recorded_template_hash(rs);
  if (recorded) {
    if (*recorded != in.template_hash) return std::nullopt;
    return name == in.new_name ? 1 : 2;
  }
  if (name == in.new_name && label_hash == in.hash) return 3;
  return std::nullopt;
}

}  // namespace

children_found sort_children(const children_lookup& in) {
  children_found out;
  struct candidate {
    kube::object_ptr object;
    observed_replica_set observed;
  };
  std::vector<candidate> owned;
  owned.reserve(in.owned.size());
  for (const auto& rs : in.owned) {
    auto observed = observe_replica_set(*rs);
    if (!observed.state) {
      out.ignored.push_back(std::move(observed.error));
      continue;
    }
    out.children.by_name.emplace(observed.state->name, rs);
    owned.push_back({rs, std::move(observed)});
  }

  std::optional<std::size_t> best;
  int best_rank = 0;
  for (std::size_t i = 0; i < owned.size(); ++i) {
    const auto rank =
        rank_by_records(in, *owned[i].object, owned[i].observed.state->name, owned[i].observed.hash);
    if (rank && (!best || *rank < best_rank)) {
      best = i;
      best_rank = *rank;
    }
  }
  // Preference 4 costs a canonical form of each template, so only when the records found none.
  if (!best) {
    for (std::size_t i = 0; i < owned.size() && !best; ++i) {
      const json* t = find_path(*owned[i].object, {"spec", "template"});
      if (t != nullptr && api::templates_equal(*t, in.pod_template)) best = i;
    }
  }

  for (std::size_t i = 0; i < owned.size(); ++i) {
    auto& state = *owned[i].observed.state;
    if (best && i == *best) {
      out.hash = owned[i].observed.hash;
      out.name = state.name;
      out.children.new_replica_set = std::move(state);
    } else {
      out.children.old_replica_sets.push_back(std::move(state));
    }
  }
  if (!best) {
    out.hash = in.hash;
    out.name = in.new_name;
    out.collision = in.under_new_name != nullptr || out.children.by_name.contains(in.new_name);
  }
  return out;
}

}  // namespace rolloutd::reconcile
