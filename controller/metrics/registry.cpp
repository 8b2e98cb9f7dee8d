#include "metrics/registry.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace rolloutd {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// A reconcile reads caches and makes at most a few API calls: milliseconds, seconds when the API
// server is slow.
const Histogram::BucketBoundaries reconcile_buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                       0.25,  0.5,    1,     2.5,  5,     10,   30};
// Queue waits range from microseconds (idle workers) to minutes (a backlog after a re-list).
const Histogram::BucketBoundaries workqueue_buckets = {0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5,
                                                       1,      2.5,   5,    10,   30,  60,   300};
const Histogram::BucketBoundaries api_buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                 1,     2.5,  5,     10,   30,  60};

Family<Gauge>& gauges(prometheus::Registry& r, const std::string& name, const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}
Family<Counter>& counters(prometheus::Registry& r, const std::string& name, const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
Family<Histogram>& histograms(prometheus::Registry& r, const std::string& name, const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

policy_families make_policy_families(prometheus::Registry& r) {
  return policy_families{
      .info = gauges(r, "rolloutd_policy_info", "Always 1; the labels give the policy's strategy and phase."),
      .replicas = gauges(r, "rolloutd_policy_replicas",
                         "Replicas of the policy by state (desired, current, updated, ready, available)."),
      .revision_replicas = gauges(r, "rolloutd_policy_revision_replicas",
                                  "Desired and available replicas of the ReplicaSets playing each role "
                                  "(new/old, canary/stable, active/preview)."),
      .step = gauges(r, "rolloutd_policy_step",
                     "Index of the current canary step (equals the step count when done)."),
      .steps = gauges(r, "rolloutd_policy_steps", "Number of canary steps of the policy (0 without steps)."),
      .canary_weight = gauges(r, "rolloutd_policy_canary_weight",
                              "Canary weight in percent: set by the current step, or actually served."),
      .paused = gauges(r, "rolloutd_policy_paused", "1 while the rollout is paused (by spec or by a step)."),
      .aborted = gauges(r, "rolloutd_policy_aborted", "1 while the rollout is aborted."),
      .progress_deadline_exceeded =
          gauges(r, "rolloutd_policy_progress_deadline_exceeded",
                 "1 when the rollout made no progress within progressDeadlineSeconds."),
      .revision = gauges(r, "rolloutd_policy_revision", "Revision number of the policy's current template."),
      .events = counters(r, "rolloutd_events_total", "Events recorded on the policy, by reason."),
      .rollout_duration = histograms(r, "rolloutd_rollout_duration_seconds",
                                     "Time from a new revision being seen to its rollout ending, by strategy "
                                     "and outcome (healthy, aborted, superseded)."),
  };
}

}  // namespace

metrics::metrics(const clock& clock, std::string_view version, std::filesystem::path proc_root)
    : clock_(clock),
      process_(std::move(proc_root)),
      policy_families_(make_policy_families(registry_)),
      reconcile_duration_(histograms(registry_, "rolloutd_reconcile_duration_seconds",
                                     "Time taken by one reconcile of a policy key.")
                              .Add({}, reconcile_buckets)),
      reconcile_errors_(counters(registry_, "rolloutd_reconcile_errors_total",
                                 "Reconciles that failed and were queued for a retry.")
                            .Add({})),
      api_requests_(counters(registry_, "rolloutd_api_requests_total",
                             "Requests to the Kubernetes API server by verb, resource and status code.")),
      api_request_duration_(histograms(registry_, "rolloutd_api_request_duration_seconds",
                                       "Latency of requests to the Kubernetes API server (for watches: "
                                       "until the response headers).")),
      leader_(gauges(registry_, "rolloutd_leader", "1 while this instance holds the leader lease.").Add({})),
      workqueue_depth_(gauges(registry_, "rolloutd_workqueue_depth", "Keys waiting in the workqueue.")),
      workqueue_adds_(counters(registry_, "rolloutd_workqueue_adds_total", "Keys added to the workqueue.")),
      workqueue_latency_(histograms(registry_, "rolloutd_workqueue_queue_latency_seconds",
                                    "Time a key waited in the workqueue before a worker took it.")),
      workqueue_work_(histograms(registry_, "rolloutd_workqueue_work_duration_seconds",
                                 "Time a worker held a key, from get to done.")),
      workqueue_retries_(counters(registry_, "rolloutd_workqueue_retries_total",
                                  "Keys re-queued with backoff after a failed reconcile.")) {
  gauges(registry_, "rolloutd_build_info", "Always 1; the version label names the build.")
      .Add({{"version", std::string(version)}})
      .Set(1);
}

metrics::~metrics() = default;

policy_series& metrics::series_for_locked(std::string_view ns, std::string_view name) {
  auto [it, inserted] = policies_.try_emplace(policy_key(ns, name));
  if (inserted)
    it->second = std::make_unique<policy_series>(policy_families_, std::string(ns), std::string(name));
  return *it->second;
}

void metrics::update_policy(const policy_snapshot& snapshot) {
  const auto now = clock_.wall_now();
  std::lock_guard lock(mu_);
  series_for_locked(snapshot.ns, snapshot.name).update(snapshot, now);
}

void metrics::remove_policy(std::string_view ns, std::string_view name) {
  std::lock_guard lock(mu_);
  policies_.erase(policy_key(ns, name));
}

void metrics::count_event(std::string_view ns, std::string_view name, std::string_view reason) {
  std::lock_guard lock(mu_);
  const auto it = policies_.find(policy_key(ns, name));
  if (it != policies_.end()) it->second->count_event(bounded_event_reason(reason));
}

std::size_t metrics::policy_count() const {
  std::lock_guard lock(mu_);
  return policies_.size();
}

void metrics::observe_reconcile(double seconds, bool failed) {
  reconcile_duration_.Observe(seconds);
  if (failed) reconcile_errors_.Increment();
}

void metrics::observe_api_request(std::string_view verb, std::string_view resource, int code,
                                  double seconds) {
  const std::string v(bounded_verb(verb));
  const std::string r = bounded_resource(resource);
  api_requests_.Add({{"verb", v}, {"resource", r}, {"code", code_label(code)}}).Increment();
  api_request_duration_.Add({{"verb", v}, {"resource", r}}, api_buckets).Observe(seconds);
}

void metrics::add_watch_source(std::string resource, std::function<watch_counts()> read) {
  watches_.add(std::move(resource), std::move(read));
}

void metrics::set_leader(bool leader) {
  leader_.Set(leader ? 1 : 0);
}

workqueue_series metrics::workqueue(std::string_view queue) {
  const prometheus::Labels labels = {{"queue", std::string(queue)}};
  return workqueue_series{
      .depth = workqueue_depth_.Add(labels),
      .adds = workqueue_adds_.Add(labels),
      .queue_latency = workqueue_latency_.Add(labels, workqueue_buckets),
      .work_duration = workqueue_work_.Add(labels, workqueue_buckets),
      .retries = workqueue_retries_.Add(labels),
  };
}

std::vector<prometheus::MetricFamily> metrics::collect() const {
  auto families = registry_.Collect();
  for (auto&& more : {process_.Collect(), watches_.Collect()}) {
    families.insert(families.end(), more.begin(), more.end());
  }
  return families;
}

std::string metrics::render_text() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, collect());
  return out.str();
}

}  // namespace rolloutd
