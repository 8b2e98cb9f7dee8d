// The rolling planner against a reference model of the Kubernetes Deployment controller
// (rolling_reference.hpp, written from its behaviour, sharing no code with the planner), on
// thousands of random states: after one sync, every ReplicaSet must have the size the Deployment
// controller would give it, and the new ReplicaSet its revision. Where rolloutd deliberately
// differs (docs/rolling-planner.md, "Deliberate differences"), the reference models the documented
// behaviour and the test checks that the pure-Kubernetes answer differs only in states where that
// exception applies. Seeded; a mismatch prints the seed, the case number and the whole state.
//
// ROLLOUTD_DIFF_SEED=<n> replays one seed; ROLLOUTD_DIFF_CASES=<n> changes the number of cases.

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "rolling_reference.hpp"
#include "strategy/rolling.hpp"

namespace rolloutd::strategy {
namespace {

namespace ref = testing::deployment_reference;
using std::chrono::seconds;
using std::chrono::system_clock;

const system_clock::time_point epoch{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::strtoull(v, nullptr, 10) : fallback;
}

// One random state, kept in the reference's terms and translated for the planner.
struct random_case {
  ref::deployment d;
  std::optional<std::string> roll_back_to{};  // an abort: the stable ReplicaSet to return to
};

class generator {
 public:
  explicit generator(std::uint64_t seed) : rng_(seed) {}

