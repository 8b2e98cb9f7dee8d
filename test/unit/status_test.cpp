#include "api/status.hpp"

#include <gtest/gtest.h>

#include <random>

namespace rolloutd::api {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace types = condition_types;
namespace reasons = condition_reasons;
namespace statuses = condition_statuses;

const timestamp t0 = std::chrono::sys_days{std::chrono::year{2026} / 1 / 31} + std::chrono::hours{12};

rollout_status full_status() {
  rollout_status s;
  s.observed_generation = 7;
  s.phase = rollout_phase::progressing;
  s.message = "updated 2 of 3";
  s.replicas = 4;
  s.updated_replicas = 2;
  s.ready_replicas = 3;
  s.available_replicas = 3;
  s.selector = "app=hello";
  s.current_revision = 5;
  s.current_pod_hash = "b5f6c7d8x9";
  s.stable_pod_hash = "z2c4d5f6g7";
  s.current_step_index = 1;
  s.canary_weight = 10;
  s.active_selector = "z2c4d5f6g7";
  s.preview_selector = "b5f6c7d8x9";
  s.pause_conditions = {{std::string(reasons::canary_pause_step), t0}};
  s.abort = true;
  s.collision_count = 1;
  s.operation = operation_request{operation_type::promote_full, t0 + 3s, "kubectl-rp"};
  s.restarted_at = t0 - 60s;
  s.conditions = {
      make_condition(types::available, statuses::true_, reasons::minimum_replicas_available, "ok", t0),
      make_condition(types::progressing, statuses::true_, reasons::replica_set_updated, "", t0)};
  s.conditions[0].observed_generation = 7;
  return s;
}

TEST(Status, EmptyStatusKeepsTheCounts) {
  EXPECT_EQ(to_json(rollout_status{}),
            (json{{"replicas", 0}, {"updatedReplicas", 0}, {"readyReplicas", 0}, {"availableReplicas", 0}}));
}

TEST(Status, JsonUsesTheApiFieldNames) {
  const auto j = to_json(full_status());
  EXPECT_EQ(j["observedGeneration"], 7);
  EXPECT_EQ(j["phase"], "Progressing");
  EXPECT_EQ(j["currentStepIndex"], 1);
  EXPECT_EQ(j["canaryWeight"], 10);
  EXPECT_EQ(j["pauseConditions"],
            json::parse(R"([{"reason": "CanaryPauseStep", "startTime": "2026-01-31T12:00:00Z"}])"));
  EXPECT_EQ(j["abort"], true);
  EXPECT_FALSE(j.contains("abortedAt"));
  EXPECT_EQ(j["restartedAt"], "2026-01-31T11:59:00Z");
  EXPECT_FALSE(to_json(rollout_status{}).contains("restartedAt"));
  EXPECT_EQ(
      j["operation"],
      json::parse(
          R"({"type": "PromoteFull", "requestedAt": "2026-01-31T12:00:03Z", "requestedBy": "kubectl-rp"})"));
  EXPECT_EQ(j["conditions"][0], json::parse(R"({"type": "Available", "status": "True",
      "reason": "MinimumReplicasAvailable", "message": "ok",
      "lastUpdateTime": "2026-01-31T12:00:00Z", "lastTransitionTime": "2026-01-31T12:00:00Z",
      "observedGeneration": 7})"));
  EXPECT_FALSE(j["conditions"][1].contains("message"));
}

TEST(Status, RoundTripsThroughJson) {
  const auto s = full_status();
  const auto back = parse_status(to_json(s));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back.warnings().empty()) << describe(back.warnings());
  EXPECT_EQ(back.value(), s);
  EXPECT_EQ(parse_status(json()).value(), rollout_status{});
}

TEST(Status, EveryOperationTypeIsSpelledForKubectlRp) {
  for (const auto& [type, text] :
       {std::pair{operation_type::promote, "Promote"}, std::pair{operation_type::promote_full, "PromoteFull"},
        std::pair{operation_type::abort, "Abort"}, std::pair{operation_type::retry, "Retry"}}) {
    EXPECT_STREQ(to_string(type), text);
    const auto parsed = parse_status(json{{"operation", {{"type", text}}}});
    ASSERT_TRUE(parsed->operation.has_value()) << text;
    EXPECT_EQ(parsed->operation->type, type);
    EXPECT_FALSE(parsed->operation->requested_at.has_value());
  }
}

