#pragma once

// The controller's metrics: one prometheus::Registry holding every rolloutd_ series, plus the
// process_* series read from /proc at scrape time. Created once in main and passed to whatever
// reports (reconciler, workqueue, API client, informers, leader election); there is no global
// registry. docs/metrics.md lists every series.
//
// Threading: every member function is thread-safe. Scrapes (collect, render_text) may run on the
// HTTP server's thread while reconcile workers update policies.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/clock.hpp"
#include "metrics/labels.hpp"
#include "metrics/policy_series.hpp"
#include "metrics/process_collector.hpp"
#include "metrics/watch_collector.hpp"
#include "rolloutd/build_info.hpp"

namespace rolloutd {

// The series of one workqueue, for workqueue_metrics. References into the registry: valid as long
// as the metrics object.
struct workqueue_series {
  prometheus::Gauge& depth;
  prometheus::Counter& adds;
  prometheus::Histogram& queue_latency;
  prometheus::Histogram& work_duration;
  prometheus::Counter& retries;
};

class metrics {
 public:
  // clock times rollouts (wall time, comparable with status timestamps); proc_root is where the
  // process series are read from ("/proc"; a fixture directory in tests).
  explicit metrics(const clock& clock, std::string_view version = build_info::version,
                   std::filesystem::path proc_root = "/proc");
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;
  ~metrics();

  // --- per policy
  // Sets every series of the policy from its latest status; series that no longer apply (an old
  // phase, a role no ReplicaSet plays any more, weights of a policy that stopped being a canary)
  // are removed.
  void update_policy(const policy_snapshot& snapshot);
  // Removes every series of the policy; call it when the policy is deleted. Unknown policies are
  // ignored.
  void remove_policy(std::string_view ns, std::string_view name);
  // Counts an event recorded on the policy. Reasons outside known_event_reasons() count as "Other".
  // Only policies with series count: an event about a policy never updated, or already removed (a
  // reconcile finishing after the deletion), is ignored, so it cannot bring a deleted policy back.
  void count_event(std::string_view ns, std::string_view name, std::string_view reason);
  // Policies that currently have series.
  [[nodiscard]] std::size_t policy_count() const;

  // --- controller
  void observe_reconcile(double seconds, bool failed);
  // One API request. verb: HTTP method or Kubernetes verb; resource: plural type name, optionally
  // "/status" or "/scale"; code: HTTP status, 0 when no response came. For a watch, call it when
  // the response headers arrive, not when the stream ends, so the latency means the same thing.
  void observe_api_request(std::string_view verb, std::string_view resource, int code, double seconds);
  // An informer's watch counters, read at every scrape (see watch_collector). `read` must stay
  // callable as long as this object is scraped.
  void add_watch_source(std::string resource, std::function<watch_counts()> read);
  void set_leader(bool leader);
  // The series of the named workqueue (created on first call; the same ones after that). The queue
  // name must come from code, not from input: it is a label value.
  [[nodiscard]] workqueue_series workqueue(std::string_view queue);

  // --- exposition
  [[nodiscard]] std::vector<prometheus::MetricFamily> collect() const;
  // The Prometheus text exposition format (version 0.0.4).
  [[nodiscard]] std::string render_text() const;

 private:
  using policy_key = std::pair<std::string, std::string>;

  policy_series& series_for_locked(std::string_view ns, std::string_view name);

  const clock& clock_;
  prometheus::Registry registry_;
  process_collector process_;
  watch_collector watches_;

  policy_families policy_families_;
  prometheus::Histogram& reconcile_duration_;
  prometheus::Counter& reconcile_errors_;
  prometheus::Family<prometheus::Counter>& api_requests_;
  prometheus::Family<prometheus::Histogram>& api_request_duration_;
  prometheus::Gauge& leader_;
  prometheus::Family<prometheus::Gauge>& workqueue_depth_;
  prometheus::Family<prometheus::Counter>& workqueue_adds_;
  prometheus::Family<prometheus::Histogram>& workqueue_latency_;
  prometheus::Family<prometheus::Histogram>& workqueue_work_;
  prometheus::Family<prometheus::Counter>& workqueue_retries_;

  mutable std::mutex mu_;
  // Declared after the registry, so they are destroyed (and remove their series) before it.
  std::map<policy_key, std::unique_ptr<policy_series>> policies_;
};

}  // namespace rolloutd
