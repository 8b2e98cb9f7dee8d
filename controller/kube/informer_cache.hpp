#pragma once

// The informer's store: the objects of one resource type as the watch last reported them, keyed
// by "namespace/name" ("name" for cluster-scoped types), with indexes by namespace and by owner
// UID and label-selector queries.
//
// Objects are immutable and shared (std::shared_ptr<const json>): a reader keeps the version it
// got for as long as it likes while the cache moves on, and nobody can mutate a cached object by
// accident. Many threads may read at once; writes come from the informer (one writer) and notify
// the registered handlers, in order, on the writer's thread after the change is visible to readers.
//
// Memory: metadata.managedFields (server-side-apply bookkeeping, often as large as the object
// itself) is stripped on the way in unless cache_options says otherwise; a controller never reads
// it. Replacing with an unchanged object keeps the old shared copy instead of storing a duplicate.

#include <pthread.h>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kube/label_selector.hpp"

namespace rolloutd::kube {

using object_ptr = std::shared_ptr<const nlohmann::json>;

struct cache_handlers {
  std::function<void(const object_ptr& object)> on_add{};
  std::function<void(const object_ptr& old_object, const object_ptr& new_object)> on_update{};
  // The object's last known state: the DELETED event's copy, or, for an object that vanished while
  // the watch was down (found missing by a re-list), the copy the cache held.
  std::function<void(const object_ptr& object)> on_delete{};
};

struct cache_options {
  bool strip_managed_fields = true;
};

struct replace_counts {
  std::size_t added = 0;
  std::size_t updated = 0;
  std::size_t deleted = 0;
  std::size_t unchanged = 0;
};

class informer_cache {
 public:
  explicit informer_cache(cache_options options = {});
  informer_cache(const informer_cache&) = delete;
  informer_cache& operator=(const informer_cache&) = delete;

  // Handlers must be registered before the first write (so none misses the initial list); false
  // when it is too late.
  [[nodiscard]] bool add_handlers(cache_handlers handlers);

  // ---- writes (the informer) ----
  // Makes the cache hold exactly `items` (a complete list) and notifies the difference: adds, updates
  // for objects whose resourceVersion changed, and deletes for cached objects the list no longer
  // has. The list is authoritative, so any different resourceVersion is an update.
  replace_counts replace_all(std::vector<nlohmann::json> items);
  // Applies an ADDED/MODIFIED event. An object whose resourceVersion is equal to or older than the
  // cached one is a replay (a watch resumed from an earlier version) and is ignored. Returns
  // whether the cache changed. Objects without metadata.name are ignored.
  bool upsert(nlohmann::json object);
  // Applies a DELETED event; returns whether the object was cached. Ignored, like a replayed
  // upsert, when the cached copy is newer than the event.
  bool remove(nlohmann::json object);

  // ---- reads (any thread); results are in no particular order ----
  [[nodiscard]] object_ptr get(std::string_view ns, std::string_view name) const;
  [[nodiscard]] object_ptr get_by_key(std::string_view key) const;
  [[nodiscard]] std::vector<object_ptr> list() const;
  [[nodiscard]] std::vector<object_ptr> list_namespace(std::string_view ns) const;
  // Objects with an ownerReference to `uid`; with controller_only, only those whose controller it is.
  [[nodiscard]] std::vector<object_ptr> list_owned_by(std::string_view uid,
                                                      bool controller_only = false) const;
  // Objects whose labels match; restricted to one namespace when `ns` is given.
  [[nodiscard]] std::vector<object_ptr> select(const label_selector& selector,
                                               std::optional<std::string_view> ns = std::nullopt) const;
  [[nodiscard]] std::size_t size() const;

  // "namespace/name", or "name" when the object has no namespace; "" without a name.
  [[nodiscard]] static std::string key_of(const nlohmann::json& object);

 private:
  // Index entries point at the keys of `objects` (node-based map: keys never move), so each key is
  // stored once however many indexes mention it.
  struct string_hash {
    using is_transparent = void;  // look up by string_view without building a std::string
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <class V>
  using string_map = std::unordered_map<std::string, V, string_hash, std::equal_to<>>;
  using key_set = std::unordered_set<std::string_view>;
  struct state {
    string_map<object_ptr> objects;
    string_map<key_set> by_namespace;
    string_map<key_set> by_owner;
  };
  struct notification {
    enum class kind { add, update, remove } what;
    object_ptr old_object;
    object_ptr new_object;
  };

  static void index(state& s, std::string_view key, const nlohmann::json& object);
  static void unindex(state& s, std::string_view key, const nlohmann::json& object);
  object_ptr make_object(nlohmann::json&& object) const;
  std::vector<object_ptr> collect(const key_set* keys,
                                  const std::function<bool(const nlohmann::json&)>& keep) const;
  void notify(const std::vector<notification>& changes) const;

  // std::shared_mutex on glibc prefers readers: workers listing the cache back to back could keep
  // the informer from ever applying an event. This one makes new readers queue behind a waiting
  // writer.
  class rw_mutex {
   public:
    rw_mutex();
    ~rw_mutex();
    rw_mutex(const rw_mutex&) = delete;
    rw_mutex& operator=(const rw_mutex&) = delete;
    void lock();
    void unlock();
    void lock_shared();
    void unlock_shared();

   private:
    pthread_rwlock_t lock_;
  };

  cache_options options_;
  std::vector<cache_handlers> handlers_;  // fixed once writes begin, so read without a lock
  bool started_ = false;
  std::mutex write_mu_;  // one write (change plus its notifications) at a time, in order
  mutable rw_mutex mu_;
  std::unique_ptr<state> state_;
};

}  // namespace rolloutd::kube
