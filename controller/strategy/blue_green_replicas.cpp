#include "strategy/blue_green_replicas.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "common/saturating_time.hpp"

namespace rolloutd::strategy {
namespace {

// Kubernetes caps revision-history at this many characters, dropping the oldest entries.
constexpr std::size_t revision_history_max_chars = 2000;

std::string scale_event(std::string_view name, std::int32_t from, std::int32_t to) {
  return std::string("Scaled ") + (to > from ? "up" : "down") + " replica set " + std::string(name) +
         " from " + std::to_string(from) + " to " + std::to_string(to);
}

std::string append_revision_history(const std::string& history, std::int64_t revision) {
  std::string entry = std::to_string(revision);
  if (history.empty()) return entry;
  std::string kept = history;
  while (kept.size() + 1 + entry.size() > revision_history_max_chars) {
    const auto comma = kept.find(',');
    if (comma == std::string::npos) return history;
    kept.erase(0, comma + 1);
  }
  return kept + "," + entry;
}

// The annotation holds whole seconds; rounding up keeps a deadline from arriving early.
wall_time deadline_after(wall_time now, std::int32_t delay_seconds) {
  return saturating_add(std::chrono::ceil<std::chrono::seconds>(now), std::chrono::seconds(delay_seconds));
}

}  // namespace

replica_set_book::replica_set_book(const blue_green_input& in)
    : in_(in), replicas_(in.replicas), green_(in.new_replica_set), old_(in.old_replica_sets) {
  if (green_) green_->hash = in.new_hash;
}

const replica_set_state* replica_set_book::find(std::string_view hash) const {
  if (hash.empty()) return nullptr;
  if (green_ && in_.new_hash == hash) return &*green_;
  for (const auto& rs : old_) {
    if (rs.hash == hash) return &rs;
  }
  return nullptr;
}

replica_set_state* replica_set_book::find_mutable(std::string_view hash) {
  return const_cast<replica_set_state*>(std::as_const(*this).find(hash));
}

bool replica_set_book::has_pods(std::string_view hash) const {
  const auto* rs = find(hash);
  return rs != nullptr && rs->spec_replicas > 0;
}

std::int32_t replica_set_book::available(std::string_view hash) const {
  const auto* rs = find(hash);
  return rs != nullptr ? rs->available_replicas : 0;
}

bool replica_set_book::saturated(std::string_view hash, std::int32_t size) const {
  const auto* rs = find(hash);
  return rs != nullptr && !rs->being_deleted && rs->status_current && rs->spec_replicas == size &&
         rs->available_replicas >= size;
}

bool replica_set_book::others_idle(std::string_view hash) const {
  auto idle = [&](const replica_set_state& rs) { return rs.spec_replicas == 0 && rs.status_replicas == 0; };
  if (green_ && in_.new_hash != hash && !idle(*green_)) return false;
  return std::all_of(old_.begin(), old_.end(),
                     [&](const replica_set_state& rs) { return rs.hash == hash || idle(rs); });
}

bool replica_set_book::claim(const std::string& name) {
  return written_.insert(name).second;
}

void replica_set_book::add_deadline(wall_time t) {
  if (!next_deadline_ || t < *next_deadline_) next_deadline_ = t;
}

std::int64_t replica_set_book::max_old_revision() const {
  std::int64_t max = 0;
  for (const auto& rs : old_) max = std::max(max, rs.revision);
  return max;
}

void replica_set_book::create_green(std::int32_t size) {
  replica_set_state rs;
  rs.name = in_.new_replica_set_name;
  rs.hash = in_.new_hash;
  rs.revision = max_old_revision() + 1;
  rs.created = std::chrono::system_clock::time_point::max();
  rs.spec_replicas = size;
  rs.desired_replicas = annotations().desired_replicas;
  rs.max_replicas = annotations().max_replicas;
  rs.status_current = false;  // no pods and no status yet
  claim(rs.name);
  actions_.push_back(create_replica_set{rs.name, size, rs.revision, annotations(),
                                        size > 0 ? scale_event(rs.name, 0, size) : std::string{}});
  green_ = std::move(rs);
}

void replica_set_book::sync_green_revision() {
  if (!green_) return;
  const std::int64_t wanted = max_old_revision() + 1;
  if (green_->revision >= wanted || !claim(green_->name)) return;
  annotate_replica_set a{green_->name, std::nullopt, wanted, std::nullopt};
  if (green_->revision != 0) {
    green_->revision_history = append_revision_history(green_->revision_history, green_->revision);
    a.revision_history = green_->revision_history;
  }
  green_->revision = wanted;
  actions_.push_back(std::move(a));
}

void replica_set_book::scale(std::string_view hash, std::int32_t size) {
  auto* rs = find_mutable(hash);
  if (rs == nullptr || rs->spec_replicas == size || !claim(rs->name)) return;
  actions_.push_back(scale_replica_set{rs->name, rs->spec_replicas, size, annotations(),
                                       scale_event(rs->name, rs->spec_replicas, size)});
  rs->spec_replicas = size;
  rs->desired_replicas = annotations().desired_replicas;
  rs->max_replicas = annotations().max_replicas;
}

void replica_set_book::clear_deadline(std::string_view hash) {
  auto* rs = find_mutable(hash);
  if (rs == nullptr || !rs->scale_down_deadline || !claim(rs->name)) return;
  annotate_replica_set a{rs->name, std::nullopt, std::nullopt, std::nullopt};
  a.clear_scale_down_deadline = true;
  actions_.push_back(std::move(a));
  rs->scale_down_deadline.reset();
}

void replica_set_book::keep(std::string_view hash, std::int32_t size) {
  scale(hash, size);
  clear_deadline(hash);
}

void replica_set_book::expire(std::string_view hash, std::int32_t delay_seconds) {
  auto* rs = find_mutable(hash);
  if (rs == nullptr || rs->spec_replicas == 0) return;
  if (!rs->scale_down_deadline) {
    if (!claim(rs->name)) return;
    const wall_time at = deadline_after(in_.now, delay_seconds);
    annotate_replica_set a{rs->name, std::nullopt, std::nullopt, std::nullopt};
    a.scale_down_deadline = at;
    actions_.push_back(std::move(a));
    rs->scale_down_deadline = at;
    add_deadline(at);
    return;
  }
  if (*rs->scale_down_deadline > in_.now) {
    add_deadline(*rs->scale_down_deadline);
    return;
  }
  scale(hash, 0);
}

void replica_set_book::retire_others(const std::set<std::string>& keep, std::int32_t delay_seconds,
                                     std::string_view stable, std::int32_t replicas) {
  std::vector<std::string> hashes;
  if (green_ && !keep.contains(in_.new_hash)) hashes.push_back(in_.new_hash);
  for (const auto& rs : old_) {
    if (!keep.contains(rs.hash)) hashes.push_back(rs.hash);
  }
  for (const auto& hash : hashes) {
    const auto* rs = find(hash);
    if (rs == nullptr || rs->spec_replicas == 0) continue;
    const bool waiting = rs->scale_down_deadline && *rs->scale_down_deadline > in_.now;
    if (hash == stable && waiting) scale(hash, replicas);
    expire(hash, delay_seconds);
  }
}

void replica_set_book::cleanup_history(const std::set<std::string>& keep, std::optional<std::int32_t> limit) {
  if (!limit || *limit == std::numeric_limits<std::int32_t>::max()) return;
  std::vector<const replica_set_state*> cleanable;
  for (const auto& rs : old_) {
    if (!rs.being_deleted && !keep.contains(rs.hash)) cleanable.push_back(&rs);
  }
  const std::int64_t excess = static_cast<std::int64_t>(cleanable.size()) - std::max(*limit, 0);
  if (excess <= 0) return;
  std::sort(cleanable.begin(), cleanable.end(), [](const auto* a, const auto* b) {
    if (a->revision != b->revision) return a->revision < b->revision;
    return created_before(a->created, a->name, b->created, b->name);
  });
  for (std::int64_t i = 0; i < excess; ++i) {
    const auto* rs = cleanable[static_cast<std::size_t>(i)];
    if (rs->status_replicas != 0 || rs->spec_replicas != 0 || !rs->status_current) continue;
    if (!claim(rs->name)) continue;
    actions_.push_back(delete_replica_set{rs->name});
  }
}

rollout_counts replica_set_book::counts() const {
  rollout_counts c;
  std::int64_t spec = 0;
  auto add = [&](const replica_set_state& rs) {
    c.replicas += rs.status_replicas;
    c.ready += rs.ready_replicas;
    c.available += rs.available_replicas;
    spec += rs.spec_replicas;
  };
  if (in_.new_replica_set) {
    add(*in_.new_replica_set);
    c.updated = in_.new_replica_set->status_replicas;
  }
  for (const auto& rs : in_.old_replica_sets) add(rs);
  c.unavailable = static_cast<std::int32_t>(std::max<std::int64_t>(spec - c.available, 0));
  return c;
}

}  // namespace rolloutd::strategy
