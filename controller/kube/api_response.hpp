#pragma once

// Turns what came back from the API server into a value: a 2xx JSON body becomes the object, a
// non-2xx body that is a meta/v1 Status becomes api_error{code, reason, message}, and anything
// else (HTML from a proxy, truncated JSON, an empty body) becomes a clear api_error. Never throws.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "kube/result.hpp"
#include "kube/retry_policy.hpp"

namespace rolloutd::kube {

// The object from a 2xx body, or an error for a non-2xx status or a body that is not JSON.
[[nodiscard]] result<nlohmann::json> interpret_response(unsigned http_status, std::string_view body);

// The error a non-2xx response stands for.
[[nodiscard]] api_error error_from_response(unsigned http_status, std::string_view body);

// The Status reason the API server uses for an HTTP status ("NotFound" for 404), or "Unknown".
[[nodiscard]] std::string_view reason_for_status(unsigned http_status);

// A failure without a response: code 0, reason "Timeout", "ConnectionFailed",
// "TLSHandshakeFailed" or "MalformedResponse".
[[nodiscard]] api_error transport_error(failure_kind kind, std::string message);

// At most `limit` bytes of `text` with control characters replaced, for quoting a body in a message.
[[nodiscard]] std::string printable_excerpt(std::string_view text, std::size_t limit = 200);

}  // namespace rolloutd::kube
