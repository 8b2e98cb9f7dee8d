#pragma once

// rolloutd_watch_restarts_total and rolloutd_watch_relists_total, read at scrape time from the
// counters each informer keeps (kube::informer::watch_restarts / relists). Pulling them keeps the
// kube layer free of metrics calls and costs nothing between scrapes.
//
// Threading: add() and Collect() may run on different threads; the readers must be thread-safe
// (the informer's counters are atomics).

#include <prometheus/collectable.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace rolloutd {

struct watch_counts {
  std::uint64_t restarts = 0;  // watches resumed from the last resourceVersion after ending or failing
  std::uint64_t relists = 0;   // full lists after the first (a 410 Gone, or a resume that failed)
};

class watch_collector final : public prometheus::Collectable {
 public:
  // `resource` is a label value, mapped through bounded_resource; sources of the same resource are
  // summed. `read` must stay callable for as long as the collector is scraped.
  void add(std::string resource, std::function<watch_counts()> read);

  [[nodiscard]] std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct source {
    std::string resource;
    std::function<watch_counts()> read;
  };
  mutable std::mutex mu_;
  std::vector<source> sources_;
};

}  // namespace rolloutd
