// The blue/green planner driven through seeded random sequences of events on a small simulated
// cluster of its own, with invariants checked after every step. The checks are written from the
// rules as a user states them (docs/blue-green.md), from what the simulated cluster shows (the
// active Service's selector, the ReplicaSets' sizes and pods, the requests written to
// status.operation); they never ask the planner, nor blue_green_sim.hpp, what should happen.
//
// Events: template changes, undo (a previous template again), spec.replicas changes (also between a
// promotion and the switch), pods becoming available late, pods crashing (available pods
// dropping, down to none), promote / abort / retry, spec.paused on and off, clock jumps past every
// delay and deadline, and controller crashes part-way through a reconcile (Service written, some
// ReplicaSet writes done, status not written). Nothing survives between reconciles but the
// simulated objects and the status as stored (JSON): every reconcile is one of a freshly started
// controller.
//
// Checked after every reconcile:
//  - switch: the active Service only ever starts selecting a revision whose ReplicaSet has
//    spec.replicas pods available at that moment, and, with autoPromotionEnabled false,
//    only a revision that is approved: promoted by the user, or one users were already on;
//  - size: no ReplicaSet is ever scaled or created above spec.replicas; the active revision is never
//    scaled below it; an unpromoted green stays at its preview size; a revision other than green,
//    the active one and the one users were on before has pods only while its scale-down deadline
//    is in the future; nothing with pods is deleted;
//  - one write per object per reconcile;
//  - a promotion once given is never taken back: the release never again waits for promotion, and
//    once green is available it is switched to without a second promote, whatever spec.replicas did;
//  - convergence: when the events stop and every pod becomes available, a bounded number of
//    reconciles reaches a state where nothing more is written, with the active Service on the
//    current template if it was promoted (or promotion is automatic); a promote (after a retry, if
//    aborted) then always finishes the release.
//
// On a failure the seed, the run's settings and the events so far are printed; a run is replayed
// with BLUE_GREEN_RANDOM_SEED=<seed>.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/status.hpp"
#include "blue_green_random_cluster.hpp"
#include "reconcile/blue_green_input.hpp"
#include "reconcile/blue_green_status.hpp"
#include "strategy/blue_green.hpp"

namespace rolloutd {
namespace {

using namespace std::chrono_literals;
using blue_green_random::cluster;
using wall_time = std::chrono::system_clock::time_point;

constexpr int runs = 2000;
constexpr int events_per_run = 40;
constexpr int convergence_syncs = 40;
const wall_time epoch{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 9h};

struct settings {
  std::int32_t replicas = 3;
  std::optional<std::int32_t> preview_replica_count;
  bool auto_promotion = false;
  std::optional<std::int32_t> auto_promotion_seconds;
  std::int32_t scale_down_delay = 30;
  std::int32_t abort_scale_down_delay = 30;
  bool deadline_abort = false;
  std::int32_t deadline_seconds = 600;
  std::int32_t history_limit = 10;
  bool preview_service = true;

  [[nodiscard]] std::string describe() const {
    std::ostringstream o;
    o << "replicas " << replicas << ", previewReplicaCount "
      << (preview_replica_count ? std::to_string(*preview_replica_count) : "-") << ", autoPromotionEnabled "
      << auto_promotion << ", autoPromotionSeconds "
      << (auto_promotion_seconds ? std::to_string(*auto_promotion_seconds) : "-")
      << ", scaleDownDelaySeconds " << scale_down_delay << ", abortScaleDownDelaySeconds "
      << abort_scale_down_delay << ", progressDeadlineSeconds " << deadline_seconds
      << ", progressDeadlineAbort " << deadline_abort << ", revisionHistoryLimit " << history_limit
      << ", previewService " << preview_service;
    return o.str();
  }
};

class run {
 public:
  // `verbose`: keep the events and the state after each, for the failure report (a failed run is
  // played again with it; the same seed gives the same run).
  run(std::uint64_t seed, bool verbose) : seed_(seed), rng_(seed), verbose_(verbose) {
    s_.replicas = static_cast<std::int32_t>(pick(6)) + 1;
    if (pick(2) == 0) s_.preview_replica_count = static_cast<std::int32_t>(pick(4));
    s_.auto_promotion = pick(4) == 0;
    if (s_.auto_promotion && pick(2) == 0) s_.auto_promotion_seconds = pick(2) == 0 ? 0 : 45;
    s_.scale_down_delay = pick(3) == 0 ? 0 : 30;
    s_.abort_scale_down_delay = pick(3) == 0 ? 0 : 20;
    s_.deadline_abort = pick(3) == 0;
    s_.deadline_seconds = pick(2) == 0 ? 60 : 600;
    s_.history_limit = pick(2) == 0 ? 1 : 10;
    s_.preview_service = pick(4) != 0;

    policy_.metadata.namespace_name = "ns";
    policy_.metadata.name = "app";
    policy_.metadata.generation = 1;
    policy_.spec.replicas = s_.replicas;
    policy_.spec.selector.match_labels = {{"app", "app"}};
    policy_.spec.progress_deadline_seconds = s_.deadline_seconds;
    policy_.spec.progress_deadline_abort = s_.deadline_abort;
    policy_.spec.revision_history_limit = s_.history_limit;
    api::blue_green_strategy bg;
    bg.active_service = "app";
    if (s_.preview_service) bg.preview_service = "app-preview";
    bg.auto_promotion_enabled = s_.auto_promotion;
    bg.auto_promotion_seconds = s_.auto_promotion_seconds;
    bg.preview_replica_count = s_.preview_replica_count;
    bg.scale_down_delay_seconds = s_.scale_down_delay;
    bg.abort_scale_down_delay_seconds = s_.abort_scale_down_delay;
    policy_.spec.strategy = bg;
    stored_status_ = nlohmann::json::object();
  }