  random_case next() {
    random_case c;
    auto& d = c.d;
    d.replicas = pick(0, 4) == 0 ? pick(0, 2) : pick(0, 12);
    do {
      d.max_surge = fencepost();
      d.max_unavailable = fencepost();
      // The API rejects both set to 0 (validate.cpp); percentages that resolve to 0 remain.
    } while (d.max_surge.value == 0 && d.max_unavailable.value == 0);
    d.paused = pick(0, 4) == 0;
    const int olds = pick(0, 4);
    for (int i = 0; i < olds; ++i) d.old_rss.push_back(replica_set("old-" + std::to_string(i), d));
    if (pick(0, 9) < 6) d.new_rs = replica_set("current", d);
    d.new_rs_name = "created";
    std::int64_t total = 0;
    for (const auto& rs : d.old_rss) total += rs.spec;
    if (d.new_rs) total += d.new_rs->spec;
    d.status_replicas = pick(0, 3) == 0 ? pick(0, 20) : static_cast<int>(total);
    // An abort names an old ReplicaSet to return to; the planner then runs the rollout toward it,
    // which the reference runs as the Deployment controller would after an undo to its template.
    if (!d.old_rss.empty() && pick(0, 4) == 0) {
      c.roll_back_to =
          d.old_rss[static_cast<std::size_t>(pick(0, static_cast<int>(d.old_rss.size()) - 1))].name;
    }
    return c;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  ref::int_or_string fencepost() {
    static constexpr int percents[] = {0, 1, 10, 25, 33, 50, 75, 99, 100};
    if (pick(0, 1) == 0) return {pick(0, 4), false};
    return {percents[pick(0, 8)], true};
  }

  ref::replica_set replica_set(std::string name, const ref::deployment& d) {
    ref::replica_set rs;
    rs.name = std::move(name);
    rs.created = pick(0, 5);  // ties are common, so name order decides too
    rs.revision = pick(1, 8);
    rs.spec = pick(0, 3) == 0 ? 0 : pick(0, 14);
    // Mostly a settled status; sometimes more available than spec (a scale-down not done yet).
    rs.available = pick(0, 9) == 0 ? pick(0, 14) : pick(0, rs.spec);
    // desired-replicas: usually today's replicas (no scaling event), sometimes another count
    // (a scaling event), sometimes absent (a ReplicaSet rolloutd did not annotate).
    switch (pick(0, 5)) {
      case 0:
        break;
      case 1:
      case 2:
        rs.desired = pick(0, 12);
        break;
      default:
        rs.desired = d.replicas;
    }
    // max-replicas: consistent with desired, random, zero, or absent.
    switch (pick(0, 5)) {
      case 0:
        break;
      case 1:
        rs.max = pick(0, 16);
        break;
      case 2:
        rs.max = 0;
        break;
      default:
        if (rs.desired) rs.max = *rs.desired + pick(0, 4);
    }
    return rs;
  }

  std::mt19937_64 rng_;
};

std::string describe(const ref::int_or_string& v) {
  return std::to_string(v.value) + (v.percent ? "%" : "");
}

std::string describe(const ref::replica_set& rs) {
  std::ostringstream out;
  out << rs.name << "{created " << rs.created << ", rev " << rs.revision << ", spec " << rs.spec
      << ", available " << rs.available << ", desired " << (rs.desired ? std::to_string(*rs.desired) : "-")
      << ", max " << (rs.max ? std::to_string(*rs.max) : "-") << "}";
  return out.str();
}

std::string describe(const random_case& c) {
  const auto& d = c.d;
  std::ostringstream out;
  out << "replicas " << d.replicas << ", maxSurge " << describe(d.max_surge) << ", maxUnavailable "
      << describe(d.max_unavailable) << (d.paused ? ", paused" : "") << ", status.replicas "
      << d.status_replicas << "\n  new: " << (d.new_rs ? describe(*d.new_rs) : "(none)");
  for (const auto& rs : d.old_rss) out << "\n  old: " << describe(rs);
  if (c.roll_back_to) out << "\n  aborted: roll back to " << *c.roll_back_to;
  return out.str();
}

std::string describe(const ref::sizes& s) {
  std::ostringstream out;
  for (const auto& [name, size] : s) out << name << "=" << size << " ";
  return out.str();
}

replica_set_state to_planner(const ref::replica_set& rs) {
  replica_set_state s;
  s.name = rs.name;
  s.hash = rs.name;
  s.revision = rs.revision;
  s.created = epoch + seconds(rs.created);
  s.spec_replicas = rs.spec;
  s.status_replicas = rs.available;
  s.ready_replicas = rs.available;
  s.available_replicas = rs.available;
  s.desired_replicas = rs.desired;
  s.max_replicas = rs.max;
  return s;
}

int_or_percent to_planner(const ref::int_or_string& v) {
  return v.percent ? int_or_percent::percentage(v.value) : int_or_percent::count(v.value);
}

struct planner_outcome {
  ref::sizes after;
  std::int64_t revision = 0;
  sync_path path = sync_path::rollout;
  std::string error;  // empty when the plan applied cleanly
};

planner_outcome run_planner(const random_case& c) {
  const auto& d = c.d;
  rolling_input in;
  in.replicas = d.replicas;
  in.max_surge = to_planner(d.max_surge);
  in.max_unavailable = to_planner(d.max_unavailable);
  in.paused = d.paused;
  in.revision_history_limit = std::nullopt;  // history cleanup changes no size; kept out of the way
  if (d.new_rs) in.new_replica_set = to_planner(*d.new_rs);
  in.new_replica_set_name = d.new_rs_name;
  for (const auto& rs : d.old_rss) in.old_replica_sets.push_back(to_planner(rs));
  in.previous.counts.replicas = d.status_replicas;
  in.previous.generation_observed = true;
  in.roll_back_to = c.roll_back_to;

  planner_outcome out;
  const auto result = plan_rolling(in);
  if (!result.ok()) {
    out.error = "planner refused: " + result.error;
    return out;
  }
  for (const auto& rs : d.old_rss) out.after[rs.name] = rs.spec;
  if (d.new_rs) out.after[d.new_rs->name] = d.new_rs->spec;
  std::map<std::string, int> writes;
  for (const auto& action : result.plan.actions) {
    std::visit(
        [&](const auto& a) {
          using type = std::decay_t<decltype(a)>;
          if (++writes[a.name] == 2) out.error += "ReplicaSet " + a.name + " written twice in one sync; ";
          if constexpr (std::is_same_v<type, create_replica_set>) {
            out.after[a.name] = a.replicas;
          } else if constexpr (std::is_same_v<type, scale_replica_set>) {
            if (out.after[a.name] != a.from)
              out.error += "scale of " + a.name + " from a size it does not have; ";
            out.after[a.name] = a.to;
          }
        },
        action);
  }
  out.revision = result.plan.revision;
  out.path = result.plan.path;
  return out;
}

// The state the Deployment controller would be in after `kubectl rollout undo` to the stable
// ReplicaSet's template: that ReplicaSet is the new one, the template's joins the old ones, and a
// pause does not hold (rolloutd's abort ignores spec.paused, docs/rolling-planner.md "Abort").
ref::deployment as_undo(const random_case& c) {
  ref::deployment d = c.d;
  d.paused = false;
  d.old_rss.clear();
  for (const auto& rs : c.d.old_rss) {
    if (rs.name == *c.roll_back_to) {
      d.new_rs = rs;
    } else {
      d.old_rss.push_back(rs);
    }
  }
  if (c.d.new_rs) d.old_rss.push_back(*c.d.new_rs);
  return d;
}

TEST(RollingDifferential, PlannerMatchesTheDeploymentControllerOnRandomStates) {
  const std::uint64_t seed = env_or("ROLLOUTD_DIFF_SEED", 20261204);
  const std::uint64_t cases = env_or("ROLLOUTD_DIFF_CASES", 20000);
  std::cout << "[ differential seed " << seed << ", " << cases << " cases ]\n";
  generator gen(seed);
  std::map<std::string, int> tally;
  int failures = 0;
  for (std::uint64_t i = 0; i < cases && failures < 5; ++i) {
    const auto c = gen.next();
    const ref::deployment reference_input = c.roll_back_to ? as_undo(c) : c.d;
    const auto kubernetes = ref::sync_deployment(reference_input);
    const auto documented = ref::sync_deployment(
        reference_input, {.base_from_desired = true, .available_up_to_spec = true, .leftover_spills = true});
    const auto planned = run_planner(c);

    std::string why;
    if (!planned.error.empty()) why = planned.error;
    if (planned.after != documented.after) {
      why += "sizes differ: planner " + describe(planned.after) + "| reference " + describe(documented.after);
    }
    // The abort does not renumber the stable ReplicaSet (docs: "no revision renumbered").
    if (!c.roll_back_to && planned.revision != documented.new_revision) {
      why += " | revision: planner " + std::to_string(planned.revision) + ", reference " +
             std::to_string(documented.new_revision);
    }
    // Every departure from Kubernetes' own answer must be one the documented exception explains.
    if (why.empty() && kubernetes.after != documented.after) {
      // Which documented exception explains it: turned on alone it must reproduce the planner's
      // answer, in a state where its condition holds.
      const std::pair<const char*, ref::exceptions> alone[] = {
          {"explained: desired-replicas base instead of status.replicas", {.base_from_desired = true}},
          {"explained: available pods counted up to spec", {.available_up_to_spec = true}},
          {"explained: rounding leftover spills past 0", {.leftover_spills = true}},
      };
      const bool met[] = {documented.met.desired_base, documented.met.available_above_spec,
                          documented.met.leftover_clamped};
      const char* explained = nullptr;
      for (std::size_t k = 0; k < std::size(alone) && explained == nullptr; ++k) {
        if (met[k] && ref::sync_deployment(reference_input, alone[k].second).after == documented.after) {
          explained = alone[k].first;
        }
      }
      const int conditions = int{met[0]} + int{met[1]} + int{met[2]};
      if (explained == nullptr && conditions >= 2) explained = "explained: several exceptions together";
      if (explained != nullptr) {
        ++tally[explained];
      } else {
        why = "differs from Kubernetes (" + describe(kubernetes.after) +
              ") with no documented exception in play";
      }
    }
    if (documented.met.zero_base) ++tally["zero proportional base (undefined in Kubernetes)"];
    if (c.roll_back_to) ++tally["abort compared as an undo"];
    static constexpr const char* paths[] = {"path paused", "path scaling event", "path rollout"};
    ++tally[paths[static_cast<int>(planned.path)]];
    ++tally["compared"];
    if (!why.empty()) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " case " << i << ": " << why << "\n  state: " << describe(c);
    }
  }
  for (const auto& [what, n] : tally) std::cout << "[ " << what << ": " << n << " ]\n";
  // The generator must actually reach the branches it is meant to exercise.
  for (const char* reached :
       {"abort compared as an undo", "path paused", "path scaling event", "path rollout"}) {
    EXPECT_GT(tally[reached], 0) << reached;
  }
  EXPECT_GT(tally["zero proportional base (undefined in Kubernetes)"], 0);
}

}  // namespace
}  // namespace rolloutd::strategy
