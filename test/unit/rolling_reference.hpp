#pragma once

// A reference model of one sync of the Kubernetes Deployment controller (RollingUpdate strategy),
// written for the differential test from its documented behaviour and a reading of
// pkg/controller/deployment/{sync,rolling}.go and util/deployment_util.go. It shares nothing with
// controller/strategy: its own types, its own fencepost and proportion arithmetic (in floating
// point, as Go does), and the controller's own structure: a copy of every ReplicaSet as the API
// server holds it, updated by each write, and the functions in the order syncDeployment calls them.
// Only what decides ReplicaSet sizes is modelled (no events, no status, no revisions).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolloutd::testing::deployment_reference {

struct int_or_string {
  int value = 0;
  bool percent = false;
};

struct replica_set {
  std::string name;
  std::int64_t created = 0;      // creationTimestamp, seconds
  int spec = 0;                  // spec.replicas
  int available = 0;             // status.availableReplicas
  std::int64_t revision = 0;     // deployment.kubernetes.io/revision
  std::optional<int> desired{};  // deployment.kubernetes.io/desired-replicas
  std::optional<int> max{};      // deployment.kubernetes.io/max-replicas
};

// Where the reference knowingly departs from Kubernetes to follow a difference documented in
// docs/rolling-planner.md ("Deliberate differences"); each is off unless the test turns it on.
struct exceptions {
  // (Always in force: a proportional base of 0, i.e. max-replicas "0", or no annotation and
  // status.replicas 0, makes Kubernetes divide by zero; rolloutd, and this model, give that
  // ReplicaSet no proportional share. See exceptions_met::zero_base.)
  // No max-replicas annotation but a desired-replicas one: rolloutd measures against desired +
  // the surge today's maxSurge gives at that size, where Kubernetes uses status.replicas.
  bool base_from_desired = false;
  // Rollout step: a ReplicaSet's available pods count only up to its spec.replicas (the ones above
  // are about to be removed); Kubernetes counts status.availableReplicas as it is.
  bool available_up_to_spec = false;
  // Proportional scale down: what the largest ReplicaSet cannot give up of the rounding leftover
  // (Kubernetes stops it at 0) is taken from the next ones in the same order.
  bool leftover_spills = false;
};

// Which of the exceptions' conditions a sync met (whether or not they were turned on).
struct exceptions_met {
  bool zero_base = false;
  bool desired_base = false;
  bool available_above_spec = false;
  bool leftover_clamped = false;
};

struct deployment {
  int replicas = 1;
  int_or_string max_surge{25, true};
  int_or_string max_unavailable{25, true};
  bool paused = false;
  int status_replicas = 0;  // status.replicas as last written (the proportion fallback)
  std::optional<replica_set> new_rs{};
  std::string new_rs_name;  // the name a created new ReplicaSet gets
  std::vector<replica_set> old_rss{};
};

// spec.replicas of every ReplicaSet after one sync, by name (a created one included).
using sizes = std::map<std::string, int>;

class controller {
 public:
  controller(const deployment& d, exceptions x) : d_(d), x_(x) {
    for (const auto& rs : d.old_rss) store_[rs.name] = rs;
    if (d.new_rs) store_[d.new_rs->name] = *d.new_rs;
  }

  [[nodiscard]] exceptions_met met() const { return used_; }

  sizes sync_deployment() {
    // getAllReplicaSetsAndSyncRevision (every branch calls it): an existing new ReplicaSet is
    // renumbered above every old one; a created one gets that number.
    std::int64_t max_old = 0;
    for (const auto& rs : d_.old_rss) max_old = std::max(max_old, rs.revision);
    next_revision_ = max_old + 1;
    if (d_.new_rs && d_.new_rs->revision < next_revision_) store_[d_.new_rs->name].revision = next_revision_;
    // syncDeployment: paused -> sync; scaling event -> sync; otherwise rolloutRolling.
    if (d_.paused || is_scaling_event()) {
      scale(new_rs(), old_rss());
    } else {
      rollout_rolling();
    }
    sizes out;
    for (const auto& [name, rs] : store_) out[name] = rs.spec;
    return out;
  }