  // The whole run; false (with the reason in failure()) at the first broken rule.
  bool play() {
    for (int i = 0; i < events_per_run && ok(); ++i) random_event();
    if (ok()) converge_and_finish();
    return ok();
  }

  [[nodiscard]] bool ok() const { return failure_.empty(); }

  [[nodiscard]] std::string failure() const {
    std::ostringstream o;
    o << failure_ << "\nseed " << seed_ << " (replay: BLUE_GREEN_RANDOM_SEED=" << seed_
      << ")\nsettings: " << s_.describe() << "\nevents:\n";
    for (const auto& e : log_) o << "  " << e << "\n";
    o << "state: " << state() << "\nstatus: " << stored_status_.dump() << "\n";
    return o.str();
  }

 private:
  std::uint64_t pick(std::uint64_t n) { return rng_() % n; }

  void fail(const std::string& why) {
    if (failure_.empty()) failure_ = why;
  }

  [[nodiscard]] std::string state() const {
    std::ostringstream o;
    o << "template " << template_ << ", replicas " << policy_.spec.replicas
      << (policy_.spec.paused ? ", paused" : "") << ", active "
      << (cluster_.active.empty() ? "-" : cluster_.active) << ", t+"
      << std::chrono::duration_cast<std::chrono::seconds>(now_ - epoch).count() << "s;"
      << cluster_.describe(epoch);
    return o.str();
  }

  void record(const std::string& event) {
    if (verbose_) log_.push_back(event + "  => " + state());
  }

  // ---- the user and the cluster ----

  void random_event() {
    const auto roll = pick(100);
    if (roll < 30) {
      sync("sync");
    } else if (roll < 42) {
      pods_progress(false);
    } else if (roll < 46) {
      pods_progress(true);
    } else if (roll < 51) {
      crash_pods();
    } else if (roll < 56) {
      new_template();
    } else if (roll < 59) {
      undo();
    } else if (roll < 65) {
      set_replicas(static_cast<std::int32_t>(pick(7)));
    } else if (roll < 73) {
      request(api::operation_type::promote);
    } else if (roll < 76) {
      request(api::operation_type::abort);
    } else if (roll < 79) {
      request(api::operation_type::retry);
    } else if (roll < 82) {
      set_paused(true);
    } else if (roll < 86) {
      set_paused(false);
    } else if (roll < 90) {
      crashed_sync();
    } else if (roll < 92) {
      slow_template();
    } else {
      static constexpr std::array jumps{1, 5, 21, 31, 46, 61, 700, 3600};
      const auto by = std::chrono::seconds(jumps[pick(jumps.size())]);
      now_ += by;
      record("clock +" + std::to_string(by.count()) + "s");
    }
  }

  void new_template() {
    history_.push_back(template_);
    template_ = "t" + std::to_string(++templates_);
    policy_.metadata.generation += 1;
    record("template -> " + template_);
  }

  void undo() {
    if (history_.empty()) return new_template();
    const auto to = history_[pick(history_.size())];
    if (to == template_) return;
    history_.push_back(template_);
    template_ = to;
    policy_.metadata.generation += 1;
    // Promoted before, and back before a reconcile saw the other template (or while paused): the
    // controller may rightly still count that promotion. The checker no longer knows, so asserts
    // neither way.
    if (promoted_.erase(template_) > 0) uncertain_.insert(template_);
    record("undo -> " + template_);
  }

