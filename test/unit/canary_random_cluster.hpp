#pragma once

// The simulated cluster of canary_random_test.cpp, as a Kubernetes user sees one: ReplicaSets whose
// pods the ReplicaSet controller creates at once (new pods not yet available; a scale-down deletes
// unavailable pods first), Services with or without a pin, and the limits maxSurge / maxUnavailable
// resolve to. Written from the Deployment rules, not from the planner's code.

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "api/int_or_percent.hpp"
#include "api/status.hpp"
#include "strategy/canary.hpp"

namespace rolloutd::reconcile::canary_random {

using time_point = std::chrono::system_clock::time_point;

struct sim_replica_set {
  std::string name;
  std::string hash;
  std::int64_t revision = 0;
  std::string revision_history;
  time_point created;
  int spec = 0;
  int pods = 0;       // pods that exist; the ReplicaSet controller makes them at once
  int available = 0;  // of those, available; new pods start unavailable
  std::optional<time_point> deadline;
};

struct sim_service {
  bool named = false;
  bool managed = false;
  std::string pin;  // empty: selects every revision
};

struct cluster {
  std::vector<sim_replica_set> sets;
  sim_service service;  // the user's Service (what users reach)
  sim_service stable_service;
  sim_service canary_service;

  [[nodiscard]] const sim_replica_set* by_hash(const std::string& hash) const {
    for (const auto& rs : sets) {
      if (rs.hash == hash) return &rs;
    }
    return nullptr;
  }
  sim_replica_set* by_name(const std::string& name) {
    for (auto& rs : sets) {
      if (rs.name == name) return &rs;
    }
    return nullptr;
  }
  [[nodiscard]] int available(const std::string& hash) const {
    const auto* rs = by_hash(hash);
    return rs ? rs->available : 0;
  }
  [[nodiscard]] int total_available() const {
    int n = 0;
    for (const auto& rs : sets) n += rs.available;
    return n;
  }
  [[nodiscard]] int total_spec() const {
    int n = 0;
    for (const auto& rs : sets) n += rs.spec;
    return n;
  }
  // Applies one planned write as the API server and the ReplicaSet controller would (a created
  // ReplicaSet runs `hash`); says what is wrong with it, or "".
  std::string apply(const strategy::replica_set_action& action, const std::string& hash, time_point now,
                    bool& grew) {
    if (const auto* a = std::get_if<strategy::create_replica_set>(&action)) {
      if (by_name(a->name) != nullptr) return "created " + a->name + " twice";
      sets.push_back({a->name, hash, a->revision, "", now, a->replicas, a->replicas, 0, std::nullopt});
      grew = grew || a->replicas > 0;
      return {};
    }
    if (const auto* a = std::get_if<strategy::scale_replica_set>(&action)) {
      auto* rs = by_name(a->name);
      if (rs == nullptr) return "scaled " + a->name + ", which does not exist";
      grew = grew || a->to > rs->spec;
      rs->spec = rs->pods = a->to;
      rs->available = std::min(rs->available, a->to);  // unavailable pods are deleted first
      return {};
    }
    if (const auto* a = std::get_if<strategy::annotate_replica_set>(&action)) {
      auto* rs = by_name(a->name);
      if (rs == nullptr) return "annotated " + a->name + ", which does not exist";
      if (a->revision) rs->revision = *a->revision;
      if (a->revision_history) rs->revision_history = *a->revision_history;
      if (a->scale_down_deadline)
        rs->deadline = std::chrono::floor<std::chrono::seconds>(*a->scale_down_deadline);
      if (a->clear_scale_down_deadline) rs->deadline.reset();
      return {};
    }
    const auto& d = std::get<strategy::delete_replica_set>(action);
    const auto* rs = by_name(d.name);
    if (rs == nullptr) return "deleted " + d.name + ", which does not exist";
    if (rs->spec > 0 || rs->pods > 0) return "deleted " + d.name + " with pods";
    std::erase_if(sets, [&](const sim_replica_set& s) { return s.name == d.name; });
    return {};
  }

  // Available pods behind the user's Service: all of the policy's, or the pinned revision's.
  [[nodiscard]] int user_endpoints() const {
    return service.named && !service.pin.empty() ? available(service.pin) : total_available();
  }
};

// maxSurge rounds up, maxUnavailable down, both 0 means maxUnavailable 1 (the Deployment rules).
struct limits {
  int surge = 0;
  int unavailable = 0;
};

limits resolve(const api::int_or_percent& surge, const api::int_or_percent& unavailable, int replicas) {
  auto scaled = [&](const api::int_or_percent& v, bool up) {
    if (!v.is_percent()) return v.value();
    return up ? (v.value() * replicas + 99) / 100 : v.value() * replicas / 100;
  };
  limits out{scaled(surge, true), scaled(unavailable, false)};
  if (out.surge == 0 && out.unavailable == 0) out.unavailable = 1;
  return out;
}

[[nodiscard]] inline strategy::replica_set_state observed(const sim_replica_set& rs) {
  strategy::replica_set_state s;
  s.name = rs.name;
  s.hash = rs.hash;
  s.revision = rs.revision;
  s.revision_history = rs.revision_history;
  s.created = rs.created;
  s.spec_replicas = rs.spec;
  s.status_replicas = rs.pods;
  s.ready_replicas = rs.available;
  s.available_replicas = rs.available;
  s.scale_down_deadline = rs.deadline;
  return s;
}

[[nodiscard]] inline strategy::pinned_service observed(const sim_service& s) {
  return {s.named, s.managed, s.pin};
}

// status.currentStepIndex as text, -1 when unset.
[[nodiscard]] inline std::string at_step(const api::rollout_status& s) {
  return std::to_string(s.current_step_index.value_or(-1));
}

// "v1 3/2 v2 1/0 | service - stable v1 canary v2 | step 1 stable v1 abort | <message>": each
// ReplicaSet's pods / available pods, the pins (x: not named, -: none), the status.
[[nodiscard]] inline std::string describe(const cluster& w, const api::rollout_status& st) {
  std::string out;
  for (const auto& rs : w.sets)
    out += rs.hash + " " + std::to_string(rs.spec) + "/" + std::to_string(rs.available) + " ";
  auto pin = [](const sim_service& s) { return !s.named ? std::string("x") : s.pin.empty() ? "-" : s.pin; };
  return out + "| service " + pin(w.service) + " stable " + pin(w.stable_service) + " canary " +
         pin(w.canary_service) + " | step " + at_step(st) + " stable " + st.stable_pod_hash +
         (st.abort ? " abort" : "") + (st.operation ? " op-pending" : "") + " | " + st.message;
}

}  // namespace rolloutd::reconcile::canary_random