  // The new ReplicaSet's revision after the sync; 0 when there is none.
  [[nodiscard]] std::int64_t new_revision() const {
    if (d_.new_rs) return store_.at(d_.new_rs->name).revision;
    const auto it = store_.find(d_.new_rs_name);
    return it != store_.end() ? it->second.revision : 0;
  }

 private:
  // --- util/deployment_util.go ---------------------------------------------------------------
  static int scaled_value(int_or_string v, int total, bool round_up) {
    if (!v.percent) return v.value;
    const double x = static_cast<double>(v.value) * static_cast<double>(total) / 100.0;
    return static_cast<int>(round_up ? std::ceil(x) : std::floor(x));
  }
  // ResolveFenceposts
  [[nodiscard]] std::pair<int, int> fenceposts() const {
    int surge = scaled_value(d_.max_surge, d_.replicas, true);
    int unavailable = scaled_value(d_.max_unavailable, d_.replicas, false);
    if (surge == 0 && unavailable == 0) unavailable = 1;  // surge may be impossible (quota)
    return {surge, unavailable};
  }
  [[nodiscard]] int max_surge() const { return fenceposts().first; }
  [[nodiscard]] int max_unavailable() const {
    if (d_.replicas == 0) return 0;
    return std::min(fenceposts().second, d_.replicas);
  }
  static int total_spec(const std::vector<replica_set>& rss) {
    int sum = 0;
    for (const auto& rs : rss) sum += rs.spec;
    return sum;
  }
  // A ReplicaSet's available pods as a rollout step counts them.
  [[nodiscard]] int available(const replica_set& rs) const {
    if (rs.available > rs.spec) used_.available_above_spec = true;
    return x_.available_up_to_spec ? std::min(rs.available, rs.spec) : rs.available;
  }
  [[nodiscard]] int total_available(const std::vector<replica_set>& rss) const {
    int sum = 0;
    for (const auto& rs : rss) sum += available(rs);
    return sum;
  }
  static std::vector<replica_set> active(const std::vector<replica_set>& rss) {
    std::vector<replica_set> out;
    for (const auto& rs : rss) {
      if (rs.spec > 0) out.push_back(rs);
    }
    return out;
  }
  // controller.ReplicaSetsByCreationTimestamp
  static bool by_creation(const replica_set& a, const replica_set& b) {
    if (a.created == b.created) return a.name < b.name;
    return a.created < b.created;
  }
  // NewRSNewReplicas
  [[nodiscard]] int new_rs_new_replicas(const std::vector<replica_set>& all,
                                        const replica_set& new_rs) const {
    const int surge = scaled_value(d_.max_surge, d_.replicas, true);
    const int current = total_spec(all);
    const int max_total = d_.replicas + surge;
    if (current >= max_total) return new_rs.spec;
    const int up = std::min(max_total - current, d_.replicas - new_rs.spec);
    return new_rs.spec + up;
  }
  // IsSaturated
  [[nodiscard]] bool is_saturated(const std::optional<replica_set>& rs) const {
    if (!rs || !rs->desired) return false;
    return rs->spec == d_.replicas && *rs->desired == d_.replicas && rs->available == d_.replicas;
  }
  // getReplicaSetFraction
  [[nodiscard]] int fraction(const replica_set& rs) const {
    if (d_.replicas == 0) return -rs.spec;
    const int deployment_max = d_.replicas + max_surge();
    int before = 0;
    if (rs.max) {
      before = *rs.max;
    } else if (x_.base_from_desired && rs.desired) {
      before = *rs.desired + scaled_value(d_.max_surge, *rs.desired, true);
    } else {
      before = d_.status_replicas;
    }
    if (!rs.max && rs.desired) used_.desired_base = true;
    if (before == 0) {
      // Kubernetes divides by zero here (float +Inf converted to int32: undefined); there is no
      // Kubernetes answer to compare with, so the documented one is the only one modelled.
      used_.zero_base = true;
      return 0;
    }
    const double size = static_cast<double>(rs.spec) * deployment_max / before;
    // integer.RoundToInt32: halves away from zero.
    const int rounded = static_cast<int>(size < 0 ? size - 0.5 : size + 0.5);
    return rounded - rs.spec;
  }
  // GetReplicaSetProportion
  [[nodiscard]] int proportion(const replica_set& rs, int to_add, int added) const {
    if (rs.spec == 0 || to_add == 0 || to_add == added) return 0;
    const int f = fraction(rs);
    const int allowed = to_add - added;
    return to_add > 0 ? std::min(f, allowed) : std::max(f, allowed);
  }