TEST(Conditions, SetKeepsTheTransitionTimeWhileTheStatusHolds) {
  std::vector<condition> list;
  EXPECT_TRUE(set_condition(list, make_condition(types::available, statuses::false_,
                                                 reasons::minimum_replicas_unavailable, "0 of 3", t0)));
  EXPECT_TRUE(set_condition(list, make_condition(types::progressing, statuses::true_,
                                                 reasons::new_replica_set_created, "created", t0)));
  ASSERT_EQ(list.size(), 2u);

  // Same status and reason, word for word: nothing changes (no write for a restatement).
  EXPECT_FALSE(set_condition(list, make_condition(types::available, statuses::false_,
                                                  reasons::minimum_replicas_unavailable, "0 of 3", t0 + 5s)));
  EXPECT_EQ(list[0].last_update_time, t0);
  // A new message: it follows, and the transition time stays.
  EXPECT_TRUE(set_condition(list, make_condition(types::available, statuses::false_,
                                                 reasons::minimum_replicas_unavailable, "1 of 3", t0 + 10s)));
  EXPECT_EQ(list[0].message, "1 of 3");
  EXPECT_EQ(list[0].last_transition_time, t0);

  // Same status, new reason: updated, transition time kept.
  EXPECT_TRUE(set_condition(list, make_condition(types::progressing, statuses::true_,
                                                 reasons::replica_set_updated, "progressing", t0 + 20s)));
  EXPECT_EQ(list[1].reason, reasons::replica_set_updated);
  EXPECT_EQ(list[1].last_transition_time, t0);
  EXPECT_EQ(list[1].last_update_time, t0 + 20s);

  // New status: a transition.
  EXPECT_TRUE(set_condition(list, make_condition(types::available, statuses::true_,
                                                 reasons::minimum_replicas_available, "3 of 3", t0 + 30s)));
  EXPECT_EQ(list[0].last_transition_time, t0 + 30s);
  EXPECT_EQ(list[0].type, types::available);  // replaced in place: the order is stable
  EXPECT_TRUE(condition_is(list, types::available, statuses::true_));
  EXPECT_FALSE(condition_is(list, types::paused, statuses::true_));
}

TEST(Conditions, UpdateRecordsProgressWithTheSameReason) {
  std::vector<condition> list{
      make_condition(types::progressing, statuses::true_, reasons::replica_set_updated, "1 of 3", t0)};
  // The Progressing special case: same status and reason, but lastUpdateTime must move on so the
  // progress deadline restarts.
  EXPECT_TRUE(update_condition(list, make_condition(types::progressing, statuses::true_,
                                                    reasons::replica_set_updated, "2 of 3", t0 + 5s)));
  EXPECT_EQ(list[0].last_update_time, t0 + 5s);
  EXPECT_EQ(list[0].last_transition_time, t0);
  EXPECT_EQ(list[0].message, "2 of 3");
  // Re-recording the very same condition is not a change.
  auto same = list[0];
  EXPECT_FALSE(update_condition(list, same));
  // A status change is a transition.
  EXPECT_TRUE(
      update_condition(list, make_condition(types::progressing, statuses::false_,
                                            reasons::progress_deadline_exceeded, "stuck", t0 + 600s)));
  EXPECT_EQ(list[0].last_transition_time, t0 + 600s);
}

TEST(Conditions, FindAndRemove) {
  std::vector<condition> list{make_condition(types::paused, statuses::true_, reasons::rollout_paused, "", t0),
                              make_condition(types::ready, statuses::true_, "", "", t0)};
  ASSERT_NE(find_condition(list, types::paused), nullptr);
  EXPECT_TRUE(remove_condition(list, types::paused));
  EXPECT_FALSE(remove_condition(list, types::paused));
  EXPECT_EQ(find_condition(list, types::paused), nullptr);
  EXPECT_EQ(list.size(), 1u);
}

TEST(MergePatch, EmptyWhenNothingChanged) {
  const auto s = full_status();
  EXPECT_TRUE(merge_patch(s, s).empty());
  EXPECT_TRUE(merge_patch(to_json(s), s).empty());
  EXPECT_TRUE(merge_patch(rollout_status{}, rollout_status{}).empty());
}

