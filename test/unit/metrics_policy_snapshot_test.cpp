#include "metrics/policy_snapshot.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolloutd {
namespace {

using nlohmann::json;

api::canary_strategy canary_steps(const std::vector<api::canary_step>& steps) {
  api::canary_strategy c;
  c.steps = steps;
  return c;
}

api::canary_step weight(std::int32_t w) {
  return api::set_weight_step{w};
}
api::canary_step pause() {
  return api::pause_step{};
}

TEST(MetricsPolicySnapshot, SetWeightIsTheLastSetWeightAtOrBeforeTheCurrentStep) {
  const auto canary = canary_steps({weight(20), pause(), weight(50), pause(), api::set_canary_scale_step{}});
  struct row {
    std::optional<std::int32_t> index;
    bool abort;
    std::int32_t want;
  };
  const std::vector<row> rows = {
      {std::nullopt, false, 20},  // no index yet: step 0
      {0, false, 20},
      {1, false, 20},
      {2, false, 50},
      {3, false, 50},
      {4, false, 50},
      {5, false, 100},  // every step done
      {9, false, 100},  // past the end (steps removed mid-rollout)
      {-3, false, 20},  // a nonsense index reads as 0
      {2, true, 0},     // aborted: all traffic back on stable
  };
  for (const auto& r : rows) {
    api::rollout_status st;
    st.current_step_index = r.index;
    st.abort = r.abort;
    EXPECT_EQ(canary_set_weight(canary, st), r.want) << r.index.value_or(-99) << " abort=" << r.abort;
  }
  api::rollout_status st;
  st.current_step_index = 0;
  EXPECT_EQ(canary_set_weight(canary_steps({pause(), weight(30)}), st), 0) << "no setWeight yet";
  EXPECT_EQ(canary_set_weight(canary_steps({}), st), 100) << "no steps: straight to 100";
}

api::rollout_policy policy_with(api::rollout_strategy strategy) {
  api::rollout_policy p;
  p.metadata.namespace_name = "shop";
  p.metadata.name = "web";
  p.spec.replicas = 10;
  p.spec.strategy = std::move(strategy);
  p.status.phase = api::rollout_phase::progressing;
  p.status.replicas = 11;
  p.status.updated_replicas = 3;
  p.status.ready_replicas = 9;
  p.status.available_replicas = 8;
  p.status.current_revision = 4;
  p.status.current_pod_hash = "new";
  return p;
}

std::map<replica_role, std::pair<std::int64_t, std::int64_t>> roles_of(const policy_snapshot& s) {
  std::map<replica_role, std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& r : s.roles) {
    EXPECT_FALSE(out.contains(r.role)) << "one entry per role";
    out[r.role] = {r.desired, r.available};
  }
  return out;
}

const std::vector<replica_set_counts> three_revisions = {
    {.pod_hash = "new", .desired = 3, .available = 2},
    {.pod_hash = "stable", .desired = 7, .available = 7},
    {.pod_hash = "older", .desired = 1, .available = 1},
    {.pod_hash = "oldest", .desired = 1, .available = 0},
};

TEST(MetricsPolicySnapshot, CopiesTheStatusCounts) {
  const auto s = snapshot_of(policy_with(api::rolling_update_strategy{}), {});
  EXPECT_EQ(s.ns, "shop");
  EXPECT_EQ(s.name, "web");
  EXPECT_EQ(s.strategy, strategy_kind::rolling_update);
  EXPECT_EQ(s.phase, policy_phase::progressing);
  EXPECT_EQ(s.desired_replicas, 10);
  EXPECT_EQ(s.current_replicas, 11);
  EXPECT_EQ(s.updated_replicas, 3);
  EXPECT_EQ(s.ready_replicas, 9);
  EXPECT_EQ(s.available_replicas, 8);
  EXPECT_EQ(s.revision, 4);
  EXPECT_EQ(s.step_count, 0);
  EXPECT_FALSE(s.set_weight.has_value()) << "weights are for canaries only";
  EXPECT_FALSE(s.actual_weight.has_value());
  EXPECT_FALSE(s.paused);
  EXPECT_FALSE(s.aborted);
  EXPECT_FALSE(s.progress_deadline_exceeded);
}