  // --- the lister and the client ---------------------------------------------------------------
  [[nodiscard]] std::optional<replica_set> new_rs() const {
    if (!d_.new_rs) return std::nullopt;
    return store_.at(d_.new_rs->name);
  }
  [[nodiscard]] std::vector<replica_set> old_rss() const {
    std::vector<replica_set> out;
    for (const auto& rs : d_.old_rss) out.push_back(store_.at(rs.name));
    return out;
  }
  replica_set update(const replica_set& rs) {
    store_[rs.name] = rs;
    return rs;
  }

  // --- sync.go -------------------------------------------------------------------------------
  // scaleReplicaSet: writes when the size or the replica annotations differ.
  std::pair<bool, replica_set> scale_replica_set(replica_set rs, int to) {
    const bool size_changes = rs.spec != to;
    const bool annotations_change = rs.desired != d_.replicas || rs.max != d_.replicas + max_surge();
    if (!size_changes && !annotations_change) return {false, rs};
    rs.spec = to;
    rs.desired = d_.replicas;
    rs.max = d_.replicas + max_surge();
    return {size_changes, update(rs)};
  }
  // scaleReplicaSetAndRecordEvent: nothing at all when the size stays.
  std::pair<bool, replica_set> scale_and_record(const replica_set& rs, int to) {
    if (rs.spec == to) return {false, rs};
    return scale_replica_set(rs, to);
  }

  // isScalingEvent
  [[nodiscard]] bool is_scaling_event() const {
    std::vector<replica_set> all = old_rss();
    if (auto n = new_rs()) all.push_back(*n);
    for (const auto& rs : active(all)) {
      if (rs.desired && *rs.desired != d_.replicas) return true;
    }
    return false;
  }

  // FindActiveOrLatest
  static std::optional<replica_set> active_or_latest(const std::optional<replica_set>& new_rs,
                                                     std::vector<replica_set> olds) {
    if (!new_rs && olds.empty()) return std::nullopt;
    std::sort(olds.begin(), olds.end(), [](const auto& a, const auto& b) { return by_creation(b, a); });
    std::vector<replica_set> all = olds;
    if (new_rs) all.push_back(*new_rs);
    all = active(all);
    if (all.empty()) return new_rs ? *new_rs : olds.front();
    if (all.size() == 1) return all.front();
    return std::nullopt;
  }

