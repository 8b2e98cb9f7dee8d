#include "metrics/watch_collector.hpp"

#include <prometheus/metric_family.h>

#include <map>

#include "metrics/labels.hpp"

namespace rolloutd {
namespace {

prometheus::MetricFamily counter_family(std::string name, std::string help,
                                        const std::map<std::string, double>& by_resource) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Counter;
  for (const auto& [resource, value] : by_resource) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"resource", resource});
    metric.counter.value = value;
    family.metric.push_back(std::move(metric));
  }
  return family;
}

}  // namespace

void watch_collector::add(std::string resource, std::function<watch_counts()> read) {
  std::lock_guard lock(mu_);
  sources_.push_back({bounded_resource(resource), std::move(read)});
}

std::vector<prometheus::MetricFamily> watch_collector::Collect() const {
  std::map<std::string, double> restarts;
  std::map<std::string, double> relists;
  {
    std::lock_guard lock(mu_);
    for (const auto& s : sources_) {
      const auto counts = s.read();
      restarts[s.resource] += static_cast<double>(counts.restarts);
      relists[s.resource] += static_cast<double>(counts.relists);
    }
  }
  return {
      counter_family("rolloutd_watch_restarts_total",
                     "Watch streams that ended or failed and were reopened from the last resourceVersion.",
                     restarts),
      counter_family("rolloutd_watch_relists_total",
                     "Full lists made by an informer after its first (the watch expired with 410 Gone, "
                     "or could not be resumed).",
                     relists)};
}

}  // namespace rolloutd