  // The current template's pods are not Ready until the end of the run (a bad image, a probe).
  void pods_progress(bool all) {
    cluster_.catch_up(all, rng_);
    record(all ? "every pod available" : "some pods available");
  }

  void crash_pods() {
    if (const auto what = cluster_.crash(rng_); !what.empty()) record("crash: " + what);
  }

  void slow_template() {
    cluster_.slow.insert(template_);
    record("pods of " + template_ + " stay un-Ready");
  }

  void set_replicas(std::int32_t n) {
    policy_.spec.replicas = n;
    policy_.metadata.generation += 1;
    record("replicas -> " + std::to_string(n));
  }

  void set_paused(bool paused) {
    policy_.spec.paused = paused;
    policy_.metadata.generation += 1;
    record(paused ? "pause" : "resume");
  }

  // `kubectl rp promote|abort|retry`: the one slot in status.operation, a newer request replacing one
  // not yet handled.
  void request(api::operation_type type) {
    // As `kubectl rp` writes it: a merge patch of status.operation alone.
    stored_status_["operation"] = {{"type", api::to_string(type)},
                                   {"requestedAt", api::format_timestamp(api::to_timestamp(now_))},
                                   {"requestedBy", "random"}};
    promote_requested_ = type == api::operation_type::promote;
    record(std::string("request ") + api::to_string(type));
  }

  // ---- the controller: a reconcile from scratch ----

  api::rollout_status read_status() {
    auto parsed = api::parse_status(stored_status_);
    if (!parsed.warnings().empty()) fail("the stored status does not read back: " + stored_status_.dump());
    return parsed.value();
  }

  // `writes`: how many ReplicaSet writes happen before the controller dies (none: all of them, and
  // status is written).
  void sync(const std::string& what, std::optional<std::size_t> writes = std::nullopt) {
    api::rollout_policy policy = policy_;
    policy.status = read_status();
    const bool promote_pending =
        policy.status.operation && (policy.status.operation->type == api::operation_type::promote ||
                                    policy.status.operation->type == api::operation_type::promote_full);
    const bool abort_pending =
        policy.status.operation && policy.status.operation->type == api::operation_type::abort;
    const bool was_aborted = policy.status.abort;
    std::map<std::string, std::optional<wall_time>> deadlines_before;
    for (const auto& [hash, rs] : cluster_.sets) deadlines_before[hash] = rs.deadline;
    const auto in =
        reconcile::make_blue_green_input(policy, std::get<api::blue_green_strategy>(policy.spec.strategy),
                                         cluster_.observe(template_, s_.preview_service), now_);
    const auto result = strategy::plan_blue_green(in);
    if (!result.ok()) return fail("planning failed: " + result.error);
    const auto& plan = result.plan;
    const std::int32_t replicas = policy.spec.replicas;

    // One write per object: one pin per Service by construction; ReplicaSets by name.
    std::set<std::string> written;
    for (const auto& action : plan.actions) {
      const auto& name = std::visit([](const auto& a) -> const std::string& { return a.name; }, action);
      if (!written.insert(name).second)
        return fail(what + ": two writes to ReplicaSet " + name + " in one reconcile");
    }

    // Services first, as the reconcile writes them.
    const std::string before = cluster_.active;
    if (!plan.active_hash.empty() && plan.active_hash != cluster_.active) {
      check_switch(plan.active_hash, replicas, promote_pending);
      if (!ok()) return;
      if (!cluster_.active.empty()) previous_active_ = cluster_.active;
      cluster_.active = plan.active_hash;
      ever_active_.insert(cluster_.active);
    }
    if (s_.preview_service && !plan.preview_hash.empty()) cluster_.preview = plan.preview_hash;

    const std::size_t n = writes ? std::min(*writes, plan.actions.size()) : plan.actions.size();
    for (std::size_t i = 0; i < n && ok(); ++i) {
      if (auto refused = cluster_.apply(plan.actions[i], replicas, template_, now_); !refused.empty()) {
        return fail(what + ": " + refused);
      }
    }
    if (!ok()) return;
    if (writes) {
      record(what + ": controller died after the Services and " + std::to_string(n) + " of " +
             std::to_string(plan.actions.size()) + " ReplicaSet writes");
      return;
    }

    const auto decision = reconcile::blue_green_status(
        {policy, std::get<api::blue_green_strategy>(policy.spec.strategy), plan, template_, now_});
    stored_status_ = api::to_json(decision.status);
    const auto& after = decision.status;

    // What the user's requests did, as the user sees it.
    if (promote_pending && promote_requested_ && !after.operation) {
      promoted_.insert(template_);
      promote_requested_ = false;
    }
    if (after.abort && !was_aborted && !abort_pending && !s_.deadline_abort) {
      return fail(what + ": status.abort set with no abort requested");
    }
    if (after.abort) {
      // An aborted revision is no longer approved: going ahead takes a new promote.
      promoted_.erase(template_);
      uncertain_.erase(template_);
      if (cluster_.active != template_) ever_active_.erase(template_);
    }
    record(what + (before != cluster_.active
                       ? " (active " + (before.empty() ? "-" : before) + " -> " + cluster_.active + ")"
                       : ""));
    check_after_sync(after, promote_pending, deadlines_before);
    last_actions_ = plan.actions.size();
    last_changed_ = before != cluster_.active;
  }

