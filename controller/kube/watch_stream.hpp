#pragma once

// Splits a watch response body (newline-delimited JSON, one event per line) into events. The body
// arrives in arbitrary pieces, so the splitter keeps the unfinished tail of the last line between
// calls. Nothing here throws on bad input: a malformed or oversized line becomes a
// watch_stream_error value and the splitter carries on with the next line, which lets the caller
// decide whether a bad line ends the watch.

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "kube/result.hpp"

namespace rolloutd::kube {

enum class watch_event_type { added, modified, deleted, bookmark, error };

struct watch_event {
  watch_event_type type = watch_event_type::added;
  // The object for added/modified/deleted; for a bookmark, an object whose only useful field is
  // metadata.resourceVersion; for an error, the raw Status object.
  nlohmann::json object;
  // For an error event: the Status decoded (410 Expired/Gone means the resourceVersion is too old).
  api_error status{};

  // metadata.resourceVersion of the object, or "" when it has none.
  [[nodiscard]] std::string resource_version() const;
};

enum class watch_stream_error_kind {
  malformed_json,  // the line is not JSON
  bad_event,       // JSON, but not {"type": <known>, "object": {...}}
  line_too_long,   // the line exceeded the cap; its bytes were discarded
  truncated,       // the body ended in the middle of a line
};

struct watch_stream_error {
  watch_stream_error_kind kind = watch_stream_error_kind::malformed_json;
  std::string message;  // a short description; never the whole line (it may be huge)
};

using watch_item = std::variant<watch_event, watch_stream_error>;

// Decodes one complete line (without its newline). Exposed for tests and for callers that already
// have whole lines.
[[nodiscard]] watch_item parse_watch_line(std::string_view line);

class watch_stream {
 public:
  // Lines longer than this are dropped with a line_too_long error instead of being buffered, so a
  // misbehaving server cannot make the controller allocate without bound. The API server's own
  // limit on an object is about 1.5 MiB (etcd's request limit), so 16 MiB leaves ample room.
  static constexpr std::size_t default_max_line_bytes = std::size_t{16} << 20;

  explicit watch_stream(std::size_t max_line_bytes = default_max_line_bytes);

  // Feeds the next piece of the body; `sink` receives one item per complete non-blank line, in
  // order. Returns false as soon as `sink` returns false (the rest of the chunk is then dropped:
  // the caller is closing the stream).
  bool feed(std::string_view chunk, const std::function<bool(watch_item&&)>& sink);

  // Call when the body has ended: a truncated error if a partial line was left over.
  [[nodiscard]] std::optional<watch_stream_error> finish();

  // Bytes currently held for an unfinished line.
  [[nodiscard]] std::size_t buffered() const { return partial_.size(); }

 private:
  bool emit_line(std::string_view line, const std::function<bool(watch_item&&)>& sink);

  std::size_t max_line_bytes_;
  std::string partial_;
  bool discarding_ = false;  // inside an oversized line: skip until its newline
};

}  // namespace rolloutd::kube
