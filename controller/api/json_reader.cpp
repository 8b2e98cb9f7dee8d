#include "api/json_reader.hpp"

#include <cmath>
#include <limits>

namespace rolloutd::api::detail {
namespace {

constexpr std::size_t max_quoted = 64;

std::string quote(const std::string& text) {
  const bool cut = text.size() > max_quoted;
  const std::string shown = nlohmann::json(cut ? text.substr(0, max_quoted) : text)
                                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return cut ? shown + "..." : shown;
}

}  // namespace

std::string member_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string index_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string describe_value(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return quote(value.get_ref<const std::string&>());
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::binary:
      return "binary data";
    case nlohmann::json::value_t::discarded:
      return "nothing";
    default:  // numbers and booleans print as themselves
      return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

std::optional<std::int64_t> integer_value(const nlohmann::json& value, std::int64_t min, std::int64_t max) {
  std::int64_t n = 0;
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    n = static_cast<std::int64_t>(u);
  } else if (value.is_number_integer()) {
    n = value.get<std::int64_t>();
  } else if (value.is_number_float()) {
    const double d = value.get<double>();
    // YAML and some tools write 3.0 for 3; anything else is not an integer. The bounds keep the
    // conversion defined (2^63 itself is out of range).
    if (!std::isfinite(d) || std::trunc(d) != d || d < -9.2e18 || d > 9.2e18) return std::nullopt;
    n = static_cast<std::int64_t>(d);
  } else {
    return std::nullopt;
  }
  if (n < min || n > max) return std::nullopt;
  return n;
}

object_reader::object_reader(const nlohmann::json& value, std::string path, field_errors& errors)
    : path_(std::move(path)), errors_(&errors) {
  if (value.is_object()) {
    object_ = &value;
  } else {
    errors.push_back({path_, "must be an object, got " + describe_value(value)});
  }
}

const nlohmann::json* object_reader::find(std::string_view key) const {
  if (!object_) return nullptr;
  const auto it = object_->find(key);
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

void object_reader::error(std::string_view key, std::string message) {
  errors_->push_back({path_of(key), std::move(message)});
}

void object_reader::type_error(std::string_view key, std::string_view expected) {
  const auto* value = find(key);
  error(key, "must be " + std::string(expected) + ", got " + (value ? describe_value(*value) : "nothing"));
}

std::optional<std::string> object_reader::string(std::string_view key) {
  const auto* value = find(key);
  if (!value) return std::nullopt;
  if (!value->is_string()) {
    type_error(key, "a string");
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<std::int64_t> object_reader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  const auto* value = find(key);
  if (!value) return std::nullopt;
  constexpr auto lowest = std::numeric_limits<std::int64_t>::min();
  constexpr auto highest = std::numeric_limits<std::int64_t>::max();
  const bool huge =
      value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(highest);
  const auto n = integer_value(*value, lowest, highest);
  if (!n && !huge) {
    type_error(key, "an integer");
    return std::nullopt;
  }
  if (huge || *n > max) {
    error(key, "must be at most " + std::to_string(max) + ", got " + describe_value(*value));
    return std::nullopt;
  }
  if (*n < min) {
    error(key, "must be at least " + std::to_string(min) + ", got " + describe_value(*value));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> object_reader::boolean(std::string_view key) {
  const auto* value = find(key);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) {
    type_error(key, "true or false");
    return std::nullopt;
  }
  return value->get<bool>();
}

std::optional<timestamp> object_reader::time(std::string_view key) {
  const auto* value = find(key);
  if (!value) return std::nullopt;
  if (!value->is_string()) {
    type_error(key, "an RFC 3339 timestamp string");
    return std::nullopt;
  }
  auto t = parse_timestamp(value->get_ref<const std::string&>());
  if (!t) error(key, describe_value(*value) + " is not an RFC 3339 timestamp (like 2026-01-31T12:00:00Z)");
  return t;
}

std::optional<string_map> object_reader::strings(std::string_view key) {
  const auto* value = object(key);
  if (!value) return std::nullopt;
  string_map out;
  bool ok = true;
  for (const auto& [k, v] : value->items()) {
    if (!v.is_string()) {
      errors_->push_back({member_path(path_of(key), k), "must be a string, got " + describe_value(v)});
      ok = false;
      continue;
    }
    out.emplace(k, v.get<std::string>());
  }
  if (!ok) return std::nullopt;
  return out;
}

const nlohmann::json* object_reader::object(std::string_view key) {
  const auto* value = find(key);
  if (value && !value->is_object()) {
    type_error(key, "an object");
    return nullptr;
  }
  return value;
}

const nlohmann::json* object_reader::array(std::string_view key) {
  const auto* value = find(key);
  if (value && !value->is_array()) {
    type_error(key, "a list");
    return nullptr;
  }
  return value;
}

}  // namespace rolloutd::api::detail