  void crashed_sync() { sync("controller crash mid-reconcile", pick(3)); }

  // ---- the rules ----

  void check_switch(const std::string& to, std::int32_t replicas, bool promote_pending) {
    if (!cluster_.can_serve(to, replicas)) {
      return fail("active Service switched to " + to + ", which does not have " + std::to_string(replicas) +
                  " pods available");
    }
    if (s_.auto_promotion) return;
    // With a manual gate: a first deploy; a revision users were already on; or the current template
    // once promoted (the request may be acted on in this very reconcile).
    const bool first_deploy = ever_active_.empty() && to == template_;
    const bool promoted =
        to == template_ && (promoted_.contains(to) || uncertain_.contains(to) || promote_pending);
    if (!first_deploy && !ever_active_.contains(to) && !promoted) {
      fail("active Service switched to " + to + ", which was never promoted");
    }
  }

  void check_after_sync(const api::rollout_status& after, bool promote_pending,
                        const std::map<std::string, std::optional<wall_time>>& deadlines_before) {
    const std::int32_t replicas = policy_.spec.replicas;
    // A promotion given is never taken back: no second wait for promotion.
    const bool waits =
        std::any_of(after.pause_conditions.begin(), after.pause_conditions.end(),
                    [](const api::pause_condition& p) { return p.reason == "BlueGreenPause"; });
    if (waits && promoted_.contains(template_) && !after.abort) {
      return fail("the release of " + template_ + " waits for promotion again after being promoted");
    }
    // Sizes and scale-downs are held while paused, and nothing is retired before anything is active.
    if (policy_.spec.paused || cluster_.active.empty()) return;
    for (const auto& [hash, rs] : cluster_.sets) {
      if (rs.spec == 0) continue;
      if (hash == template_ || hash == cluster_.active || hash == previous_active_) continue;
      // A deadline is acted on by the first reconcile that finds it passed (one set in this very
      // reconcile, even for a delay of 0, waits for the next).
      const auto before = deadlines_before.find(hash);
      const bool passed = before != deadlines_before.end() && before->second && *before->second <= now_;
      if (!rs.deadline || passed) {
        return fail("revision " + hash + " keeps " + std::to_string(rs.spec) + " pods " +
                    (passed ? "past its scale-down deadline" : "with no scale-down deadline"));
      }
    }
    // An unpromoted green runs at its preview size.
    const auto green = cluster_.sets.find(template_);
    if (!s_.auto_promotion && s_.preview_replica_count && green != cluster_.sets.end() &&
        !cluster_.active.empty() && cluster_.active != template_ && !ever_active_.contains(template_) &&
        !promoted_.contains(template_) && !uncertain_.contains(template_) && !promote_pending &&
        !after.abort) {
      const auto preview = std::min(*s_.preview_replica_count, replicas);
      if (green->second.spec > preview) {
        return fail("unpromoted green " + template_ + " has " + std::to_string(green->second.spec) +
                    " pods, more than its preview size " + std::to_string(preview));
      }
    }
  }

