#include "reconcile/strategy_sync.hpp"
#include "reconcile/sync_steps.hpp"

namespace rolloutd::reconcile {

// Not served yet: the policy says so (InvalidSpec/UnsupportedStrategy) and nothing is touched.
boost::asio::awaitable<reconcile_outcome> sync_canary(sync_context& c, const policy_snapshot& s,
                                                      const api::canary_strategy&) {
  co_return co_await write_invalid(c, s.object, s.policy.status, s.policy.metadata.generation,
                                   "UnsupportedStrategy",
                                   "strategy canary is not supported by this version yet");
}

}  // namespace rolloutd::reconcile
