#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "kube/workqueue.hpp"
#include "metrics/workqueue_metrics.hpp"
#include "metrics_text.hpp"

namespace rolloutd {
namespace {

using testing::exposition;
using testing::label_set;
using testing::parse_exposition;

policy_snapshot canary(std::string ns, std::string name) {
  return policy_snapshot{
      .ns = std::move(ns),
      .name = std::move(name),
      .strategy = strategy_kind::canary,
      .phase = policy_phase::progressing,
      .desired_replicas = 10,
      .current_replicas = 11,
      .updated_replicas = 2,
      .ready_replicas = 9,
      .available_replicas = 8,
      .step_index = 1,
      .step_count = 4,
      .set_weight = 20.0,
      .actual_weight = 18.0,
      .paused = false,
      .aborted = false,
      .progress_deadline_exceeded = false,
      .revision = 3,
      .roles = {{.role = replica_role::canary, .desired = 2, .available = 1},
                {.role = replica_role::stable, .desired = 9, .available = 7}},
  };
}

exposition scrape(const metrics& m) {
  return parse_exposition(m.render_text());
}

label_set policy(const std::string& ns, const std::string& name, label_set extra = {}) {
  extra.emplace("namespace", ns);
  extra.emplace("name", name);
  return extra;
}

TEST(MetricsRegistry, ControllerSeriesExistFromTheStart) {
  manual_clock clock;
  metrics m(clock, "9.8.7");
  const auto text = scrape(m);
  EXPECT_EQ(text.value("rolloutd_build_info", {{"version", "9.8.7"}}), 1.0);
  EXPECT_EQ(text.value("rolloutd_leader"), 0.0);
  EXPECT_EQ(text.value("rolloutd_reconcile_errors_total"), 0.0);
  EXPECT_EQ(text.value("rolloutd_reconcile_duration_seconds_count"), 0.0);
  EXPECT_EQ(text.types.at("rolloutd_build_info"), "gauge");
  EXPECT_EQ(text.types.at("rolloutd_reconcile_errors_total"), "counter");
  EXPECT_EQ(text.types.at("rolloutd_reconcile_duration_seconds"), "histogram");
  for (const auto& s : text.samples) EXPECT_FALSE(s.labels.contains("namespace")) << s.name;
}

TEST(MetricsRegistry, UpdatePolicyRendersEverySeriesWithItsValue) {
  manual_clock clock;
  metrics m(clock);
  m.update_policy(canary("shop", "web"));
  const auto text = scrape(m);

  const std::vector<std::tuple<std::string, label_set, double>> expected = {
      {"rolloutd_policy_info", {{"strategy", "canary"}, {"phase", "Progressing"}}, 1},
      {"rolloutd_policy_replicas", {{"state", "desired"}}, 10},
      {"rolloutd_policy_replicas", {{"state", "current"}}, 11},
      {"rolloutd_policy_replicas", {{"state", "updated"}}, 2},
      {"rolloutd_policy_replicas", {{"state", "ready"}}, 9},
      {"rolloutd_policy_replicas", {{"state", "available"}}, 8},
      {"rolloutd_policy_revision_replicas", {{"role", "canary"}, {"state", "desired"}}, 2},
      {"rolloutd_policy_revision_replicas", {{"role", "canary"}, {"state", "available"}}, 1},
      {"rolloutd_policy_revision_replicas", {{"role", "stable"}, {"state", "desired"}}, 9},
      {"rolloutd_policy_revision_replicas", {{"role", "stable"}, {"state", "available"}}, 7},
      {"rolloutd_policy_step", {}, 1},
      {"rolloutd_policy_steps", {}, 4},
      {"rolloutd_policy_canary_weight", {{"kind", "set"}}, 20},
      {"rolloutd_policy_canary_weight", {{"kind", "actual"}}, 18},
      {"rolloutd_policy_paused", {}, 0},
      {"rolloutd_policy_aborted", {}, 0},
      {"rolloutd_policy_progress_deadline_exceeded", {}, 0},
      {"rolloutd_policy_revision", {}, 3},
  };
  for (const auto& [name, labels, value] : expected) {
    EXPECT_EQ(text.value(name, policy("shop", "web", labels)), value) << name;
    EXPECT_EQ(text.types.at(name), "gauge") << name;
  }
  // Nothing else carries the policy's labels: the table above is the whole per-policy surface.
  EXPECT_EQ(text.count_matching(policy("shop", "web")), expected.size());
}

TEST(MetricsRegistry, PhaseOrStrategyChangeLeavesExactlyOneInfoSeries) {
  manual_clock clock;
  metrics m(clock);
  auto s = canary("shop", "web");
  for (const auto phase : {policy_phase::progressing, policy_phase::paused, policy_phase::progressing,
                           policy_phase::degraded, policy_phase::healthy}) {
    s.phase = phase;
    m.update_policy(s);
    const auto infos = scrape(m).named("rolloutd_policy_info");
    ASSERT_EQ(infos.size(), 1U);
    EXPECT_EQ(infos[0].labels.at("phase"), label_value(phase));
    EXPECT_EQ(infos[0].value, 1.0);
  }
  s.strategy = strategy_kind::blue_green;
  m.update_policy(s);
  const auto infos = scrape(m).named("rolloutd_policy_info");
  ASSERT_EQ(infos.size(), 1U);
  EXPECT_EQ(infos[0].labels.at("strategy"), "blueGreen");
}

TEST(MetricsRegistry, SeriesThatNoLongerApplyAreRemoved) {
  manual_clock clock;
  metrics m(clock);
  auto s = canary("shop", "web");
  m.update_policy(s);
  s.strategy = strategy_kind::rolling_update;
  s.set_weight.reset();
  s.actual_weight.reset();
  s.roles = {{.role = replica_role::new_revision, .desired = 10, .available = 10}};
  m.update_policy(s);
  const auto text = scrape(m);
  EXPECT_TRUE(text.named("rolloutd_policy_canary_weight").empty());
  const auto roles = text.named("rolloutd_policy_revision_replicas");
  ASSERT_EQ(roles.size(), 2U);
  for (const auto& r : roles) EXPECT_EQ(r.labels.at("role"), "new");
}

TEST(MetricsRegistry, RemovePolicyRemovesEverySeriesOfThatPolicyAndNoneOfAnother) {
  manual_clock clock;
  metrics m(clock);
  // Same name in another namespace, and another name in the same namespace: neither is touched.
  for (const auto& [ns, name] :
       std::vector<std::pair<std::string, std::string>>{{"shop", "web"}, {"other", "web"}, {"shop", "api"}}) {
    m.update_policy(canary(ns, name));
    m.count_event(ns, name, "RolloutUpdated");
    m.count_event(ns, name, "SomethingNew");
  }
  const auto before = scrape(m);
  const auto other_before = before.count_matching(policy("other", "web"));
  const auto api_before = before.count_matching(policy("shop", "api"));
  ASSERT_GT(before.count_matching(policy("shop", "web")), 0U);

  m.remove_policy("shop", "web");
  const auto after = scrape(m);
  EXPECT_EQ(after.count_matching(policy("shop", "web")), 0U);
  EXPECT_EQ(after.count_matching(policy("other", "web")), other_before);
  EXPECT_EQ(after.count_matching(policy("shop", "api")), api_before);
  EXPECT_EQ(m.policy_count(), 2U);

  m.remove_policy("shop", "never-existed");
  EXPECT_EQ(m.policy_count(), 2U);
}

TEST(MetricsRegistry, PoliciesCreatedAndDeletedLeaveNoSeriesBehind) {
  manual_clock clock;
  metrics m(clock);
  const auto baseline = scrape(m).samples.size();
  for (int i = 0; i < 200; ++i) {
    const auto name = "p" + std::to_string(i);
    auto s = canary("churn", name);
    m.update_policy(s);
    m.count_event("churn", name, "ScalingReplicaSet");
    s.phase = policy_phase::healthy;
    m.update_policy(s);
    m.remove_policy("churn", name);
  }
  const auto text = scrape(m);
  EXPECT_EQ(text.count_matching({{"namespace", "churn"}}), 0U);
  // Only the shared rollout-duration histogram (labelled by strategy and outcome) is new.
  const auto durations = text.count_matching({{"strategy", "canary"}, {"outcome", "healthy"}});
  EXPECT_GT(durations, 0U);
  EXPECT_EQ(text.samples.size(), baseline + durations);
}

TEST(MetricsRegistry, EventsAreCountedByBoundedReason) {
  manual_clock clock;
  metrics m(clock);
  m.update_policy(canary("shop", "web"));
  m.count_event("shop", "web", "ScalingReplicaSet");
  m.count_event("shop", "web", "ScalingReplicaSet");
  m.count_event("shop", "web", "RolloutAborted");
  m.count_event("shop", "web", "made-up reason 1");
  m.count_event("shop", "web", "made-up reason 2");
  const auto text = scrape(m);
  EXPECT_EQ(text.value("rolloutd_events_total", policy("shop", "web", {{"reason", "ScalingReplicaSet"}})),
            2.0);
  EXPECT_EQ(text.value("rolloutd_events_total", policy("shop", "web", {{"reason", "RolloutAborted"}})), 1.0);
  EXPECT_EQ(text.value("rolloutd_events_total", policy("shop", "web", {{"reason", "Other"}})), 2.0);
  EXPECT_EQ(text.named("rolloutd_events_total").size(), 3U);
  EXPECT_EQ(text.types.at("rolloutd_events_total"), "counter");
}

// A reconcile that finishes after its policy was deleted records its events late; they must not
// bring the deleted policy's series back.
TEST(MetricsRegistry, EventsOfUnknownOrRemovedPoliciesAreIgnored) {
  manual_clock clock;
  metrics m(clock);
  m.count_event("shop", "never-seen", "RolloutUpdated");
  m.update_policy(canary("shop", "web"));
  m.count_event("shop", "web", "RolloutUpdated");
  m.remove_policy("shop", "web");
  m.count_event("shop", "web", "RolloutCompleted");
  const auto text = scrape(m);
  EXPECT_EQ(text.count_matching({{"namespace", "shop"}}), 0U);
  EXPECT_EQ(m.policy_count(), 0U);
}

TEST(MetricsRegistry, RolloutDurationIsObservedByStrategyAndOutcome) {
  manual_clock clock;
  metrics m(clock);
  auto s = canary("shop", "web");
  s.phase = policy_phase::healthy;
  m.update_policy(s);  // already rolled out when first seen: not timed
  s.revision = 4;
  s.phase = policy_phase::progressing;
  m.update_policy(s);
  clock.advance(std::chrono::seconds(90));
  s.phase = policy_phase::healthy;
  m.update_policy(s);
  const auto text = scrape(m);
  const label_set labels = {{"strategy", "canary"}, {"outcome", "healthy"}};
  EXPECT_EQ(text.value("rolloutd_rollout_duration_seconds_count", labels), 1.0);
  EXPECT_EQ(text.value("rolloutd_rollout_duration_seconds_sum", labels), 90.0);
  auto bucket = labels;
  bucket["le"] = "60";
  EXPECT_EQ(text.value("rolloutd_rollout_duration_seconds_bucket", bucket), 0.0);
  bucket["le"] = "120";
  EXPECT_EQ(text.value("rolloutd_rollout_duration_seconds_bucket", bucket), 1.0);
}

TEST(MetricsRegistry, ApiRequestLabelsAreBounded) {
  struct row {
    std::string verb, resource;
    int code;
    std::string want_verb, want_resource, want_code;
  };
  const std::vector<row> rows = {
      {"GET", "replicasets", 200, "GET", "replicasets", "200"},
      {"patch", "rolloutpolicies/status", 409, "PATCH", "rolloutpolicies/status", "409"},
      {"Put", "replicasets/scale", 200, "PUT", "replicasets/scale", "200"},
      {"watch", "services", 0, "WATCH", "services", "error"},
      {"LIST", "secrets", 403, "LIST", "other", "403"},
      {"POST", "pods/exec", 201, "POST", "other", "201"},
      {"GET", "replicasets/status/extra", 200, "GET", "other", "200"},
      {"GET", "", 200, "GET", "other", "200"},
      {"BREW", "leases", 999, "OTHER", "leases", "error"},
  };
  for (const auto& r : rows) {
    manual_clock clock;
    metrics m(clock);
    m.observe_api_request(r.verb, r.resource, r.code, 0.02);
    const auto text = scrape(m);
    SCOPED_TRACE(r.verb + " " + r.resource);
    EXPECT_EQ(text.value("rolloutd_api_requests_total",
                         {{"verb", r.want_verb}, {"resource", r.want_resource}, {"code", r.want_code}}),
              1.0);
    EXPECT_EQ(text.value("rolloutd_api_request_duration_seconds_count",
                         {{"verb", r.want_verb}, {"resource", r.want_resource}}),
              1.0);
  }
}

TEST(MetricsRegistry, ArbitraryResourceNamesCostOneSeries) {
  manual_clock clock;
  metrics m(clock);
  for (int i = 0; i < 500; ++i) {
    m.observe_api_request("GET", "junk" + std::to_string(i), 404, 0.001);
    m.add_watch_source("junk" + std::to_string(i), [] { return watch_counts{.restarts = 1, .relists = 0}; });
  }
  const auto text = scrape(m);
  EXPECT_EQ(text.named("rolloutd_api_requests_total").size(), 1U);
  EXPECT_EQ(
      text.value("rolloutd_api_requests_total", {{"verb", "GET"}, {"resource", "other"}, {"code", "404"}}),
      500.0);
  EXPECT_EQ(text.named("rolloutd_watch_restarts_total").size(), 1U);
  EXPECT_EQ(text.value("rolloutd_watch_restarts_total", {{"resource", "other"}}), 500.0);
}

TEST(MetricsRegistry, ControllerHooksUpdateTheirSeries) {
  manual_clock clock;
  metrics m(clock);
  m.observe_reconcile(0.004, false);
  m.observe_reconcile(0.2, true);
  std::atomic<std::uint64_t> restarts{1};
  m.add_watch_source("replicasets", [&] { return watch_counts{.restarts = restarts.load(), .relists = 0}; });
  m.add_watch_source("rolloutpolicies", [] { return watch_counts{.restarts = 0, .relists = 2}; });
  m.set_leader(true);
  auto text = scrape(m);
  EXPECT_EQ(text.value("rolloutd_reconcile_duration_seconds_count"), 2.0);
  EXPECT_DOUBLE_EQ(*text.value("rolloutd_reconcile_duration_seconds_sum"), 0.204);
  EXPECT_EQ(text.value("rolloutd_reconcile_errors_total"), 1.0);
  EXPECT_EQ(text.value("rolloutd_watch_restarts_total", {{"resource", "replicasets"}}), 1.0);
  EXPECT_EQ(text.value("rolloutd_watch_relists_total", {{"resource", "rolloutpolicies"}}), 2.0);
  EXPECT_EQ(text.value("rolloutd_watch_relists_total", {{"resource", "replicasets"}}), 0.0);
  EXPECT_EQ(text.types.at("rolloutd_watch_restarts_total"), "counter");
  EXPECT_EQ(text.value("rolloutd_leader"), 1.0);
  restarts = 5;  // read at scrape time, not copied when added
  text = scrape(m);
  EXPECT_EQ(text.value("rolloutd_watch_restarts_total", {{"resource", "replicasets"}}), 5.0);
  m.set_leader(false);
  EXPECT_EQ(scrape(m).value("rolloutd_leader"), 0.0);
}

TEST(MetricsRegistry, WorkqueueObserverReportsTheQueue) {
  manual_clock clock;
  metrics m(clock);
  workqueue_metrics observer(m, "policies");
  kube::workqueue queue(clock, nullptr, &observer);
  queue.add("shop/web");
  queue.add("shop/api");
  queue.add("shop/web");  // de-duplicated: not an add
  const label_set q = {{"queue", "policies"}};
  auto text = scrape(m);
  EXPECT_EQ(text.value("rolloutd_workqueue_depth", q), 2.0);
  EXPECT_EQ(text.value("rolloutd_workqueue_adds_total", q), 2.0);

  clock.advance(std::chrono::milliseconds(300));
  const auto key = queue.get();
  ASSERT_TRUE(key.has_value());
  clock.advance(std::chrono::seconds(2));
  queue.add_rate_limited(*key);
  queue.done(*key);
  text = scrape(m);
  EXPECT_EQ(text.value("rolloutd_workqueue_depth", q), 1.0);
  EXPECT_EQ(text.value("rolloutd_workqueue_queue_latency_seconds_count", q), 1.0);
  EXPECT_DOUBLE_EQ(*text.value("rolloutd_workqueue_queue_latency_seconds_sum", q), 0.3);
  EXPECT_EQ(text.value("rolloutd_workqueue_work_duration_seconds_count", q), 1.0);
  EXPECT_DOUBLE_EQ(*text.value("rolloutd_workqueue_work_duration_seconds_sum", q), 2.0);
  EXPECT_EQ(text.value("rolloutd_workqueue_retries_total", q), 1.0);
  queue.shut_down();
}

// Reconcile workers update and remove policies while the HTTP thread scrapes; under the sanitizers
// a race between removing a series and rendering it would show here.
TEST(MetricsRegistry, ScrapesRunSafelyWhileWorkersUpdateAndRemovePolicies) {
  manual_clock clock;
  metrics m(clock);
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    while (!stop) EXPECT_FALSE(m.render_text().empty());
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&m, w] {
      const auto ns = "w" + std::to_string(w);
      for (int i = 0; i < 300; ++i) {
        auto s = canary(ns, "p" + std::to_string(i % 7));
        s.phase = i % 2 == 0 ? policy_phase::progressing : policy_phase::healthy;
        m.update_policy(s);
        m.count_event(s.ns, s.name, "RolloutUpdated");
        if (i % 3 == 0) m.remove_policy(s.ns, s.name);
      }
      for (int i = 0; i < 7; ++i) m.remove_policy(ns, "p" + std::to_string(i));
    });
  }
  for (auto& t : workers) t.join();
  stop = true;
  scraper.join();
  EXPECT_EQ(m.policy_count(), 0U);
  EXPECT_TRUE(scrape(m).named("rolloutd_policy_info").empty());
}

TEST(MetricsRegistry, ProcessSeriesComeFromProc) {
  manual_clock clock;
  metrics m(clock);
  const auto text = scrape(m);
  ASSERT_TRUE(text.value("process_resident_memory_bytes").has_value());
  EXPECT_GT(*text.value("process_resident_memory_bytes"), 0.0);
  ASSERT_TRUE(text.value("process_cpu_seconds_total").has_value());
  EXPECT_GE(*text.value("process_cpu_seconds_total"), 0.0);
  EXPECT_EQ(text.types.at("process_cpu_seconds_total"), "counter");
  ASSERT_TRUE(text.value("process_start_time_seconds").has_value());
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  // This test process started within the last day, and not in the future (with a tick of slack).
  EXPECT_LE(*text.value("process_start_time_seconds"), now + 1);
  EXPECT_GT(*text.value("process_start_time_seconds"), now - 86400);
  EXPECT_GT(*text.value("process_open_fds"), 0.0);
}

}  // namespace
}  // namespace rolloutd
