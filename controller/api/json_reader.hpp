#pragma once

// Reading untrusted JSON without exceptions: every accessor checks the type first and reports a
// mismatch as a field_error carrying the field's path. Internal to the api layer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/errors.hpp"
#include "api/label_selector.hpp"
#include "api/timestamp.hpp"

namespace rolloutd::api::detail {

[[nodiscard]] std::string member_path(std::string_view parent, std::string_view key);
[[nodiscard]] std::string index_path(std::string_view parent, std::size_t index);
// A short, escaped rendering for messages: `"abc"`, `5`, `true`, `an object`, `an array`, `null`.
[[nodiscard]] std::string describe_value(const nlohmann::json& value);
// An integer-valued JSON number (3 or 3.0) within [min, max]; nullopt otherwise.
[[nodiscard]] std::optional<std::int64_t> integer_value(const nlohmann::json& value, std::int64_t min,
                                                        std::int64_t max);

class object_reader {
 public:
  // A value that is not an object is reported once ("must be an object") and reads as empty.
  object_reader(const nlohmann::json& value, std::string path, field_errors& errors);

  [[nodiscard]] bool valid() const { return object_ != nullptr; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string path_of(std::string_view key) const { return member_path(path_, key); }
  // The member, or nullptr when absent or null: the API server treats an explicit null as unset.
  [[nodiscard]] const nlohmann::json* find(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const { return find(key) != nullptr; }

  // Each returns nullopt both when the member is absent and when it is malformed (then reported).
  std::optional<std::string> string(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<bool> boolean(std::string_view key);
  std::optional<timestamp> time(std::string_view key);
  std::optional<string_map> strings(std::string_view key);  // an object of strings
  const nlohmann::json* object(std::string_view key);       // the member when it is an object
  const nlohmann::json* array(std::string_view key);        // the member when it is an array

  void error(std::string_view key, std::string message);
  void type_error(std::string_view key, std::string_view expected);
  void required(std::string_view key) { error(key, "is required"); }

 private:
  const nlohmann::json* object_ = nullptr;
  std::string path_;
  field_errors* errors_;
};

}  // namespace rolloutd::api::detail
