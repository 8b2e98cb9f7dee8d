// A randomised simulation of the canary strategy: seeded random sequences of what users and the
// cluster do (template changes, including v3 over v2 mid-canary and undos; replica changes; pods
// coming up late or crashing; promote / promote --full / abort / retry; pause / resume; clock jumps
// past deadlines, pauses and delays; a controller that dies mid-reconcile), each followed by a
// reconcile run as the controller runs it: make_canary_input, plan_canary, the ReplicaSet writes,
// the Service pins, canary_status. Nothing survives between reconciles but what the simulated
// ReplicaSets, Services and written status hold, so every reconcile is a restarted controller.
//
// The checks are the rules as a Kubernetes user states them, computed here from the simulated
// cluster (not from the planner's model or its helpers): the pod count and availability limits of
// maxSurge / maxUnavailable; where each Service may be pinned; one write per object per sync; no
// step while spec.paused; no request lost; convergence once the events stop. A failure prints the
// seed and the events; ROLLOUTD_CANARY_SEED=<seed> replays one run, ROLLOUTD_CANARY_RUNS=<n> sets
// how many.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "api/rollout_policy.hpp"
#include "canary_random_cluster.hpp"
#include "reconcile/canary_status.hpp"
#include "strategy/canary.hpp"

namespace rolloutd::reconcile {
namespace {

using namespace std::chrono_literals;
using namespace canary_random;  // NOLINT(google-build-using-namespace): this test's own cluster

// ---- one run ----

class simulation {
 public:
  explicit simulation(std::uint64_t seed) : rng_(seed) {
    auto& p = policy_;
    p.metadata.name = "p";
    p.metadata.generation = 1;
    p.spec.replicas = pick(1, 5);
    p.spec.selector.match_labels = {{"app", "p"}};
    p.spec.progress_deadline_seconds = choose<int>({60, 120, 600});
    p.spec.progress_deadline_abort = coin(0.3);
    api::canary_strategy c;
    const int n = pick(0, 4);
    for (int i = 0; i < n; ++i) {
      switch (pick(0, 3)) {
        case 0:
        case 1:
          c.steps.push_back(api::set_weight_step{choose<int>({10, 25, 34, 50, 75, 100})});
          break;
        case 2:
          c.steps.push_back(api::pause_step{});
          break;
        default:
          c.steps.push_back(api::pause_step{std::chrono::seconds(choose<int>({10, 60, 300}))});
      }
    }
    c.max_surge = coin(0.5) ? api::int_or_percent::count(pick(0, 2))
                            : api::int_or_percent::percent(choose<int>({25, 50, 100}));
    c.max_unavailable = coin(0.5) ? api::int_or_percent::count(pick(0, 2))
                                  : api::int_or_percent::percent(choose<int>({0, 25, 50}));
    c.scale_down_delay_seconds = choose<int>({0, 30, 1800});
    c.abort_scale_down_delay_seconds = choose<int>({0, 30});
    if (coin(0.7)) c.service = "p";
    if (coin(0.6)) c.stable_service = "p-stable";
    if (coin(0.6)) c.canary_service = "p-canary";
    p.spec.strategy = c;
    world_.service.named = !c.service.empty();
    world_.stable_service.named = !c.stable_service.empty();
    world_.canary_service.named = !c.canary_service.empty();
    hash_ = "v1";
    note("config: replicas " + std::to_string(p.spec.replicas) + ", " + std::to_string(c.steps.size()) +
         " steps, surge " + describe(c.max_surge) + ", unavailable " + describe(c.max_unavailable) +
         ", scaleDownDelay " + std::to_string(c.scale_down_delay_seconds) + ", abortDelay " +
         std::to_string(c.abort_scale_down_delay_seconds) + ", deadline " +
         std::to_string(p.spec.progress_deadline_seconds) + (p.spec.progress_deadline_abort ? " abort" : "") +
         ", services" + (world_.service.named ? " service" : "") +
         (world_.stable_service.named ? " stable" : "") + (world_.canary_service.named ? " canary" : ""));
  }

