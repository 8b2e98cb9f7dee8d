#include "strategy/canary_revisions.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>

#include "strategy/canary.hpp"

namespace rolloutd::strategy {
namespace {

// Kubernetes caps revision-history at this many characters, dropping the oldest entries.
constexpr std::size_t revision_history_max_chars = 2000;

std::string append_revision_history(const std::string& history, std::int64_t revision) {
  const std::string entry = std::to_string(revision);
  if (history.empty()) return entry;
  std::string kept = history;
  while (kept.size() + 1 + entry.size() > revision_history_max_chars) {
    const auto comma = kept.find(',');
    if (comma == std::string::npos) return history;
    kept.erase(0, comma + 1);
  }
  return kept + "," + entry;
}

}  // namespace

std::string scale_event(std::string_view name, std::int32_t from, std::int32_t to) {
  return std::string("Scaled ") + (to > from ? "up" : "down") + " replica set " + std::string(name) +
         " from " + std::to_string(from) + " to " + std::to_string(to);
}

std::int64_t next_revision(const std::vector<replica_set_state>& old_replica_sets) {
  std::int64_t max = 0;
  for (const auto& rs : old_replica_sets) max = std::max(max, rs.revision);
  return max + 1;
}

std::optional<annotate_replica_set> sync_revision(replica_set_state& current,
                                                  const std::vector<replica_set_state>& old_replica_sets) {
  const std::int64_t wanted = next_revision(old_replica_sets);
  if (current.revision >= wanted) return std::nullopt;
  annotate_replica_set a{current.name, std::nullopt, wanted, std::nullopt};
  if (current.revision != 0) {
    current.revision_history = append_revision_history(current.revision_history, current.revision);
    a.revision_history = current.revision_history;
  }
  current.revision = wanted;
  return a;
}

std::vector<replica_set_action> cleanup_history(const std::vector<replica_set_state>& old_replica_sets,
                                                std::optional<std::int32_t> limit) {
  std::vector<replica_set_action> out;
  if (!limit || *limit == std::numeric_limits<std::int32_t>::max()) return out;
  std::vector<const replica_set_state*> cleanable;
  for (const auto& rs : old_replica_sets) {
    if (!rs.being_deleted) cleanable.push_back(&rs);
  }
  const std::int64_t excess = static_cast<std::int64_t>(cleanable.size()) - std::max(*limit, 0);
  if (excess <= 0) return out;
  std::sort(cleanable.begin(), cleanable.end(), [](auto* a, auto* b) {
    if (a->revision != b->revision) return a->revision < b->revision;
    return created_before(a->created, a->name, b->created, b->name);
  });
  for (std::int64_t i = 0; i < excess; ++i) {
    const auto* rs = cleanable[static_cast<std::size_t>(i)];
    if (rs->status_replicas != 0 || rs->spec_replicas != 0 || !rs->status_current) continue;
    out.emplace_back(delete_replica_set{rs->name});
  }
  return out;
}

rollout_counts observed_counts(const std::optional<replica_set_state>& new_replica_set,
                               const std::vector<replica_set_state>& old_replica_sets,
                               std::int32_t new_spec) {
  rollout_counts c;
  std::int64_t spec = 0;
  auto add = [&](const replica_set_state& rs) {
    c.replicas += rs.status_replicas;
    c.ready += rs.ready_replicas;
    c.available += rs.available_replicas;
    spec += rs.spec_replicas;
  };
  for (const auto& rs : old_replica_sets) add(rs);
  if (new_replica_set) {
    add(*new_replica_set);
    c.updated = new_replica_set->status_replicas;
  } else {
    spec += new_spec;
  }
  c.unavailable = static_cast<std::int32_t>(std::max<std::int64_t>(spec - c.available, 0));
  return c;
}

std::string rfc3339(wall_time t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return out;
}

std::string validate_canary_input(const canary_input& in) {
  if (in.replicas < 0) return "spec.replicas must not be negative";
  if (in.max_surge.value < 0) return "maxSurge must not be negative";
  if (in.max_unavailable.value < 0) return "maxUnavailable must not be negative";
  if (in.hash.empty()) return "no pod-template hash given";
  std::set<std::string_view> names;
  auto check = [&](const replica_set_state& rs) -> std::string {
    if (rs.spec_replicas < 0 || rs.status_replicas < 0 || rs.ready_replicas < 0 ||
        rs.available_replicas < 0) {
      return "ReplicaSet " + rs.name + " has negative replica counts";
    }
    if (!names.insert(rs.name).second) return "ReplicaSet " + rs.name + " is listed twice";
    return {};
  };
  if (in.new_replica_set) {
    if (auto e = check(*in.new_replica_set); !e.empty()) return e;
  }
  for (const auto& rs : in.old_replica_sets) {
    if (auto e = check(rs); !e.empty()) return e;
  }
  return {};
}

}  // namespace rolloutd::strategy
