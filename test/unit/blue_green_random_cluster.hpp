#pragma once

// The simulated cluster of blue_green_random_test.cpp, written for it (not blue_green_sim.hpp):
// the policy's ReplicaSets as the API server holds them, their pods as the ReplicaSet controller
// and the kubelet make them, and the two Services' pins. It applies the planner's writes as the
// API server would, refusing the ones that break a rule of the strategy, and shows the planner only
// what a reconcile observes.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "reconcile/blue_green_input.hpp"
#include "strategy/blue_green.hpp"

namespace rolloutd::blue_green_random {

using wall_time = std::chrono::system_clock::time_point;

// One ReplicaSet as the API server holds it; pods as its controller and the kubelet make them.
struct replica_set {
  std::string hash;
  std::int64_t revision = 0;
  std::string revision_history;
  wall_time created{};
  std::int32_t spec = 0;
  std::int32_t pods = 0;       // status.replicas
  std::int32_t available = 0;  // status.availableReplicas (= readyReplicas here)
  bool observed = true;        // status.observedGeneration caught up with the last spec change
  std::optional<std::int32_t> desired, max;
  std::optional<wall_time> deadline;  // rolloutd.io/scale-down-deadline
};

struct cluster {
  std::map<std::string, replica_set> sets;  // by pod-template hash; named "app-<hash>"
  std::set<std::string> slow;               // templates whose pods are not Ready for now
  std::string active, preview;              // the hash each Service's selector is pinned to
  int created = 0;

  static std::string name_of(const std::string& hash) { return "app-" + hash; }

  // Its status is current and at least `replicas` of its pods are available: the Service may select
  // it. (It may be larger than spec.replicas at that moment when it is being scaled down in the same
  // reconcile; the ReplicaSet controller removes unavailable pods first.)
  [[nodiscard]] bool can_serve(const std::string& hash, std::int32_t replicas) const {
    const auto it = sets.find(hash);
    if (it == sets.end()) return false;
    const auto& rs = it->second;
    return rs.observed && rs.spec >= replicas && rs.available >= replicas;
  }

  // The ReplicaSet controller and the kubelet catch up: every pod exists; some (all, with `all`)
  // of those not available become available, except a slow template's.
  void catch_up(bool all, std::mt19937_64& rng) {
    for (auto& [hash, rs] : sets) {
      if (!all && rng() % 3 == 0) continue;
      rs.observed = true;
      rs.pods = rs.spec;
      rs.available = std::min(rs.available, rs.pods);
      if (slow.contains(hash)) continue;
      const auto missing = static_cast<std::uint64_t>(rs.pods - rs.available);
      rs.available += static_cast<std::int32_t>(all ? missing : rng() % (missing + 1));
    }
  }

  // Some available pods of one ReplicaSet (all of them, half the time) stop being available;
  // returns what happened, empty when no pod was available.
  std::string crash(std::mt19937_64& rng) {
    std::vector<std::string> candidates;
    for (const auto& [hash, rs] : sets) {
      if (rs.available > 0) candidates.push_back(hash);
    }
    if (candidates.empty()) return {};
    auto& rs = sets[candidates[rng() % candidates.size()]];
    const auto down = rng() % 2 == 0
                          ? rs.available
                          : static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(rs.available) + 1);
    rs.available -= down;
    return std::to_string(down) + " pods of " + rs.hash + " unavailable";
  }

  // What a reconcile observes, for the current template `hash`.
  [[nodiscard]] reconcile::blue_green_observed observe(const std::string& hash, bool preview_service) const {
    reconcile::blue_green_observed o;
    o.hash = hash;
    o.new_replica_set_name = name_of(hash);
    for (const auto& [h, rs] : sets) {
      strategy::replica_set_state r;
      r.name = name_of(h);
      r.hash = h;
      r.revision = rs.revision;
      r.revision_history = rs.revision_history;
      r.created = rs.created;
      r.spec_replicas = rs.spec;
      r.status_replicas = rs.pods;
      r.ready_replicas = rs.available;
      r.available_replicas = rs.available;
      r.desired_replicas = rs.desired;
      r.max_replicas = rs.max;
      r.status_current = rs.observed;
      r.scale_down_deadline = rs.deadline;
      if (h == hash) {
        o.new_replica_set = r;
      } else {
        o.old_replica_sets.push_back(r);
      }
    }
    o.active = {true, active};
    o.preview = preview_service ? strategy::service_state{true, preview} : strategy::service_state{};
    return o;
  }