  // Events stop; the cluster heals; time passes. Then the end state is what the rules say.
  void converge_and_finish() {
    if (verbose_) log_.push_back("---- events stop ----");
    if (policy_.spec.paused) set_paused(false);
    if (policy_.spec.replicas == 0) set_replicas(2);
    if (!cluster_.slow.empty()) {
      cluster_.slow.clear();
      record("every template's pods can be Ready");
    }
    if (!settle()) return;
    auto status = read_status();
    const bool manual = !s_.auto_promotion;
    if (status.abort) {
      // Back on the revision users were on before; only with none left (an abort by the deadline
      // of a release that had nothing to return to) may it stay.
      const bool elsewhere = std::any_of(cluster_.sets.begin(), cluster_.sets.end(), [&](const auto& entry) {
        return entry.first != template_ && entry.second.spec > 0;
      });
      if (cluster_.active == template_ && elsewhere)
        return fail("aborted, but the active Service is on " + template_);
      if (!cluster_.active.empty() && cluster_.active != template_ && cluster_.sets.contains(template_) &&
          cluster_.sets[template_].spec != 0) {
        return fail("aborted green keeps its pods");
      }
      request(api::operation_type::retry);
      if (!settle()) return;
      status = read_status();
      if (status.abort) return fail("still aborted after a retry");
    }
    if (cluster_.active != template_) {
      if (!manual || promoted_.contains(template_)) {
        return fail("the release of " + template_ + " did not finish although " +
                    (manual ? "it was promoted" : "promotion is automatic"));
      }
      const bool waits =
          std::any_of(status.pause_conditions.begin(), status.pause_conditions.end(),
                      [](const api::pause_condition& p) { return p.reason == "BlueGreenPause"; });
      if (!waits) return fail("not waiting for promotion at the end");
      request(api::operation_type::promote);
      if (!settle()) return;
      if (cluster_.active != template_) return fail("a promote did not finish the release");
    }
    // Only green runs, all of it available.
    for (const auto& [hash, rs] : cluster_.sets) {
      if (hash != template_ && rs.spec != 0) return fail("revision " + hash + " still has pods at the end");
    }
    const auto& green = cluster_.sets[template_];
    if (green.spec != policy_.spec.replicas || green.available != green.spec) {
      return fail("green not at full size, every pod available, at the end");
    }
    if (read_status().phase != api::rollout_phase::healthy) return fail("not Healthy at the end");
  }

  // Reconciles with the cluster caught up before each, a second apart while they write (as the
  // watch events of the writes would bring them); once one writes nothing, an hour later (past
  // every delay and deadline) again, until a reconcile an hour after the last writes nothing.
  bool settle() {
    bool after_an_hour = false;
    for (int i = 0; i < convergence_syncs && ok(); ++i) {
      pods_progress(true);
      const auto status_before = stored_status_;
      sync(after_an_hour ? "sync an hour later" : "sync");
      if (!ok()) return false;
      const bool quiet = last_actions_ == 0 && !last_changed_ && stored_status_ == status_before;
      if (quiet && after_an_hour) return true;
      after_an_hour = quiet;
      now_ += quiet ? std::chrono::seconds(1h) : std::chrono::seconds(1);
    }
    if (ok()) fail("no steady state after " + std::to_string(convergence_syncs) + " reconciles");
    return false;
  }

  std::uint64_t seed_;
  std::mt19937_64 rng_;
  bool verbose_;
  settings s_;
  api::rollout_policy policy_;
  nlohmann::json stored_status_;
  std::string template_ = "t1";
  int templates_ = 1;
  std::vector<std::string> history_;
  cluster cluster_;
  wall_time now_ = epoch;
  std::vector<std::string> log_;
  std::string failure_;
  std::size_t last_actions_ = 0;
  bool last_changed_ = false;
  // The checker's own record, from the user's side.
  std::set<std::string> ever_active_;  // revisions users have been on (approved)
  std::set<std::string> promoted_;     // templates whose promote request was taken
  std::string previous_active_;        // what users were on before the last switch
  std::set<std::string> uncertain_;    // promoted once, then changed away from and back
  bool promote_requested_ = false;     // status.operation holds our promote
};

TEST(BlueGreenRandom, EverySequenceOfEventsKeepsTheRulesAndConverges) {
  std::vector<std::uint64_t> seeds;
  if (const char* one = std::getenv("BLUE_GREEN_RANDOM_SEED")) {
    seeds.push_back(std::strtoull(one, nullptr, 10));
  } else {
    for (int i = 0; i < runs; ++i) seeds.push_back(0x5eed0000u + static_cast<std::uint64_t>(i));
  }
  int failures = 0;
  for (const auto seed : seeds) {
    if (!run(seed, false).play()) {
      run again(seed, true);
      again.play();
      ADD_FAILURE() << again.failure();
      if (++failures >= 3) break;  // the first few are enough to read
    }
  }
}

}  // namespace
}  // namespace rolloutd
