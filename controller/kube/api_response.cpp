#include "kube/api_response.hpp"

namespace rolloutd::kube {

using json = nlohmann::json;

namespace {

std::string string_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace

std::string_view reason_for_status(unsigned http_status) {
  switch (http_status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 406:
      return "NotAcceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "RequestEntityTooLarge";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "Unknown";
  }
}

std::string printable_excerpt(std::string_view text, std::size_t limit) {
  std::string out;
  for (char c : text.substr(0, limit)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? ' ' : c);
  }
  if (text.size() > limit) out += "...";
  return out;
}

api_error error_from_response(unsigned http_status, std::string_view body) {
  api_error error{static_cast<int>(http_status), std::string(reason_for_status(http_status)), {}};
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && string_field(parsed, "kind") == "Status") {
    // The HTTP status stays the code: it is what the server answered, and a Status claiming a
    // different code (or none) must not turn an error into something else.
    if (auto reason = string_field(parsed, "reason"); !reason.empty()) error.reason = std::move(reason);
    error.message = string_field(parsed, "message");
    if (error.message.empty()) {
      error.message = "the server answered HTTP " + std::to_string(http_status) + " (" + error.reason + ")";
    }
    return error;
  }
  error.message = "the server answered HTTP " + std::to_string(http_status) + " without a Status body";
  if (!body.empty()) error.message += ": " + printable_excerpt(body);
  return error;
}

result<json> interpret_response(unsigned http_status, std::string_view body) {
  if (http_status < 200 || http_status > 299) return error_from_response(http_status, body);
  if (body.empty()) return json(nullptr);
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return api_error{static_cast<int>(http_status), "MalformedResponse",
                     "the server answered HTTP " + std::to_string(http_status) +
                         " with a body that is not JSON: " + printable_excerpt(body)};
  }
  return parsed;
}

api_error transport_error(failure_kind kind, std::string message) {
  std::string reason;
  switch (kind) {
    case failure_kind::timeout:
      reason = "Timeout";
      break;
    case failure_kind::tls:
      reason = "TLSHandshakeFailed";
      break;
    case failure_kind::malformed:
      reason = "MalformedResponse";
      break;
    case failure_kind::connect:
    case failure_kind::connection_lost:
    case failure_kind::none:
      reason = "ConnectionFailed";
      break;
  }
  return api_error{0, std::move(reason), std::move(message)};
}

}  // namespace rolloutd::kube
