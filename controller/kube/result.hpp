#pragma once

// Expected errors (404, 409, 410, timeouts, EOF, malformed responses) travel as values, never as
// exceptions: every API call returns result<T>, which holds either a T or an api_error.

#include <string>
#include <utility>
#include <variant>

namespace rolloutd::kube {

// The API server's Status object (code, reason, message), or a transport failure (code 0).
struct api_error {
  int code = 0;           // HTTP status; 0 when no response arrived (connect, TLS, timeout, EOF)
  std::string reason{};   // Status.reason: NotFound, Conflict, Expired, Gone, ... or a local word
  std::string message{};  // human-readable; never contains credentials

  [[nodiscard]] bool not_found() const { return code == 404; }
  [[nodiscard]] bool conflict() const { return code == 409; }
  [[nodiscard]] bool gone() const { return code == 410 || reason == "Expired" || reason == "Gone"; }
  [[nodiscard]] bool transport() const { return code == 0; }
};

struct void_value {};

template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  result(api_error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  [[nodiscard]] const api_error& error() const { return std::get<1>(v_); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, api_error> v_;
};

using status = result<void_value>;

}  // namespace rolloutd::kube
