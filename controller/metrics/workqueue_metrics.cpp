#include "metrics/workqueue_metrics.hpp"

namespace rolloutd {
namespace {

double seconds(clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

workqueue_metrics::workqueue_metrics(metrics& metrics, std::string_view queue)
    : series_(metrics.workqueue(queue)) {}

void workqueue_metrics::on_depth(std::size_t depth) {
  series_.depth.Set(static_cast<double>(depth));
}
void workqueue_metrics::on_add() {
  series_.adds.Increment();
}
void workqueue_metrics::on_queue_latency(clock::duration waited) {
  series_.queue_latency.Observe(seconds(waited));
}
void workqueue_metrics::on_work_duration(clock::duration worked) {
  series_.work_duration.Observe(seconds(worked));
}
void workqueue_metrics::on_retry() {
  series_.retries.Increment();
}

}  // namespace rolloutd