TEST(MetricsPolicySnapshot, RollingUpdateRolesAreNewAndOld) {
  const auto roles = roles_of(snapshot_of(policy_with(api::rolling_update_strategy{}), three_revisions));
  ASSERT_EQ(roles.size(), 2U);
  EXPECT_EQ(roles.at(replica_role::new_revision), std::make_pair(std::int64_t{3}, std::int64_t{2}));
  EXPECT_EQ(roles.at(replica_role::old), std::make_pair(std::int64_t{9}, std::int64_t{8})) << "summed";
}

TEST(MetricsPolicySnapshot, CanaryRolesStepsAndWeights) {
  auto p = policy_with(canary_steps({weight(10), pause(), weight(40), pause()}));
  p.status.stable_pod_hash = "stable";
  p.status.current_step_index = 2;
  p.status.canary_weight = 30;
  const auto s = snapshot_of(p, three_revisions);
  EXPECT_EQ(s.strategy, strategy_kind::canary);
  EXPECT_EQ(s.step_index, 2);
  EXPECT_EQ(s.step_count, 4);
  EXPECT_EQ(s.set_weight, 40.0);
  EXPECT_EQ(s.actual_weight, 30.0);
  const auto roles = roles_of(s);
  ASSERT_EQ(roles.size(), 3U);
  EXPECT_EQ(roles.at(replica_role::canary).first, 3);
  EXPECT_EQ(roles.at(replica_role::stable).first, 7);
  EXPECT_EQ(roles.at(replica_role::old).first, 2);

  // Fully promoted: the current revision is the stable one.
  p.status.stable_pod_hash = "new";
  p.status.current_step_index = 4;
  const auto done = snapshot_of(p, {{.pod_hash = "new", .desired = 10, .available = 10}});
  EXPECT_EQ(done.step_index, 4);
  EXPECT_EQ(done.set_weight, 100.0);
  ASSERT_EQ(done.roles.size(), 1U);
  EXPECT_EQ(done.roles[0].role, replica_role::stable);

  // No actual weight in the status: no series, rather than a made-up 0.
  p.status.canary_weight.reset();
  EXPECT_FALSE(snapshot_of(p, {}).actual_weight.has_value());
  // An index beyond the steps is clamped to the step count.
  p.status.current_step_index = 12;
  EXPECT_EQ(snapshot_of(p, {}).step_index, 4);
}

TEST(MetricsPolicySnapshot, BlueGreenRolesFollowTheServiceSelectors) {
  auto p = policy_with(api::blue_green_strategy{});
  p.status.active_selector = "stable";
  p.status.preview_selector = "new";
  auto roles = roles_of(snapshot_of(p, three_revisions));
  ASSERT_EQ(roles.size(), 3U);
  EXPECT_EQ(roles.at(replica_role::active).first, 7);
  EXPECT_EQ(roles.at(replica_role::preview).first, 3);
  EXPECT_EQ(roles.at(replica_role::old).first, 2);

  // Promoted: both Services select the new revision; it is active.
  p.status.active_selector = "new";
  roles = roles_of(snapshot_of(p, three_revisions));
  EXPECT_EQ(roles.at(replica_role::active).first, 3);
  EXPECT_FALSE(roles.contains(replica_role::preview));
  EXPECT_EQ(roles.at(replica_role::old).first, 9);

  // First deploy: no Service switched yet; the current revision is on its way to active.
  p.status.active_selector.clear();
  p.status.preview_selector.clear();
  roles = roles_of(snapshot_of(p, {{.pod_hash = "new", .desired = 3, .available = 1}}));
  EXPECT_TRUE(roles.contains(replica_role::active));
  // Preview named but active not (yet) recorded: the preview is still the preview.
  p.status.preview_selector = "new";
  roles = roles_of(snapshot_of(p, {{.pod_hash = "new", .desired = 3, .available = 1}}));
  EXPECT_TRUE(roles.contains(replica_role::preview));
}

// A ReplicaSet without the hash label must not match a status field that is still empty.
TEST(MetricsPolicySnapshot, AReplicaSetWithoutAHashIsOld) {
  const std::vector<replica_set_counts> unlabelled = {{.pod_hash = "", .desired = 2, .available = 2}};
  for (const api::rollout_strategy& strategy : std::vector<api::rollout_strategy>{
           api::rolling_update_strategy{}, canary_steps({weight(10)}), api::blue_green_strategy{}}) {
    auto p = policy_with(strategy);
    p.status.current_pod_hash.clear();
    const auto s = snapshot_of(p, unlabelled);
    ASSERT_EQ(s.roles.size(), 1U);
    EXPECT_EQ(s.roles[0].role, replica_role::old) << label_value(s.strategy);
  }
}

