#pragma once

// Problems found in a RolloutPolicy travel as values that name the field they are about, so the
// InvalidSpec condition and the Warning event can tell the user exactly what to fix.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rolloutd::api {

struct field_error {
  std::string path;     // "spec.strategy.canary.steps[2].pause.duration"; empty for the whole object
  std::string message;  // "\"5x\" is not a duration"

  [[nodiscard]] std::string to_string() const { return path.empty() ? message : path + ": " + message; }
  friend bool operator==(const field_error&, const field_error&) = default;
};

using field_errors = std::vector<field_error>;

// "a: x; b: y", keeping at most `limit` entries so a condition message stays readable.
[[nodiscard]] std::string describe(const field_errors& errors, std::size_t limit = 5);

// A parsed value, or the errors that kept it from being one. Warnings are problems that were
// repaired (a malformed status field reset to its zero value) and do not block the value.
template <class T>
class checked {
 public:
  checked(T value, field_errors warnings = {})  // NOLINT(google-explicit-constructor)
      : value_(std::move(value)), warnings_(std::move(warnings)) {}
  checked(field_errors errors, field_errors warnings = {})  // NOLINT(google-explicit-constructor)
      : errors_(std::move(errors)), warnings_(std::move(warnings)) {}

  [[nodiscard]] bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  [[nodiscard]] T& value() & { return value_.value(); }
  [[nodiscard]] const T& value() const& { return value_.value(); }
  [[nodiscard]] T&& value() && { return std::move(value_).value(); }
  [[nodiscard]] const field_errors& errors() const { return errors_; }
  [[nodiscard]] const field_errors& warnings() const { return warnings_; }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  field_errors errors_;
  field_errors warnings_;
};

}  // namespace rolloutd::api
