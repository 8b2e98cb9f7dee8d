#pragma once

// Reports a kube::workqueue's activity as the rolloutd_workqueue_* series of one queue. Pass it to
// the workqueue's constructor; it must outlive the queue, and the metrics object must outlive it.
// Every hook only touches atomics or a histogram's own short lock, as the queue calls them with its
// lock held.

#include <string_view>

#include "kube/workqueue.hpp"
#include "metrics/registry.hpp"

namespace rolloutd {

class workqueue_metrics final : public kube::workqueue_observer {
 public:
  workqueue_metrics(metrics& metrics, std::string_view queue);

  void on_depth(std::size_t depth) override;
  void on_add() override;
  void on_queue_latency(clock::duration waited) override;
  void on_work_duration(clock::duration worked) override;
  void on_retry() override;

 private:
  workqueue_series series_;
};

}  // namespace rolloutd
