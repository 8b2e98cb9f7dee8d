#pragma once

// The series of one RolloutPolicy. The object owns them: updating sets them from a status snapshot
// (adding the ones that appear, removing the ones that no longer apply), and destroying it removes
// every one, which is how a deleted policy leaves no series behind.
//
// Not thread-safe: the metrics object serialises access to its policies.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/labels.hpp"
#include "metrics/rollout_timer.hpp"

namespace rolloutd {

// The replicas of the ReplicaSet(s) playing one role in a rollout.
struct role_replicas {
  replica_role role = replica_role::new_revision;
  std::int64_t desired = 0;
  std::int64_t available = 0;
};

// What the reconciler knows about a policy after a reconcile, in the terms of its status.
struct policy_snapshot {
  std::string ns{};
  std::string name{};
  strategy_kind strategy = strategy_kind::rolling_update;
  policy_phase phase = policy_phase::progressing;
  std::int64_t desired_replicas = 0;  // spec.replicas
  std::int64_t current_replicas = 0;  // status.replicas: pods of every revision
  std::int64_t updated_replicas = 0;
  std::int64_t ready_replicas = 0;
  std::int64_t available_replicas = 0;
  std::int64_t step_index = 0;         // status.currentStepIndex; equals step_count once all steps are done
  std::int64_t step_count = 0;         // 0 for strategies without steps
  std::optional<double> set_weight{};  // canary only: the weight the current step asks for
  std::optional<double> actual_weight{};  // canary only: the weight served (status.canaryWeight)
  bool paused = false;
  bool aborted = false;
  bool progress_deadline_exceeded = false;
  std::int64_t revision = 0;  // status.currentRevision
  // When the current revision first appeared, if the status records it; lets a new leader time a
  // rollout that started under the previous one.
  std::optional<std::chrono::system_clock::time_point> revision_started{};
  std::vector<role_replicas> roles{};  // at most one entry per role
};

// The families the series of every policy live in; owned by the metrics object's registry.
struct policy_families {
  prometheus::Family<prometheus::Gauge>& info;
  prometheus::Family<prometheus::Gauge>& replicas;
  prometheus::Family<prometheus::Gauge>& revision_replicas;
  prometheus::Family<prometheus::Gauge>& step;
  prometheus::Family<prometheus::Gauge>& steps;
  prometheus::Family<prometheus::Gauge>& canary_weight;
  prometheus::Family<prometheus::Gauge>& paused;
  prometheus::Family<prometheus::Gauge>& aborted;
  prometheus::Family<prometheus::Gauge>& progress_deadline_exceeded;
  prometheus::Family<prometheus::Gauge>& revision;
  prometheus::Family<prometheus::Counter>& events;
  // Labelled by strategy and outcome only, so it is shared by all policies (see docs/metrics.md).
  prometheus::Family<prometheus::Histogram>& rollout_duration;
};

// One series in a family, added on first use and removed by clear() or on destruction.
template <class T>
class series_slot {
 public:
  series_slot() = default;
  series_slot(const series_slot&) = delete;
  series_slot& operator=(const series_slot&) = delete;
  ~series_slot() { clear(); }

  T& get(prometheus::Family<T>& family, const prometheus::Labels& labels) {
    if (metric_ == nullptr) {
      family_ = &family;
      metric_ = &family.Add(labels);
    }
    return *metric_;
  }
  void clear() {
    if (metric_ != nullptr) family_->Remove(metric_);
    metric_ = nullptr;
  }
  [[nodiscard]] bool empty() const { return metric_ == nullptr; }

 private:
  prometheus::Family<T>* family_ = nullptr;
  T* metric_ = nullptr;
};

class policy_series {
 public:
  policy_series(const policy_families& families, std::string ns, std::string name);
  policy_series(const policy_series&) = delete;
  policy_series& operator=(const policy_series&) = delete;
  ~policy_series() = default;  // the slots remove their series

  void update(const policy_snapshot& snapshot, std::chrono::system_clock::time_point now);
  // reason must be one of known_event_reasons() or "Other" (a constant that outlives this object).
  void count_event(std::string_view bounded_reason);

 private:
  [[nodiscard]] prometheus::Labels labels_with(
      std::initializer_list<std::pair<const std::string, std::string>> extra) const;
  void set_info(strategy_kind strategy, policy_phase phase);
  void set_weight(std::size_t slot, std::string_view kind, std::optional<double> value);
  void set_roles(const std::vector<role_replicas>& roles);

  const policy_families& families_;
  const std::string ns_;
  const std::string name_;

  series_slot<prometheus::Gauge> info_;
  std::optional<std::pair<strategy_kind, policy_phase>> info_labels_;
  std::array<series_slot<prometheus::Gauge>, 5> replicas_;
  // Per role: desired, available.
  std::map<replica_role, std::array<series_slot<prometheus::Gauge>, 2>> roles_;
  series_slot<prometheus::Gauge> step_;
  series_slot<prometheus::Gauge> steps_;
  std::array<series_slot<prometheus::Gauge>, 2> weights_;  // set, actual
  series_slot<prometheus::Gauge> paused_;
  series_slot<prometheus::Gauge> aborted_;
  series_slot<prometheus::Gauge> deadline_exceeded_;
  series_slot<prometheus::Gauge> revision_;
  std::map<std::string_view, series_slot<prometheus::Counter>> events_;
  rollout_timer timer_;
};

}  // namespace rolloutd