  // Random events, each usually followed by a reconcile; then convergence. Returns "" or why not.
  std::string run(int events) {
    reconcile(false);
    for (int i = 0; i < events && failure_.empty(); ++i) {
      event();
      if (failure_.empty() && coin(0.75)) {
        log_.back() += ", reconcile";
        reconcile(false);
      }
    }
    if (failure_.empty()) converge();
    return failure_;
  }

  [[nodiscard]] const std::vector<std::string>& log() const { return log_; }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool coin(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  T choose(std::initializer_list<T> values) {
    return *(values.begin() + pick(0, static_cast<int>(values.size()) - 1));
  }
  static std::string describe(const api::int_or_percent& v) {
    return std::to_string(v.value()) + (v.is_percent() ? "%" : "");
  }
  api::canary_strategy& canary() { return std::get<api::canary_strategy>(policy_.spec.strategy); }
  void note(std::string s) { log_.push_back(std::move(s)); }
  void fail(const std::string& why) {
    if (failure_.empty()) failure_ = why + " (after event " + std::to_string(log_.size() - 1) + ")";
  }

  void event() {
    const int r = pick(0, 99);
    if (r < 22) {
      pods_up();
    } else if (r < 27) {
      crash();
    } else if (r < 37) {
      new_template();
    } else if (r < 41) {
      policy_.spec.replicas = pick(1, 5);
      ++policy_.metadata.generation;
      note("replicas " + std::to_string(policy_.spec.replicas));
    } else if (r < 55) {
      request();
    } else if (r < 62) {
      policy_.spec.paused = !policy_.spec.paused;
      ++policy_.metadata.generation;
      note(policy_.spec.paused ? "pause" : "resume");
    } else if (r < 74) {
      const auto d = std::chrono::seconds(choose<int>({5, 11, 31, 61, 121, 301, 700, 2000}));
      now_ += d;
      note("clock +" + std::to_string(d.count()) + "s");
    } else if (r < 79) {
      note("controller dies mid-reconcile");
      reconcile(true);
    } else {
      note("reconcile");
      reconcile(false);
    }
  }

  void pods_up() {
    std::vector<sim_replica_set*> starting;
    for (auto& rs : world_.sets) {
      if (rs.available < rs.pods) starting.push_back(&rs);
    }
    if (starting.empty()) return note("pods up: none starting");
    auto* rs = starting[static_cast<std::size_t>(pick(0, static_cast<int>(starting.size()) - 1))];
    const int n = pick(1, rs->pods - rs->available);
    rs->available += n;
    note("pods up: " + rs->hash + " +" + std::to_string(n));
  }

  void crash() {
    std::vector<sim_replica_set*> serving;
    for (auto& rs : world_.sets) {
      if (rs.available > 0) serving.push_back(&rs);
    }
    if (serving.empty()) return note("crash: nothing serving");
    auto* rs = serving[static_cast<std::size_t>(pick(0, static_cast<int>(serving.size()) - 1))];
    const int n = pick(1, rs->available);
    rs->available -= n;
    note("crash: " + rs->hash + " -" + std::to_string(n));
  }

  void new_template() {
    if (coin(0.7) || versions_.size() < 2) {
      hash_ = "v" + std::to_string(versions_.size() + 1);
      versions_.push_back(hash_);
    } else {
      hash_ = versions_[static_cast<std::size_t>(pick(0, static_cast<int>(versions_.size()) - 1))];
    }
    ++policy_.metadata.generation;
    note("template " + hash_);
  }

  void request() {
    const auto type = choose<api::operation_type>({api::operation_type::promote, api::operation_type::promote,
                                                   api::operation_type::promote_full,
                                                   api::operation_type::abort, api::operation_type::retry});
    policy_.status.operation = api::operation_request{type, std::nullopt, "sim"};
    note(std::string("request ") + api::to_string(type));
  }

  // A canary runs when a stable revision other than the template still has its ReplicaSet: the
  // definition docs/canary.md gives ("Without a stable ... there are no steps").
  [[nodiscard]] bool canary_running(const api::rollout_status& s, const cluster& w) const {
    return !s.stable_pod_hash.empty() && s.stable_pod_hash != hash_ &&
           w.by_hash(s.stable_pod_hash) != nullptr;
  }

  void reconcile(bool dies) {
    canary_observed obs;
    obs.hash = hash_;
    obs.new_name = "p-" + hash_;
    for (const auto& rs : world_.sets) {
      if (rs.hash == hash_) {
        obs.new_replica_set = observed(rs);
      } else {
        obs.old_replica_sets.push_back(observed(rs));
      }
    }
    obs.service = observed(world_.service);
    obs.stable_service = observed(world_.stable_service);
    obs.canary_service = observed(world_.canary_service);

    const cluster before = world_;
    const api::rollout_status status_before = policy_.status;
    const auto made = make_canary_input(policy_, canary(), std::move(obs), now_);
    const auto planned = strategy::plan_canary(made.input);
    if (!planned.ok()) return fail("planning failed: " + planned.error);
    const auto& plan = planned.plan;

    std::set<std::string> written;
    bool grew = false;
    std::size_t applied = 0;
    const std::size_t stop =
        dies ? static_cast<std::size_t>(pick(0, static_cast<int>(plan.actions.size()))) : ~0u;
    for (const auto& action : plan.actions) {
      const auto name = std::visit([](const auto& a) { return a.name; }, action);
      if (!written.insert(name).second) return fail("two writes to " + name + " in one sync");
      if (applied++ >= stop) continue;
      if (auto error = world_.apply(action, hash_, now_, grew); !error.empty()) return fail(error);
    }
    if (dies) return;

    auto pin = [](sim_service& s, const std::string& hash) {
      if (!s.named) return;
      s.pin = hash;
      s.managed = s.managed || !hash.empty();
    };
    pin(world_.service, plan.service_hash);
    pin(world_.stable_service, plan.stable_service_hash);
    pin(world_.canary_service, plan.canary_service_hash);

    const auto decision = canary_status({policy_, plan, made.deadline_newly_passed, "", now_});
    policy_.status = decision.status;
    if (trace_) note("    " + canary_random::describe(world_, policy_.status));
    last_quiet_ = plan.actions.empty() && before.service.pin == world_.service.pin &&
                  before.stable_service.pin == world_.stable_service.pin &&
                  before.canary_service.pin == world_.canary_service.pin && status_before == policy_.status;
    bool canary_annotated = false;
    for (const auto& action : plan.actions) {
      const auto* a = std::get_if<strategy::annotate_replica_set>(&action);
      canary_annotated = canary_annotated || (a != nullptr && a->name == "p-" + hash_);
    }
    check(before, status_before, grew, canary_annotated, decision);
  }

  void check(const cluster& w0, const api::rollout_status& s0, bool grew, bool canary_annotated,
             const status_decision& decision) {
    const auto& s1 = policy_.status;
    const auto& w1 = world_;
    const int replicas = policy_.spec.replicas;
    const limits lim = resolve(canary().max_surge, canary().max_unavailable, replicas);
    const int cap = replicas + lim.surge;
    const int floor = replicas - lim.unavailable;

    // Pods: never more than replicas + maxSurge when anything grew, never more than before otherwise.
    if (grew && w1.total_spec() > cap) {
      return fail("grew to " + std::to_string(w1.total_spec()) +
                  " pods, above replicas + maxSurge = " + std::to_string(cap));
    }
    if (w1.total_spec() > std::max(cap, w0.total_spec()))
      return fail("more pods than before and than the cap");
    // Availability: never below replicas - maxUnavailable because of a sync, unless it already was
    // below (pods coming up from nothing, or crashed): then never lower than it was.
    if (w1.total_available() < std::min(floor, w0.total_available())) {
      return fail("available pods " + std::to_string(w0.total_available()) + " -> " +
                  std::to_string(w1.total_available()) + ", floor " + std::to_string(floor));
    }
    if (w1.user_endpoints() < std::min(floor, w0.user_endpoints())) {
      return fail("the user's Service went from " + std::to_string(w0.user_endpoints()) + " to " +
                  std::to_string(w1.user_endpoints()) + " available endpoints, floor " +
                  std::to_string(floor));
    }

    // Pins.
    const std::string stable_due = s1.stable_pod_hash.empty() ? hash_ : s1.stable_pod_hash;
    const std::string canary_due = s1.abort ? s1.stable_pod_hash : hash_;
    // A pin moves only to a revision with available pods; a Service pinned afresh (not managed, or
    // selecting every revision) only to a fully available one: every pod it has, and for the
    // user's Service, which then serves that revision alone, replicas pods.
    auto check_pin = [&](const char* what, const sim_service& before, const sim_service& after,
                         const std::set<std::string>& allowed) {
      if (!after.named || after.pin == before.pin || after.pin.empty()) return;
      const auto* rs = w0.by_hash(after.pin);
      if (rs == nullptr || rs->available == 0) {
        return fail(std::string(what) + " moved to " + after.pin + ", which had no available pod");
      }
      const int full = &after == &w1.service ? replicas : rs->spec;
      if ((before.pin.empty() || !before.managed) && rs->available < full) {
        return fail(std::string(what) + " adopted onto " + after.pin + ", not fully available");
      }
      if (!allowed.contains(after.pin)) return fail(std::string(what) + " pinned to " + after.pin);
    };
    check_pin("stableService", w0.stable_service, w1.stable_service, {stable_due});
    check_pin("canaryService", w0.canary_service, w1.canary_service, {hash_, s1.stable_pod_hash});
    check_pin("service", w0.service, w1.service, {s1.stable_pod_hash});
    if (!failure_.empty()) return;
    if (w1.service.named && !w1.service.pin.empty() && !s1.abort) {
      return fail("the user's Service left pinned to " + w1.service.pin + " outside an abort");
    }
    auto check_zero = [&](const char* what, const sim_service& s, const std::string& due) {
      if (!s.named || !s.managed || s.pin.empty() || s.pin == due || w1.available(s.pin) > 0) return;
      if (w0.available(due) > 0 && w1.available(due) > 0) {
        fail(std::string(what) + " left on " + s.pin + " without available pods while " + due + " serves");
      }
    };
    check_zero("stableService", w1.stable_service, stable_due);
    check_zero("canaryService", w1.canary_service, canary_due);
    // A canaryService that served keeps serving while the canary it is due to show comes up, where
    // the limits leave a way to: room beside it for the new canary, availability the user keeps.
    const auto* current = w1.by_hash(hash_);
    if (w1.canary_service.named && !w0.canary_service.pin.empty() &&
        w0.available(w0.canary_service.pin) > 0 && w1.available(w1.canary_service.pin) == 0 &&
        current != nullptr && current->spec > 0 && !s1.abort && lim.surge > 0 && w0.total_spec() < cap &&
        floor > 0) {
      return fail("canaryService lost its last available endpoint (" + w0.canary_service.pin + " -> " +
                  w1.canary_service.pin + ")");
    }
    if (!failure_.empty()) return;

    // spec.paused: no step completes, nothing is promoted.
    const bool same_template = s0.current_pod_hash == hash_ && s1.current_pod_hash == hash_;
    if (policy_.spec.paused) {
      if (same_template && !s1.abort &&
          s1.current_step_index.value_or(0) > s0.current_step_index.value_or(0)) {
        return fail("step " + at_step(s0) + " -> " + at_step(s1) + " while spec.paused");
      }
      for (const auto& e : decision.events) {
        if (e.reason == "RolloutStepCompleted") return fail("RolloutStepCompleted while spec.paused");
      }
      if (s1.stable_pod_hash != s0.stable_pod_hash && !s1.stable_pod_hash.empty()) {
        return fail("promoted to " + s1.stable_pod_hash + " while spec.paused");
      }
    }

    // Released (the template stable with every pod available, older pods only waiting out their
    // scale-down delay): done, so never Degraded or Stalled, whatever the clock says.
    const auto* mine = w1.by_hash(hash_);
    const bool released = s1.stable_pod_hash == hash_ && !s1.abort && mine != nullptr &&
                          mine->available >= replicas &&
                          std::all_of(w1.sets.begin(), w1.sets.end(), [&](const sim_replica_set& rs) {
                            return rs.hash == hash_ || rs.spec == 0 || (rs.deadline && *rs.deadline > now_);
                          });
    if (released && (s1.phase == api::rollout_phase::degraded ||
                     api::find_condition(s1.conditions, "Stalled") != nullptr)) {
      return fail("released, yet " + std::string(api::to_string(s1.phase)) + ": " + s1.message);
    }

    // An abort the user did not ask for (progressDeadlineAbort) only when the cluster shows no
    // progress since the last status: no more updated, ready or available pods, no fewer old ones.
    const bool asked = s0.operation && s0.operation->type == api::operation_type::abort;
    if (!s0.abort && s1.abort && !asked) {
      int updated = 0;
      int all = 0;
      for (const auto& rs : w0.sets) {
        all += rs.pods;
        if (rs.hash == hash_) updated += rs.pods;
      }
      const bool progressed = updated > s0.updated_replicas ||
                              all - updated < s0.replicas - s0.updated_replicas ||
                              w0.total_available() > s0.available_replicas;
      if (progressed) return fail("aborted by the deadline although the pods had progressed");
    }

    // After an abort the canary leaves the user's Service as soon as the stable is fully back (or
    // the sync after, when this one writes the canary ReplicaSet's metadata: one write per sync).
    const std::string& stable = s1.stable_pod_hash;
    const bool canary_behind_service =
        w1.available(hash_) > 0 && (w1.service.pin.empty() || !w1.service.named || w1.service.pin == hash_);
    if (s1.abort && hash_ != stable && canary_behind_service && w0.available(stable) >= replicas &&
        !canary_annotated) {
      return fail("aborted canary " + hash_ + " still behind the user's Service with the stable fully back");
    }

    // A request taken from status must have had its effect, or have had nothing to act on.
    if (s0.operation && !s1.operation) {
      const auto type = s0.operation->type;
      const bool running = canary_running(s0, w0);
      const int steps = static_cast<int>(canary().steps.size());
      const int i0 = s0.current_pod_hash == hash_ ? s0.current_step_index.value_or(0) : 0;
      const int i1 = s1.current_step_index.value_or(0);
      const bool promoted = s1.stable_pod_hash == hash_;
      const std::string what = std::string(api::to_string(type)) + " at step " + std::to_string(i0);
      if (running && !s0.abort && type == api::operation_type::promote && i0 < steps) {
        if (policy_.spec.paused) return fail(what + " consumed while spec.paused");
        if (!promoted && (s1.abort || i1 <= i0)) return fail(what + " lost (step " + at_step(s1) + ")");
      }
      if (running && type == api::operation_type::promote_full) {
        if (policy_.spec.paused) return fail(what + " consumed while spec.paused");
        if (!promoted && (s1.abort || i1 < steps)) return fail(what + " lost (step " + at_step(s1) + ")");
      }
      if (running && type == api::operation_type::abort && !s1.abort) return fail("abort lost");
    }
  }

  [[nodiscard]] bool at_open_pause() {
    const auto& s = policy_.status;
    if (s.pause_conditions.empty() || !s.current_step_index) return false;
    const auto i = static_cast<std::size_t>(*s.current_step_index);
    if (i >= canary().steps.size()) return false;
    const auto* p = std::get_if<api::pause_step>(&canary().steps[i]);
    return p != nullptr && !p->duration;
  }

  // The events stop: resumed, every pod comes up, open pauses are promoted, time passes when
  // nothing else moves. The rollout ends released (the template stable, alone, every pod available,
  // Healthy) or aborted (the stable alone and whole, Degraded), with the Services on the revision left.
  void converge() {
    note("-- events stop --");
    if (policy_.spec.paused) {
      policy_.spec.paused = false;
      ++policy_.metadata.generation;
    }
    for (int i = 0; i < 60 && failure_.empty(); ++i) {
      reconcile(false);
      bool started = false;
      for (auto& rs : world_.sets) {
        started = started || rs.available != rs.pods;
        rs.available = rs.pods;
      }
      if (at_open_pause() && !policy_.status.operation) {
        policy_.status.operation = api::operation_request{api::operation_type::promote, std::nullopt, "sim"};
        note("converge: promote the open pause");
        continue;
      }
      if (started) continue;
      if (settled()) return;
      if (last_quiet_) {
        now_ += 3601s;
        note("converge: clock +3601s");
      }
    }
    if (failure_.empty()) fail("did not converge: " + policy_.status.message);
  }

  [[nodiscard]] bool settled() const {
    const auto& s = policy_.status;
    const int replicas = policy_.spec.replicas;
    const std::string& serving = s.abort ? s.stable_pod_hash : hash_;
    if (!last_quiet_ || s.operation || serving.empty()) return false;
    if (!s.abort && (s.stable_pod_hash != hash_ || s.phase != api::rollout_phase::healthy)) return false;
    if (s.abort && s.phase != api::rollout_phase::degraded) return false;
    for (const auto& rs : world_.sets) {
      const bool wanted = rs.hash == serving;
      if (wanted ? rs.spec != replicas || rs.available != replicas : rs.spec != 0) return false;
    }
    auto on = [&](const sim_service& svc, const std::string& hash) { return !svc.named || svc.pin == hash; };
    return on(world_.stable_service, serving) && on(world_.canary_service, serving) && on(world_.service, "");
  }

  std::mt19937_64 rng_;
  api::rollout_policy policy_;
  cluster world_;
  time_point now_ = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + 12h;
  std::string hash_;
  std::vector<std::string> versions_{"v1"};
  std::vector<std::string> log_;
  std::string failure_;
  bool last_quiet_ = false;
  bool trace_ = std::getenv("ROLLOUTD_CANARY_TRACE") != nullptr;  // the state after every reconcile
};

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

TEST(CanaryRandom, InvariantsHoldAndEveryRunConverges) {
  const auto only = env_or("ROLLOUTD_CANARY_SEED", 0);
  const auto runs = only != 0 ? 1 : env_or("ROLLOUTD_CANARY_RUNS", 2000);
  int failures = 0;
  for (std::uint64_t run = 0; run < runs && failures < 3; ++run) {
    const std::uint64_t seed = only != 0 ? only : 20260400 + run;
    simulation sim(seed);
    const auto failure = sim.run(static_cast<int>(20 + seed % 41));
    if (failure.empty()) continue;
    ++failures;
    std::string events;
    for (std::size_t i = 0; i < sim.log().size(); ++i)
      events += "  " + std::to_string(i) + ". " + sim.log()[i] + "\n";
    ADD_FAILURE() << "seed " << seed << " (ROLLOUTD_CANARY_SEED=" << seed << "): " << failure << "\nevents:\n"
                  << events;
  }
}

}  // namespace
}  // namespace rolloutd::reconcile
