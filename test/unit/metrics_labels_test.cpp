// The event reasons the reconcilers record must be label values of their own in
// rolloutd_events_total, not folded into "Other". The constants are listed here from where the
// strategies define them; a reason added there and forgotten in metrics/labels.cpp fails this test
// when it is added here too (the list below says where to look).

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "api/status.hpp"
#include "metrics/labels.hpp"
#include "reconcile/blue_green_status.hpp"
#include "strategy/blue_green.hpp"
#include "strategy/canary_steps.hpp"

namespace rolloutd {
namespace {

TEST(MetricsLabels, EveryEventReasonTheReconcilersRecordIsKnown) {
  namespace cr = api::condition_reasons;
  namespace bg = strategy::blue_green_reasons;
  namespace steps = strategy::step_events;
  const std::vector<std::string_view> recorded = {
      // controller/reconcile: sync_steps, *_status, *_sync, policy_reconciler
      "ScalingReplicaSet",
      "FailedCreate",
      "UnsupportedStrategy",
      "PlanningFailed",
      cr::invalid_spec,
      cr::rollout_paused,
      cr::rollout_resumed,
      cr::rollout_completed,
      cr::progress_deadline_exceeded,
      reconcile::blue_green_condition_reasons::service_not_found,
      // controller/strategy/blue_green.hpp
      bg::service_switched,
      bg::promoted,
      bg::aborted,
      bg::retried,
      bg::paused,
      bg::operation_ignored,
      bg::service_rescued,
      // controller/strategy/canary_steps.hpp
      steps::step_completed,
      steps::paused,
      steps::promoted,
      steps::aborted,
      steps::retried,
      steps::ignored,
  };
  for (const auto reason : recorded) EXPECT_EQ(bounded_event_reason(reason), reason);
  EXPECT_EQ(bounded_event_reason("SomethingElse"), "Other");
  EXPECT_EQ(bounded_event_reason(""), "Other");
}

TEST(MetricsLabels, KnownReasonsAreDistinct) {
  const auto known = known_event_reasons();
  for (std::size_t i = 0; i < known.size(); ++i) {
    for (std::size_t j = i + 1; j < known.size(); ++j) EXPECT_NE(known[i], known[j]);
  }
}

}  // namespace
}  // namespace rolloutd