TEST(MergePatch, OnlyTheChangedFields) {
  auto old = full_status();
  auto now = old;
  now.ready_replicas = 4;
  now.current_step_index = 2;
  EXPECT_EQ(merge_patch(old, now), json::parse(R"({"status": {"readyReplicas": 4, "currentStepIndex": 2}})"));
}

TEST(MergePatch, RemovedFieldsBecomeNull) {
  auto old = full_status();
  auto now = old;
  now.operation.reset();  // the request was handled
  now.abort = false;
  now.pause_conditions.clear();
  now.message.clear();
  EXPECT_EQ(
      merge_patch(old, now),
      json::parse(
          R"({"status": {"operation": null, "abort": null, "pauseConditions": null, "message": null}})"));
}

TEST(MergePatch, ConditionsAreReplacedAsAList) {
  auto old = full_status();
  auto now = old;
  set_condition(now.conditions, make_condition(types::available, statuses::false_,
                                               reasons::minimum_replicas_unavailable, "1 of 3", t0 + 60s));
  const auto patch = merge_patch(old, now);
  ASSERT_EQ(patch["status"].size(), 1u);
  EXPECT_EQ(patch["status"]["conditions"], to_json(now)["conditions"]);
}

TEST(MergePatch, AgainstTheStoredStatusRemovesWhatThisVersionDoesNotWrite) {
  json stored = to_json(full_status());
  stored["legacyField"] = "x";
  stored["replicas"] = "garbage";
  EXPECT_EQ(merge_patch(stored, full_status()),
            json::parse(R"({"status": {"legacyField": null, "replicas": 4}})"));
  // No status yet: everything is written.
  EXPECT_EQ(merge_patch(json(), rollout_status{}), (json{{"status", to_json(rollout_status{})}}));
}

TEST(MergePatch, PreconditionGuardsAHandledOperation) {
  auto old = full_status();
  auto now = old;
  now.operation.reset();
  EXPECT_EQ(with_precondition(merge_patch(old, now), "42"),
            json::parse(R"({"metadata": {"resourceVersion": "42"}, "status": {"operation": null}})"));
  EXPECT_TRUE(with_precondition(merge_patch(old, old), "42").empty());
}

TEST(MergePatch, NestedObjectsChangeMemberByMember) {
  const json from = json::parse(R"({"a": {"b": 1, "c": 2}, "d": [1, 2], "e": {"f": 1}})");
  const json to = json::parse(R"({"a": {"b": 1, "c": 3}, "d": [1], "e": "now a string"})");
  EXPECT_EQ(merge_diff(from, to), json::parse(R"({"a": {"c": 3}, "d": [1], "e": "now a string"})"));
}

json random_document(std::mt19937& rng, int depth) {
  std::uniform_int_distribution<int> pick(0, depth > 3 ? 2 : 4);
  const char* keys[] = {"a", "b", "c", "d"};
  switch (pick(rng)) {
    case 0:
      return std::uniform_int_distribution<int>(0, 3)(rng);
    case 1:
      return keys[std::uniform_int_distribution<int>(0, 3)(rng)];
    case 2:
      return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 3: {
      json a = json::array();
      for (int i = std::uniform_int_distribution<int>(0, 2)(rng); i > 0; --i)
        a.push_back(random_document(rng, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      for (int i = std::uniform_int_distribution<int>(0, 4)(rng); i > 0; --i) {
        o[keys[std::uniform_int_distribution<int>(0, 3)(rng)]] = random_document(rng, depth + 1);
      }
      return o;
    }
  }
}

// RFC 7386: applying the diff to `from` gives `to`, and equal documents give an empty diff.
TEST(MergePatch, ApplyingTheDiffGivesTheTarget) {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    json from = json::object();
    json to = json::object();
    from["x"] = random_document(rng, 0);
    to["x"] = random_document(rng, 0);
    if (i % 5 == 0) to = from;
    const json diff = merge_diff(from, to);
    json applied = from;
    applied.merge_patch(diff);
    ASSERT_EQ(applied, to) << from.dump() << " -> " << to.dump() << " via " << diff.dump();
    if (from == to) {
      EXPECT_TRUE(diff.empty());
    }
  }
}

}  // namespace
}  // namespace rolloutd::api
