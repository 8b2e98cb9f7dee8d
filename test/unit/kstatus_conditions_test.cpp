// Reconciling and Stalled, as kstatus (Flux, kpt, Config Sync) reads them: in progress until the
// current revision is stable with exactly the desired pods, failed when the controller cannot get
// there on its own, and otherwise absent.

#include "reconcile/kstatus_conditions.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "api/condition_reasons.hpp"
#include "reconcile/policy_status.hpp"

namespace rolloutd::reconcile {
namespace {

namespace ct = api::condition_types;
namespace cs = api::condition_statuses;
namespace cr = api::condition_reasons;
using namespace std::chrono_literals;

const api::timestamp t0{std::chrono::sys_days{std::chrono::year{2026} / 11 / 27}};

// A policy of 3 replicas, finished on revision "b".
api::rollout_status settled() {
  api::rollout_status s;
  s.phase = api::rollout_phase::healthy;
  s.current_pod_hash = "b";
  s.stable_pod_hash = "b";
  s.replicas = s.updated_replicas = s.ready_replicas = s.available_replicas = 3;
  s.conditions.push_back(
      api::make_condition(ct::progressing, cs::true_, cr::new_replica_set_available, "done", t0));
  return s;
}

api::rollout_status mid_rollout() {
  auto s = settled();
  s.phase = api::rollout_phase::progressing;
  s.message = "1 of 3 updated";
  s.stable_pod_hash = "a";
  s.replicas = 4;
  s.updated_replicas = 1;
  s.conditions[0] = api::make_condition(ct::progressing, cs::true_, cr::replica_set_updated, "scaling", t0);
  return s;
}

std::string state(const api::rollout_status& s, std::string_view type) {
  const auto* c = api::find_condition(s.conditions, type);
  return c == nullptr ? "absent" : c->status + "/" + c->reason;
}

struct kstatus_case {
  const char* name;
  api::rollout_status status;
  std::string reconciling;
  std::string stalled;
};

class kstatus_table : public ::testing::TestWithParam<kstatus_case> {};

TEST_P(kstatus_table, Conditions) {
  auto s = GetParam().status;
  set_kstatus_conditions(s, 3, 5, t0);
  EXPECT_EQ(state(s, kstatus_conditions::reconciling), GetParam().reconciling);
  EXPECT_EQ(state(s, kstatus_conditions::stalled), GetParam().stalled);
}

api::rollout_status with(api::rollout_status s, void (*change)(api::rollout_status&)) {
  change(s);
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    cases, kstatus_table,
    ::testing::Values(
        kstatus_case{"Settled", settled(), "absent", "absent"},
        kstatus_case{"MidRollout", mid_rollout(), "True/ReplicaSetUpdated", "absent"},
        kstatus_case{"NeverReconciled", api::rollout_status{}, "True/Reconciling", "absent"},
        kstatus_case{"OldPodsPendingTermination",
                     with(settled(), [](api::rollout_status& s) { s.replicas = 6; }),
                     "True/NewReplicaSetAvailable", "absent"},
        kstatus_case{"NotAllAvailable",
                     with(settled(), [](api::rollout_status& s) { s.available_replicas = 2; }),
                     "True/NewReplicaSetAvailable", "absent"},
        kstatus_case{"ScaledUpNotYetThere",
                     with(settled(), [](api::rollout_status& s) { s.updated_replicas = s.replicas = 2; }),
                     "True/NewReplicaSetAvailable", "absent"},
        kstatus_case{"PausedMidRollout",
                     with(mid_rollout(),
                          [](api::rollout_status& s) {
                            s.phase = api::rollout_phase::paused;
                            s.conditions[0] = api::make_condition(ct::progressing, cs::unknown,
                                                                  cr::rollout_paused, "paused", t0);
                          }),
                     "True/RolloutPaused", "absent"},
        kstatus_case{"PausedButFinished",
                     with(settled(), [](api::rollout_status& s) { s.phase = api::rollout_phase::paused; }),
                     "absent", "absent"},
        kstatus_case{"DeadlineExceeded",
                     with(mid_rollout(),
                          [](api::rollout_status& s) {
                            s.conditions[0] = api::make_condition(
                                ct::progressing, cs::false_, cr::progress_deadline_exceeded, "timed out", t0);
                          }),
                     "absent", "True/ProgressDeadlineExceeded"},
        kstatus_case{
            "InvalidSpec",
            with(settled(),
                 [](api::rollout_status& s) {
                   s.conditions.push_back(
                       api::make_condition(ct::invalid_spec, cs::true_, "SelectorMismatch", "bad", t0));
                 }),
            "absent", "True/SelectorMismatch"},
        kstatus_case{"Aborted", with(settled(), [](api::rollout_status& s) { s.abort = true; }), "absent",
                     "True/RolloutAborted"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(kstatus_conditions, UnchangedConditionKeepsItsTimes) {
  auto s = mid_rollout();
  set_kstatus_conditions(s, 3, 5, t0);
  const auto first = *api::find_condition(s.conditions, kstatus_conditions::reconciling);
  set_kstatus_conditions(s, 3, 5, t0 + 10s);
  EXPECT_EQ(*api::find_condition(s.conditions, kstatus_conditions::reconciling), first);

  s.message = "2 of 3 updated";
  set_kstatus_conditions(s, 3, 5, t0 + 20s);
  const auto* updated = api::find_condition(s.conditions, kstatus_conditions::reconciling);
  EXPECT_EQ(updated->message, "2 of 3 updated");
  EXPECT_EQ(updated->last_update_time, t0 + 20s);
  EXPECT_EQ(updated->last_transition_time, t0);
}

TEST(kstatus_conditions, StalledClearsOnceTheCauseIsGone) {
  auto s = mid_rollout();
  s.conditions[0] =
      api::make_condition(ct::progressing, cs::false_, cr::progress_deadline_exceeded, "timed out", t0);
  set_kstatus_conditions(s, 3, 5, t0);
  ASSERT_EQ(state(s, kstatus_conditions::stalled), "True/ProgressDeadlineExceeded");
  s = with(s, [](api::rollout_status& x) {
    x.conditions[0] =
        api::make_condition(ct::progressing, cs::true_, cr::replica_set_updated, "retrying", t0);
  });
  set_kstatus_conditions(s, 3, 5, t0 + 5s);
  EXPECT_EQ(state(s, kstatus_conditions::stalled), "absent");
  EXPECT_EQ(state(s, kstatus_conditions::reconciling), "True/ReplicaSetUpdated");
}

TEST(kstatus_conditions, InvalidSpecDecisionIsStalled) {
  const auto d = invalid_status(mid_rollout(), 7, "SelectorMismatch", "selector does not match the template",
                                std::chrono::system_clock::time_point{t0});
  EXPECT_EQ(state(d.status, kstatus_conditions::stalled), "True/SelectorMismatch");
  EXPECT_EQ(state(d.status, kstatus_conditions::reconciling), "absent");
  EXPECT_EQ(api::find_condition(d.status.conditions, kstatus_conditions::stalled)->observed_generation, 7);
}

}  // namespace
}  // namespace rolloutd::reconcile