  // scale
  void scale(const std::optional<replica_set>& new_rs, const std::vector<replica_set>& olds) {
    if (auto only = active_or_latest(new_rs, olds)) {
      if (only->spec != d_.replicas) scale_and_record(*only, d_.replicas);
      return;
    }
    if (is_saturated(new_rs)) {
      for (const auto& old : active(olds)) scale_and_record(old, 0);
      return;
    }
    std::vector<replica_set> all = olds;
    if (new_rs) all.push_back(*new_rs);
    all = active(all);
    const int allowed_size = d_.replicas > 0 ? d_.replicas + max_surge() : 0;
    const int to_add = allowed_size - total_spec(all);
    if (to_add > 0) {
      // ReplicaSetsBySizeNewer
      std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        if (a.spec == b.spec) return by_creation(b, a);
        return a.spec > b.spec;
      });
    } else if (to_add < 0) {
      // ReplicaSetsBySizeOlder
      std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        if (a.spec == b.spec) return by_creation(a, b);
        return a.spec > b.spec;
      });
    }
    int added = 0;
    std::map<std::string, int> name_to_size;
    for (const auto& rs : all) {
      if (to_add != 0) {
        const int p = proportion(rs, to_add, added);
        name_to_size[rs.name] = rs.spec + p;
        added += p;
      } else {
        name_to_size[rs.name] = rs.spec;
      }
    }
    if (!all.empty() && to_add != 0) {
      int leftover = to_add - added;
      const int first = name_to_size[all.front().name] + leftover;
      name_to_size[all.front().name] = std::max(first, 0);
      if (first < 0) {
        used_.leftover_clamped = true;
        leftover = first;
        for (std::size_t i = 1; x_.leftover_spills && i < all.size() && leftover < 0; ++i) {
          int& size = name_to_size[all[i].name];
          const int take = std::max(leftover, -size);
          size += take;
          leftover -= take;
        }
      }
    }
    for (const auto& rs : all) scale_replica_set(rs, name_to_size[rs.name]);
  }

  // --- rolling.go ----------------------------------------------------------------------------
  void rollout_rolling() {
    std::vector<replica_set> olds = old_rss();
    std::optional<replica_set> fresh = new_rs();
    if (!fresh) {
      // getNewReplicaSet: created at NewRSNewReplicas, counting every old ReplicaSet.
      replica_set rs;
      rs.name = d_.new_rs_name;
      rs.revision = next_revision_;
      std::vector<replica_set> all = olds;
      all.push_back(rs);
      rs.spec = new_rs_new_replicas(all, rs);
      rs.desired = d_.replicas;
      rs.max = d_.replicas + max_surge();
      fresh = update(rs);
    }
    std::vector<replica_set> all = olds;
    all.push_back(*fresh);
    if (reconcile_new_replica_set(all, *fresh)) return;
    reconcile_old_replica_sets(all, active(olds), *fresh);
  }

  bool reconcile_new_replica_set(const std::vector<replica_set>& all, const replica_set& new_rs) {
    if (new_rs.spec == d_.replicas) return false;
    if (new_rs.spec > d_.replicas) return scale_and_record(new_rs, d_.replicas).first;
    return scale_and_record(new_rs, new_rs_new_replicas(all, new_rs)).first;
  }

  void reconcile_old_replica_sets(std::vector<replica_set> all, std::vector<replica_set> olds,
                                  const replica_set& new_rs) {
    if (total_spec(olds) == 0) return;
    const int min_available = d_.replicas - max_unavailable();
    const int new_unavailable = new_rs.spec - available(new_rs);
    const int max_scaled_down = total_spec(all) - min_available - new_unavailable;
    if (max_scaled_down <= 0) return;
    if (!cleanup_unhealthy_replicas(olds, max_scaled_down)) return;  // an error ends the sync
    all = olds;
    all.push_back(new_rs);
    scale_down_old_replica_sets(all, olds);
  }

  // cleanupUnhealthyReplicas; false where Kubernetes returns an error (more available than spec).
  bool cleanup_unhealthy_replicas(std::vector<replica_set>& olds, int max_cleanup) {
    std::sort(olds.begin(), olds.end(), by_creation);
    int total = 0;
    for (auto& rs : olds) {
      if (total >= max_cleanup) break;
      if (rs.spec == 0 || rs.spec == rs.available) continue;
      const int count = std::min(max_cleanup - total, rs.spec - rs.available);
      const int to = rs.spec - count;
      if (to > rs.spec) return false;
      rs = scale_and_record(rs, to).second;
      total += count;
    }
    return true;
  }

  // scaleDownOldReplicaSetsForRollingUpdate
  void scale_down_old_replica_sets(const std::vector<replica_set>& all, std::vector<replica_set> olds) {
    const int min_available = d_.replicas - max_unavailable();
    const int available = total_available(all);
    if (available <= min_available) return;
    std::sort(olds.begin(), olds.end(), by_creation);
    int total = 0;
    const int to_remove = available - min_available;
    for (const auto& rs : olds) {
      if (total >= to_remove) break;
      if (rs.spec == 0) continue;
      const int count = std::min(rs.spec, to_remove - total);
      scale_and_record(rs, rs.spec - count);
      total += count;
    }
  }

  const deployment& d_;
  exceptions x_;
  mutable exceptions_met used_{};
  std::int64_t next_revision_ = 1;
  std::map<std::string, replica_set> store_;
};

struct outcome {
  sizes after;
  std::int64_t new_revision = 0;
  exceptions_met met;
};

inline outcome sync_deployment(const deployment& d, exceptions x = {}) {
  controller c(d, x);
  auto after = c.sync_deployment();
  return {std::move(after), c.new_revision(), c.met()};
}

}  // namespace rolloutd::testing::deployment_reference
