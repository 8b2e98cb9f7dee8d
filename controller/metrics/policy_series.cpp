#include "metrics/policy_series.hpp"

#include <set>

namespace rolloutd {
namespace {

// Rollouts last from seconds (a one-replica rolling update) to days (a canary paused for a soak).
const prometheus::Histogram::BucketBoundaries rollout_buckets = {10,   30,   60,   120,   300,   600,  900,
                                                                 1800, 3600, 7200, 14400, 43200, 86400};

constexpr std::array<std::string_view, 5> replica_states = {"desired", "current", "updated", "ready",
                                                            "available"};
constexpr std::array<std::string_view, 2> role_states = {"desired", "available"};

double as_gauge(bool b) {
  return b ? 1.0 : 0.0;
}
double as_gauge(std::int64_t n) {
  return static_cast<double>(n);
}

}  // namespace

policy_series::policy_series(const policy_families& families, std::string ns, std::string name)
    : families_(families), ns_(std::move(ns)), name_(std::move(name)) {}

prometheus::Labels policy_series::labels_with(
    std::initializer_list<std::pair<const std::string, std::string>> extra) const {
  prometheus::Labels labels(extra);
  labels.emplace("namespace", ns_);
  labels.emplace("name", name_);
  return labels;
}

void policy_series::update(const policy_snapshot& s, std::chrono::system_clock::time_point now) {
  set_info(s.strategy, s.phase);

  const std::array<std::int64_t, 5> counts = {s.desired_replicas, s.current_replicas, s.updated_replicas,
                                              s.ready_replicas, s.available_replicas};
  for (std::size_t i = 0; i < counts.size(); ++i) {
    replicas_[i]
        .get(families_.replicas, labels_with({{"state", std::string(replica_states[i])}}))
        .Set(as_gauge(counts[i]));
  }
  set_roles(s.roles);

  step_.get(families_.step, labels_with({})).Set(as_gauge(s.step_index));
  steps_.get(families_.steps, labels_with({})).Set(as_gauge(s.step_count));
  set_weight(0, "set", s.set_weight);
  set_weight(1, "actual", s.actual_weight);
  paused_.get(families_.paused, labels_with({})).Set(as_gauge(s.paused));
  aborted_.get(families_.aborted, labels_with({})).Set(as_gauge(s.aborted));
  deadline_exceeded_.get(families_.progress_deadline_exceeded, labels_with({}))
      .Set(as_gauge(s.progress_deadline_exceeded));
  revision_.get(families_.revision, labels_with({})).Set(as_gauge(s.revision));

  for (const auto& done : timer_.observe(s.revision, s.phase, s.aborted, s.revision_started, now)) {
    families_.rollout_duration
        .Add({{"strategy", std::string(label_value(s.strategy))},
              {"outcome", std::string(label_value(done.outcome))}},
             rollout_buckets)
        .Observe(done.seconds);
  }
}

void policy_series::count_event(std::string_view bounded_reason) {
  events_[bounded_reason]
      .get(families_.events, labels_with({{"reason", std::string(bounded_reason)}}))
      .Increment();
}

// Exactly one info series per policy: a new strategy or phase replaces the old series, so
// `rolloutd_policy_info == 1` never counts a policy twice.
void policy_series::set_info(strategy_kind strategy, policy_phase phase) {
  const auto wanted = std::make_pair(strategy, phase);
  if (info_labels_ != wanted) info_.clear();
  info_labels_ = wanted;
  info_
      .get(families_.info, labels_with({{"strategy", std::string(label_value(strategy))},
                                        {"phase", std::string(label_value(phase))}}))
      .Set(1);
}

void policy_series::set_weight(std::size_t slot, std::string_view kind, std::optional<double> value) {
  if (!value) {
    weights_[slot].clear();
    return;
  }
  weights_[slot].get(families_.canary_weight, labels_with({{"kind", std::string(kind)}})).Set(*value);
}

void policy_series::set_roles(const std::vector<role_replicas>& roles) {
  std::set<replica_role> present;
  for (const auto& r : roles) {
    present.insert(r.role);
    auto& slots = roles_[r.role];
    const std::array<std::int64_t, 2> values = {r.desired, r.available};
    for (std::size_t i = 0; i < slots.size(); ++i) {
      slots[i]
          .get(families_.revision_replicas, labels_with({{"role", std::string(label_value(r.role))},
                                                         {"state", std::string(role_states[i])}}))
          .Set(as_gauge(values[i]));
    }
  }
  std::erase_if(roles_, [&](const auto& entry) { return !present.contains(entry.first); });
}

}  // namespace rolloutd
