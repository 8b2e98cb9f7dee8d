#pragma once

// What to write for one occurrence of an event, without I/O. Like client-go's event correlator, an
// occurrence identical to a recent one (same object, type, reason and message) does not make a new
// Event: it becomes a patch of the existing Event's count and lastTimestamp. Recent events are kept
// in a bounded LRU, and messages are capped, so memory stays bounded however many objects and
// reasons appear. Not thread-safe; event_recorder serialises access.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kube/clock.hpp"

namespace rolloutd::kube {

// core/v1 ObjectReference: the object an event is about.
struct object_reference {
  std::string api_version{};
  std::string kind{};
  std::string namespace_name{};  // empty for cluster-scoped objects
  std::string name{};
  std::string uid{};
  std::string resource_version{};
  std::string field_path{};
};

enum class event_type { normal, warning };

struct event_aggregator_options {
  std::string component = "rolloutd";  // source.component and reportingComponent
  std::string host{};                  // source.host and reportingInstance; left out when empty
  std::size_t max_entries = 4096;      // recent events remembered for aggregation
  std::chrono::seconds window{600};    // a repeat later than this after the last one is a new Event
  std::size_t max_message_bytes = 1024;
};

enum class event_write_kind { create, patch };

struct event_write {
  event_write_kind kind = event_write_kind::create;
  std::string namespace_name{};
  std::string name{};
  // The whole Event as it should now exist: the body of a create, and of the create that replaces
  // an aggregated Event which has expired on the server (event TTL) by the time it is patched.
  nlohmann::json event{};
  nlohmann::json patch{};  // for patch: a JSON merge patch of count and lastTimestamp
};

class event_aggregator {
 public:
  explicit event_aggregator(event_aggregator_options options);

  [[nodiscard]] event_write observe(const object_reference& object, event_type type, std::string_view reason,
                                    std::string_view message, rolloutd::clock::time_point now,
                                    std::chrono::system_clock::time_point wall_now);

  [[nodiscard]] std::size_t size() const { return index_.size(); }

 private:
  struct entry {
    std::string key;
    std::string name;
    std::string first_timestamp;
    std::int64_t count = 0;
    rolloutd::clock::time_point last_seen{};
  };

  [[nodiscard]] std::string unique_name(std::string_view object_name,
                                        std::chrono::system_clock::time_point wall_now);
  [[nodiscard]] nlohmann::json make_event(const object_reference& object, event_type type,
                                          std::string_view reason, std::string_view message, const entry& e,
                                          const std::string& last_timestamp) const;

  event_aggregator_options options_;
  std::list<entry> lru_;  // most recent first; list nodes never move, so index_ can view their keys
  std::unordered_map<std::string_view, std::list<entry>::iterator> index_;
  std::uint64_t last_suffix_ = 0;
};

// "Normal" / "Warning"
[[nodiscard]] std::string_view to_string(event_type type);

}  // namespace rolloutd::kube
