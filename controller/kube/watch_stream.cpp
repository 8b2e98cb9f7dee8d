#include "kube/watch_stream.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace rolloutd::kube {

namespace {

using json = nlohmann::json;

struct type_name {
  std::string_view name;
  watch_event_type type;
};

constexpr std::array<type_name, 5> type_names{{
    {"ADDED", watch_event_type::added},
    {"MODIFIED", watch_event_type::modified},
    {"DELETED", watch_event_type::deleted},
    {"BOOKMARK", watch_event_type::bookmark},
    {"ERROR", watch_event_type::error},
}};

watch_stream_error bad_event(std::string message) {
  return {watch_stream_error_kind::bad_event, std::move(message)};
}

// A string member, or "" when absent or not a string (the JSON accessors would throw instead).
std::string string_member(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

api_error status_of(const json& status) {
  api_error error;
  if (auto code = status.find("code"); code != status.end() && code->is_number_integer()) {
    error.code = code->get<int>();
  }
  error.reason = string_member(status, "reason");
  error.message = string_member(status, "message");
  return error;
}

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

std::string watch_event::resource_version() const {
  if (!object.is_object()) return {};
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return {};
  return string_member(*metadata, "resourceVersion");
}

watch_item parse_watch_line(std::string_view line) {
  json doc = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return watch_stream_error{watch_stream_error_kind::malformed_json,
                              "line of " + std::to_string(line.size()) + " bytes is not JSON"};
  }
  if (!doc.is_object()) return bad_event("event is not a JSON object");
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string()) return bad_event("event has no type");
  const auto& name = type->get_ref<const std::string&>();
  auto known =
      std::find_if(type_names.begin(), type_names.end(), [&](const type_name& t) { return t.name == name; });
  if (known == type_names.end()) return bad_event("unknown event type '" + name.substr(0, 32) + "'");
  auto object = doc.find("object");
  if (object == doc.end() || !object->is_object()) return bad_event(name + " event has no object");

  watch_event event;
  event.type = known->type;
  event.object = std::move(*object);
  if (event.type == watch_event_type::error) event.status = status_of(event.object);
  return event;
}

watch_stream::watch_stream(std::size_t max_line_bytes)
    : max_line_bytes_(std::max<std::size_t>(max_line_bytes, 1)) {}

bool watch_stream::emit_line(std::string_view line, const std::function<bool(watch_item&&)>& sink) {
  if (blank(line)) return true;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return sink(parse_watch_line(line));
}

bool watch_stream::feed(std::string_view chunk, const std::function<bool(watch_item&&)>& sink) {
  auto too_long = [&] {
    return sink(watch_stream_error{watch_stream_error_kind::line_too_long,
                                   "line longer than " + std::to_string(max_line_bytes_) + " bytes dropped"});
  };
  while (!chunk.empty()) {
    auto newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      if (discarding_) return true;
      if (partial_.size() + chunk.size() > max_line_bytes_) {
        // Report at once rather than at the newline, which may never come.
        partial_.clear();
        partial_.shrink_to_fit();
        discarding_ = true;
        return too_long();
      }
      partial_.append(chunk);
      return true;
    }
    auto piece = chunk.substr(0, newline);
    chunk.remove_prefix(newline + 1);
    if (discarding_) {
      discarding_ = false;  // the oversized line ends here; it was already reported
      continue;
    }
    bool more = true;
    if (partial_.size() + piece.size() > max_line_bytes_) {
      partial_.clear();
      more = too_long();
    } else if (partial_.empty()) {
      more = emit_line(piece, sink);  // the common case: a whole line inside one chunk, no copy
    } else {
      partial_.append(piece);
      std::string line = std::exchange(partial_, {});
      more = emit_line(line, sink);
    }
    if (!more) return false;
  }
  return true;
}

std::optional<watch_stream_error> watch_stream::finish() {
  bool had_partial = !partial_.empty() && !blank(partial_);
  partial_.clear();
  discarding_ = false;
  if (!had_partial) return std::nullopt;
  return watch_stream_error{watch_stream_error_kind::truncated, "watch body ended inside a line"};
}

}  // namespace rolloutd::kube