TEST(MetricsPolicySnapshot, PhasePauseAbortAndDeadline) {
  auto p = policy_with(api::rolling_update_strategy{});
  p.status.phase = api::rollout_phase::unset;
  EXPECT_EQ(snapshot_of(p, {}).phase, policy_phase::progressing) << "not reconciled yet";
  for (const auto& [phase, want] : std::vector<std::pair<api::rollout_phase, policy_phase>>{
           {api::rollout_phase::healthy, policy_phase::healthy},
           {api::rollout_phase::degraded, policy_phase::degraded},
           {api::rollout_phase::paused, policy_phase::paused}}) {
    p.status.phase = phase;
    EXPECT_EQ(snapshot_of(p, {}).phase, want);
  }
  EXPECT_TRUE(snapshot_of(p, {}).paused) << "phase Paused";

  p.status.phase = api::rollout_phase::progressing;
  p.spec.paused = true;
  EXPECT_TRUE(snapshot_of(p, {}).paused) << "spec.paused";
  p.spec.paused = false;
  p.status.pause_conditions.push_back({std::string(api::condition_reasons::canary_pause_step), {}});
  EXPECT_TRUE(snapshot_of(p, {}).paused) << "a pause condition";
  p.status.pause_conditions.clear();
  EXPECT_FALSE(snapshot_of(p, {}).paused);

  p.status.abort = true;
  EXPECT_TRUE(snapshot_of(p, {}).aborted);

  p.status.conditions.push_back(
      api::make_condition(api::condition_types::progressing, api::condition_statuses::false_,
                          api::condition_reasons::progress_deadline_exceeded, "slow", {}));
  EXPECT_TRUE(snapshot_of(p, {}).progress_deadline_exceeded);
  p.status.conditions[0].reason = std::string(api::condition_reasons::replica_set_updated);
  EXPECT_FALSE(snapshot_of(p, {}).progress_deadline_exceeded);
}

TEST(MetricsPolicySnapshot, ReadsReplicaSetsTolerantly) {
  const auto rs = read_replica_set(json::parse(R"({
    "metadata": {"name": "web-abc", "labels": {"rolloutd.io/pod-template-hash": "abc"}},
    "spec": {"replicas": 4},
    "status": {"replicas": 4, "availableReplicas": 3}
  })"));
  EXPECT_EQ(rs.pod_hash, "abc");
  EXPECT_EQ(rs.desired, 4);
  EXPECT_EQ(rs.available, 3);
  for (const char* text : {R"({})", R"({"metadata": 1, "spec": [], "status": "x"})",
                           R"({"metadata": {"labels": {"rolloutd.io/pod-template-hash": 7}},
                               "spec": {"replicas": "4"}, "status": {}})"}) {
    const auto bad = read_replica_set(json::parse(text));
    EXPECT_EQ(bad.pod_hash, "") << text;
    EXPECT_EQ(bad.desired, 0) << text;
    EXPECT_EQ(bad.available, 0) << text;
  }
}

TEST(MetricsPolicySnapshot, AnUnparseablePolicyStillNamesItsStrategyAndStatus) {
  const auto p = lenient_policy(json::parse(R"({
    "metadata": {"name": "web", "namespace": "shop", "uid": "u1"},
    "spec": {"replicas": 5, "strategy": {"canary": {"steps": "not a list"}}},
    "status": {"phase": "Degraded", "abort": true, "currentRevision": 2}
  })"));
  const auto s = snapshot_of(p, {});
  EXPECT_EQ(s.ns, "shop");
  EXPECT_EQ(s.name, "web");
  EXPECT_EQ(s.strategy, strategy_kind::canary);
  EXPECT_EQ(s.phase, policy_phase::degraded);
  EXPECT_EQ(s.desired_replicas, 5);
  EXPECT_TRUE(s.aborted);
  EXPECT_EQ(s.revision, 2);
  EXPECT_EQ(s.step_count, 0);

  const auto garbage = lenient_policy(json::parse(R"({"metadata": {"name": "x"}, "spec": 3, "status": []})"));
  EXPECT_EQ(garbage.metadata.name, "x");
  EXPECT_EQ(snapshot_of(garbage, {}).strategy, strategy_kind::rolling_update);
}

}  // namespace
}  // namespace rolloutd
