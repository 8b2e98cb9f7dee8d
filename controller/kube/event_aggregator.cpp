#include "kube/event_aggregator.hpp"

#include <algorithm>
#include <cstdio>

#include "kube/wire_time.hpp"

namespace rolloutd::kube {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_name_length = 253;  // a DNS subdomain, which Event names must be

// Cuts at a UTF-8 character boundary so the API server does not reject the message as invalid.
std::string_view cap_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// Length-prefixed so that no two different field lists give the same key.
void append_field(std::string& key, std::string_view field) {
  key += std::to_string(field.size());
  key += ':';
  key += field;
}

std::string event_key(const object_reference& o, event_type type, std::string_view reason,
                      std::string_view message) {
  // resourceVersion is left out on purpose: it changes with every write to the object, and a
  // repeat after such a write is still the same event.
  std::string key;
  for (std::string_view field :
       {std::string_view(o.api_version), std::string_view(o.kind), std::string_view(o.namespace_name),
        std::string_view(o.name), std::string_view(o.uid), std::string_view(o.field_path), to_string(type),
        reason, message}) {
    append_field(key, field);
  }
  return key;
}

void put_if_set(json& object, const char* field, const std::string& value) {
  if (!value.empty()) object[field] = value;
}

}  // namespace

std::string_view to_string(event_type type) {
  return type == event_type::warning ? "Warning" : "Normal";
}

event_aggregator::event_aggregator(event_aggregator_options options) : options_(std::move(options)) {
  options_.max_entries = std::max<std::size_t>(options_.max_entries, 1);
}

event_write event_aggregator::observe(const object_reference& object, event_type type,
                                      std::string_view reason, std::string_view message,
                                      rolloutd::clock::time_point now,
                                      std::chrono::system_clock::time_point wall_now) {
  message = cap_utf8(message, options_.max_message_bytes);
  std::string key = event_key(object, type, reason, message);
  const std::string stamp = format_time(wall_now);
  const std::string namespace_name = object.namespace_name.empty() ? "default" : object.namespace_name;

  if (auto found = index_.find(key); found != index_.end()) {
    auto it = found->second;
    if (now - it->last_seen <= options_.window) {
      ++it->count;
      it->last_seen = now;
      lru_.splice(lru_.begin(), lru_, it);
      return {.kind = event_write_kind::patch,
              .namespace_name = namespace_name,
              .name = it->name,
              .event = make_event(object, type, reason, message, *it, stamp),
              .patch = {{"count", it->count}, {"lastTimestamp", stamp}}};
    }
    index_.erase(found);
    lru_.erase(it);
  }

  lru_.push_front({.key = std::move(key),
                   .name = unique_name(object.name, wall_now),
                   .first_timestamp = stamp,
                   .count = 1,
                   .last_seen = now});
  index_.emplace(lru_.front().key, lru_.begin());
  if (lru_.size() > options_.max_entries) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  const entry& e = lru_.front();
  return {.kind = event_write_kind::create,
          .namespace_name = namespace_name,
          .name = e.name,
          .event = make_event(object, type, reason, message, e, stamp)};
}

std::string event_aggregator::unique_name(std::string_view object_name,
                                          std::chrono::system_clock::time_point wall_now) {
  // Nanoseconds since the epoch in hex, as client-go does, but never repeating within this
  // aggregator even when the clock stands still or steps back.
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(wall_now.time_since_epoch()).count();
  last_suffix_ = std::max(static_cast<std::uint64_t>(std::max<std::int64_t>(nanos, 0)), last_suffix_ + 1);
  char suffix[24];
  int n = std::snprintf(suffix, sizeof suffix, ".%llx", static_cast<unsigned long long>(last_suffix_));
  std::string name(object_name.empty() ? std::string_view("event") : object_name);
  name.resize(std::min(name.size(), max_name_length - static_cast<std::size_t>(n)));
  // A label must end in a letter or digit, which the cut may have broken.
  while (!name.empty() && (name.back() == '.' || name.back() == '-')) name.pop_back();
  if (name.empty()) name = "event";
  return name + suffix;
}

json event_aggregator::make_event(const object_reference& object, event_type type, std::string_view reason,
                                  std::string_view message, const entry& e,
                                  const std::string& last_timestamp) const {
  json involved = json::object();
  put_if_set(involved, "apiVersion", object.api_version);
  put_if_set(involved, "kind", object.kind);
  put_if_set(involved, "namespace", object.namespace_name);
  put_if_set(involved, "name", object.name);
  put_if_set(involved, "uid", object.uid);
  put_if_set(involved, "resourceVersion", object.resource_version);
  put_if_set(involved, "fieldPath", object.field_path);

  json source = {{"component", options_.component}};
  put_if_set(source, "host", options_.host);

  json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata",
       {{"name", e.name}, {"namespace", object.namespace_name.empty() ? "default" : object.namespace_name}}},
      {"involvedObject", std::move(involved)},
      {"type", to_string(type)},
      {"reason", reason},
      {"message", message},
      {"source", std::move(source)},
      {"firstTimestamp", e.first_timestamp},
      {"lastTimestamp", last_timestamp},
      {"count", e.count},
      {"reportingComponent", options_.component},
  };
  put_if_set(event, "reportingInstance", options_.host);
  return event;
}

}  // namespace rolloutd::kube
