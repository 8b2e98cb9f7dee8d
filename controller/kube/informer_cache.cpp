#include "kube/informer_cache.hpp"

#include <charconv>
#include <cstdint>
#include <utility>

namespace rolloutd::kube {

namespace {

using json = nlohmann::json;

const json* metadata_of(const json& object) {
  if (!object.is_object()) return nullptr;
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

std::string_view metadata_string(const json& object, const char* field) {
  const json* metadata = metadata_of(object);
  if (!metadata) return {};
  auto it = metadata->find(field);
  return it != metadata->end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>())
                                                  : std::string_view{};
}

// Calls f(uid, is_controller) for each well-formed ownerReference.
template <class F>
void for_each_owner(const json& object, F&& f) {
  const json* metadata = metadata_of(object);
  if (!metadata) return;
  auto refs = metadata->find("ownerReferences");
  if (refs == metadata->end() || !refs->is_array()) return;
  for (const auto& ref : *refs) {
    if (!ref.is_object()) continue;
    auto uid = ref.find("uid");
    if (uid == ref.end() || !uid->is_string()) continue;
    auto controller = ref.find("controller");
    f(std::string_view(uid->get_ref<const std::string&>()),
      controller != ref.end() && controller->is_boolean() && controller->get<bool>());
  }
}

std::optional<std::uint64_t> as_number(std::string_view rv) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), n);
  if (ec != std::errc{} || end != rv.data() + rv.size() || rv.empty()) return std::nullopt;
  return n;
}

// Whether `incoming` should replace `cached`. resourceVersions are opaque by contract, but every
// API server backed by etcd issues increasing integers; when both parse as such, an older or equal
// version is a replay. Anything else that differs is taken as new.
bool newer(std::string_view incoming, std::string_view cached) {
  if (incoming.empty() || cached.empty()) return true;
  if (incoming == cached) return false;
  auto a = as_number(incoming);
  auto b = as_number(cached);
  return !(a && b) || *a > *b;
}

}  // namespace

informer_cache::rw_mutex::rw_mutex() {
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&lock_, &attr);
  pthread_rwlockattr_destroy(&attr);
}
informer_cache::rw_mutex::~rw_mutex() {
  pthread_rwlock_destroy(&lock_);
}
void informer_cache::rw_mutex::lock() {
  pthread_rwlock_wrlock(&lock_);
}
void informer_cache::rw_mutex::unlock() {
  pthread_rwlock_unlock(&lock_);
}
void informer_cache::rw_mutex::lock_shared() {
  pthread_rwlock_rdlock(&lock_);
}
void informer_cache::rw_mutex::unlock_shared() {
  pthread_rwlock_unlock(&lock_);
}

informer_cache::informer_cache(cache_options options)
    : options_(options), state_(std::make_unique<state>()) {}

bool informer_cache::add_handlers(cache_handlers handlers) {
  std::lock_guard write(write_mu_);
  if (started_) return false;
  handlers_.push_back(std::move(handlers));
  return true;
}

std::string informer_cache::key_of(const json& object) {
  auto name = metadata_string(object, "name");
  if (name.empty()) return {};
  auto ns = metadata_string(object, "namespace");
  if (ns.empty()) return std::string(name);
  std::string key;
  key.reserve(ns.size() + 1 + name.size());
  key.append(ns).append("/").append(name);
  return key;
}

object_ptr informer_cache::make_object(json&& object) const {
  if (options_.strip_managed_fields) {
    if (auto metadata = object.find("metadata"); metadata != object.end() && metadata->is_object()) {
      metadata->erase("managedFields");
    }
  }
  return std::make_shared<const json>(std::move(object));
}

void informer_cache::index(state& s, std::string_view key, const json& object) {
  s.by_namespace[std::string(metadata_string(object, "namespace"))].insert(key);
  for_each_owner(object, [&](std::string_view uid, bool) { s.by_owner[std::string(uid)].insert(key); });
}

void informer_cache::unindex(state& s, std::string_view key, const json& object) {
  auto drop = [&](string_map<key_set>& index, std::string_view value) {
    auto it = index.find(value);
    if (it == index.end()) return;
    it->second.erase(key);
    if (it->second.empty()) index.erase(it);  // do not keep a bucket per namespace/owner ever seen
  };
  drop(s.by_namespace, metadata_string(object, "namespace"));
  for_each_owner(object, [&](std::string_view uid, bool) { drop(s.by_owner, uid); });
}

replace_counts informer_cache::replace_all(std::vector<json> items) {
  std::lock_guard write(write_mu_);
  started_ = true;
  // Build the new state beside the old one (readers keep using the old one meanwhile), then swap.
  // Only this writer changes state_, so reading it here needs no lock.
  auto next = std::make_unique<state>();
  next->objects.reserve(items.size());
  std::vector<notification> changes;
  replace_counts counts;
  for (auto& item : items) {
    std::string key = key_of(item);
    if (key.empty()) continue;
    object_ptr object;
    auto old = state_->objects.find(key);
    auto rv = metadata_string(item, "resourceVersion");
    if (old != state_->objects.end() && !rv.empty() &&
        rv == metadata_string(*old->second, "resourceVersion")) {
      object = old->second;  // unchanged: share the copy we have
      ++counts.unchanged;
    } else {
      object = make_object(std::move(item));
      if (old == state_->objects.end()) {
        changes.push_back({notification::kind::add, nullptr, object});
        ++counts.added;
      } else {
        changes.push_back({notification::kind::update, old->second, object});
        ++counts.updated;
      }
    }
    next->objects.insert_or_assign(std::move(key), std::move(object));
  }
  for (const auto& [key, object] : next->objects) index(*next, key, *object);
  for (const auto& [key, object] : state_->objects) {
    if (next->objects.find(key) == next->objects.end()) {
      changes.push_back({notification::kind::remove, object, nullptr});
      ++counts.deleted;
    }
  }
  {
    std::unique_lock lock(mu_);
    std::swap(state_, next);
  }
  next.reset();  // free the old state outside the readers' lock
  notify(changes);
  return counts;
}