  // One ReplicaSet write, as the API server would take it; a write that breaks a rule of the
  // strategy is refused with the reason. `current` is the current template's hash.
  std::string apply(const strategy::replica_set_action& action, std::int32_t replicas,
                    const std::string& current, wall_time now) {
    if (const auto* c = std::get_if<strategy::create_replica_set>(&action)) {
      const auto hash = c->name.substr(4);
      if (sets.contains(hash)) return "created ReplicaSet " + c->name + ", which exists";
      if (c->replicas > replicas)
        return "created " + c->name + " with " + std::to_string(c->replicas) + " pods";
      replica_set rs;
      rs.hash = hash;
      rs.revision = c->revision;
      rs.created = now + std::chrono::milliseconds(++created);
      rs.spec = c->replicas;
      rs.observed = false;
      rs.desired = c->annotations.desired_replicas;
      rs.max = c->annotations.max_replicas;
      sets[hash] = rs;
      return {};
    }
    if (const auto* sc = std::get_if<strategy::scale_replica_set>(&action)) {
      auto* rs = find(sc->name);
      if (rs == nullptr) return "scaled " + sc->name + ", which does not exist";
      if (sc->from != rs->spec) return "scale of " + sc->name + " from a size it does not have";
      if (sc->to > replicas) return "scaled " + sc->name + " to " + std::to_string(sc->to) + " > replicas";
      if (rs->hash == active && sc->to < replicas) return "scaled the active revision " + rs->hash + " down";
      rs->spec = sc->to;
      rs->desired = sc->annotations.desired_replicas;
      rs->max = sc->annotations.max_replicas;
      rs->observed = false;
      // Pods go at once (un-available ones first); new ones come with the controller.
      rs->pods = std::min(rs->pods, sc->to);
      rs->available = std::min(rs->available, sc->to);
      return {};
    }
    if (const auto* a = std::get_if<strategy::annotate_replica_set>(&action)) {
      auto* rs = find(a->name);
      if (rs == nullptr) return "annotated " + a->name + ", which does not exist";
      if (a->revision) rs->revision = *a->revision;
      if (a->revision_history) rs->revision_history = *a->revision_history;
      if (a->annotations) {
        rs->desired = a->annotations->desired_replicas;
        rs->max = a->annotations->max_replicas;
      }
      if (a->scale_down_deadline) {
        if (rs->hash == active) return "gave the active revision " + rs->hash + " a scale-down deadline";
        rs->deadline = a->scale_down_deadline;
      }
      if (a->clear_scale_down_deadline) rs->deadline.reset();
      return {};
    }
    const auto& d = std::get<strategy::delete_replica_set>(action);
    auto* rs = find(d.name);
    if (rs == nullptr) return "deleted " + d.name + ", which does not exist";
    if (rs->spec != 0 || rs->pods != 0) return "deleted " + d.name + ", which has pods";
    if (rs->hash == active || rs->hash == current) return "deleted " + d.name + ", which is in use";
    sets.erase(rs->hash);
    return {};
  }

  replica_set* find(const std::string& name) {
    const auto it = sets.find(name.substr(4));
    return it == sets.end() ? nullptr : &it->second;
  }

  [[nodiscard]] std::string describe(wall_time epoch) const {
    std::ostringstream o;
    for (const auto& [hash, rs] : sets) {
      o << " " << hash << "{spec " << rs.spec << " pods " << rs.pods << " avail " << rs.available
        << (rs.observed ? "" : " unobserved");
      if (rs.deadline) {
        o << " deadline t+" << std::chrono::duration_cast<std::chrono::seconds>(*rs.deadline - epoch).count();
      }
      o << "}";
    }
    return o.str();
  }
};

}  // namespace rolloutd::blue_green_random
