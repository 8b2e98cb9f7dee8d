#pragma once

// Keeps the per-policy series in step with the controller's informer caches. Every change to a
// policy, or to a ReplicaSet it controls, re-reads the policy and its ReplicaSets from the caches
// and updates the policy's series; a deleted policy's series are removed at once. Reading the
// status the reconcilers wrote (rather than being called by them) means every strategy's series
// come for free with its status fields, and a standby or a new leader shows the same values.
//
// Threading: the handlers run on the informers' thread; the metrics object is thread-safe.

#include <string_view>

#include "kube/informer_cache.hpp"
#include "metrics/registry.hpp"

namespace rolloutd {

class policy_feed {
 public:
  // The caches and the metrics object must outlive the feed, and the feed the informers.
  policy_feed(metrics& metrics, const kube::informer_cache& policies,
              const kube::informer_cache& replica_sets);
  policy_feed(const policy_feed&) = delete;
  policy_feed& operator=(const policy_feed&) = delete;

  // To be added to the policies' and the ReplicaSets' informers before they run.
  [[nodiscard]] kube::cache_handlers policy_handlers();
  [[nodiscard]] kube::cache_handlers replica_set_handlers();

  // Updates the policy's series from the caches, or removes them when the cache no longer has it.
  void refresh(std::string_view ns, std::string_view name);

 private:
  void refresh_owner(const kube::object_ptr& replica_set);

  metrics& metrics_;
  const kube::informer_cache& policies_;
  const kube::informer_cache& replica_sets_;
};

}  // namespace rolloutd