bool informer_cache::upsert(json object) {
  std::string key = key_of(object);
  if (key.empty()) return false;
  object_ptr fresh = make_object(std::move(object));
  std::lock_guard write(write_mu_);
  started_ = true;
  notification change{notification::kind::add, nullptr, fresh};
  {
    std::unique_lock lock(mu_);
    auto it = state_->objects.find(key);
    if (it == state_->objects.end()) {
      it = state_->objects.emplace(std::move(key), fresh).first;
    } else {
      if (!newer(metadata_string(*fresh, "resourceVersion"),
                 metadata_string(*it->second, "resourceVersion"))) {
        return false;
      }
      unindex(*state_, it->first, *it->second);
      change = {notification::kind::update, std::exchange(it->second, fresh), fresh};
    }
    index(*state_, it->first, *fresh);
  }
  notify({change});
  return true;
}

bool informer_cache::remove(json object) {
  std::string key = key_of(object);
  if (key.empty()) return false;
  object_ptr last = make_object(std::move(object));
  std::lock_guard write(write_mu_);
  started_ = true;
  object_ptr cached;
  {
    std::unique_lock lock(mu_);
    auto it = state_->objects.find(key);
    if (it == state_->objects.end()) return false;
    auto rv = metadata_string(*last, "resourceVersion");
    auto cached_rv = metadata_string(*it->second, "resourceVersion");
    if (rv != cached_rv && !newer(rv, cached_rv)) return false;  // a replayed delete of an older life
    unindex(*state_, it->first, *it->second);
    cached = std::move(it->second);
    state_->objects.erase(it);
  }
  notify({{notification::kind::remove, std::move(cached), std::move(last)}});
  return true;
}

void informer_cache::notify(const std::vector<notification>& changes) const {
  for (const auto& change : changes) {
    for (const auto& h : handlers_) {
      switch (change.what) {
        case notification::kind::add:
          if (h.on_add) h.on_add(change.new_object);
          break;
        case notification::kind::update:
          if (h.on_update) h.on_update(change.old_object, change.new_object);
          break;
        case notification::kind::remove:
          // The DELETED event's copy when there is one (its final state); else the cached copy.
          if (h.on_delete) h.on_delete(change.new_object ? change.new_object : change.old_object);
          break;
      }
    }
  }
}

object_ptr informer_cache::get_by_key(std::string_view key) const {
  std::shared_lock lock(mu_);
  auto it = state_->objects.find(key);
  return it == state_->objects.end() ? nullptr : it->second;
}

object_ptr informer_cache::get(std::string_view ns, std::string_view name) const {
  if (ns.empty()) return get_by_key(name);
  std::string key;
  key.reserve(ns.size() + 1 + name.size());
  key.append(ns).append("/").append(name);
  return get_by_key(key);
}

std::vector<object_ptr> informer_cache::collect(const key_set* keys,
                                                const std::function<bool(const json&)>& keep) const {
  std::vector<object_ptr> out;
  if (!keys) {
    out.reserve(state_->objects.size());
    for (const auto& [key, object] : state_->objects) {
      if (!keep || keep(*object)) out.push_back(object);
    }
    return out;
  }
  out.reserve(keys->size());
  for (auto key : *keys) {
    auto it = state_->objects.find(key);
    if (it != state_->objects.end() && (!keep || keep(*it->second))) out.push_back(it->second);
  }
  return out;
}

std::vector<object_ptr> informer_cache::list() const {
  std::shared_lock lock(mu_);
  return collect(nullptr, {});
}

std::vector<object_ptr> informer_cache::list_namespace(std::string_view ns) const {
  std::shared_lock lock(mu_);
  auto it = state_->by_namespace.find(ns);
  if (it == state_->by_namespace.end()) return {};
  return collect(&it->second, {});
}

std::vector<object_ptr> informer_cache::list_owned_by(std::string_view uid, bool controller_only) const {
  std::shared_lock lock(mu_);
  auto it = state_->by_owner.find(uid);
  if (it == state_->by_owner.end()) return {};
  if (!controller_only) return collect(&it->second, {});
  return collect(&it->second, [&](const json& object) {
    bool controlled = false;
    for_each_owner(
        object, [&](std::string_view owner, bool controller) { controlled |= controller && owner == uid; });
    return controlled;
  });
}

std::vector<object_ptr> informer_cache::select(const label_selector& selector,
                                               std::optional<std::string_view> ns) const {
  auto keep = [&](const json& object) { return selector.matches_object(object); };
  std::shared_lock lock(mu_);
  if (!ns) return collect(nullptr, keep);
  auto it = state_->by_namespace.find(*ns);
  if (it == state_->by_namespace.end()) return {};
  return collect(&it->second, keep);
}

std::size_t informer_cache::size() const {
  std::shared_lock lock(mu_);
  return state_->objects.size();
}

}  // namespace rolloutd::kube
