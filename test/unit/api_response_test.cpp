#include "kube/api_response.hpp"

#include <gtest/gtest.h>

namespace rolloutd::kube {
namespace {

TEST(ApiResponse, StatusBodies) {
  struct row {
    std::string label;
    unsigned http_status;
    std::string body;
    int code;
    std::string reason;
    std::string message_contains;
  };
  const row rows[] = {
      {"NotFound Status", 404,
       R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"configmaps \"x\" not found",)"
       R"("reason":"NotFound","details":{"name":"x","kind":"configmaps"},"code":404})",
       404, "NotFound", "configmaps \"x\" not found"},
      {"Conflict Status", 409,
       R"({"kind":"Status","status":"Failure","message":"the object has been modified","reason":"Conflict","code":409})",
       409, "Conflict", "has been modified"},
      {"Expired Status", 410,
       R"({"kind":"Status","reason":"Expired","message":"too old resource version","code":410})", 410,
       "Expired", "too old"},
      {"Status without reason uses the HTTP status's", 422, R"({"kind":"Status","message":"bad"})", 422,
       "Invalid", "bad"},
      {"Status without message", 403, R"({"kind":"Status","reason":"Forbidden"})", 403, "Forbidden",
       "HTTP 403"},
      {"Status claiming another code keeps the HTTP one", 409,
       R"({"kind":"Status","reason":"Conflict","code":200})", 409, "Conflict", ""},
      {"wrongly typed fields", 404, R"({"kind":"Status","reason":7,"message":["x"],"code":"404"})", 404,
       "NotFound", "HTTP 404"},
      {"HTML from a proxy", 502, "<html><body>Bad Gateway</body></html>", 502, "Unknown",
       "<html><body>Bad Gateway"},
      {"truncated JSON", 500, R"({"kind":"Status","reas)", 500, "InternalError", "without a Status body"},
      {"JSON that is not a Status", 503, R"({"error":"overloaded"})", 503, "ServiceUnavailable",
       "overloaded"},
      {"JSON array", 400, "[1,2]", 400, "BadRequest", "[1,2]"},
      {"empty body", 429, "", 429, "TooManyRequests", "HTTP 429"},
      {"control characters are not echoed", 500, std::string("a\x01\nb\x7F"), 500, "InternalError", "a  b "},
  };
  for (const auto& r : rows) {
    api_error error = error_from_response(r.http_status, r.body);
    EXPECT_EQ(error.code, r.code) << r.label;
    EXPECT_EQ(error.reason, r.reason) << r.label;
    EXPECT_NE(error.message.find(r.message_contains), std::string::npos) << r.label << ": " << error.message;
    EXPECT_FALSE(error.message.empty()) << r.label;
  }
}

TEST(ApiResponse, ErrorPredicates) {
  EXPECT_TRUE(error_from_response(404, "").not_found());
  EXPECT_TRUE(error_from_response(409, "").conflict());
  EXPECT_TRUE(error_from_response(410, "").gone());
  EXPECT_TRUE(error_from_response(500, R"({"kind":"Status","reason":"Expired"})").gone());
  EXPECT_FALSE(error_from_response(500, "").transport());
}

TEST(ApiResponse, SuccessBodies) {
  auto ok = interpret_response(200, R"({"kind":"ConfigMap","metadata":{"name":"a"}})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["metadata"]["name"], "a");

  auto created = interpret_response(201, R"({"kind":"ConfigMap"})");
  ASSERT_TRUE(created.ok());

  auto empty = interpret_response(204, "");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->is_null());

  auto garbage = interpret_response(200, "{\"kind\":");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().reason, "MalformedResponse");
  EXPECT_EQ(garbage.error().code, 200);

  auto failure = interpret_response(404, R"({"kind":"Status","reason":"NotFound","message":"gone"})");
  ASSERT_FALSE(failure.ok());
  EXPECT_TRUE(failure.error().not_found());

  EXPECT_FALSE(interpret_response(302, "").ok());  // redirects are not followed, and not success
}

TEST(ApiResponse, DeeplyNestedBodyIsHandled) {
  std::string deep(100000, '[');
  auto r = interpret_response(200, deep);
  EXPECT_FALSE(r.ok());  // unterminated: an error, not a crash or a stack overflow
}

TEST(ApiResponse, TransportErrors) {
  const std::pair<failure_kind, std::string> rows[] = {
      {failure_kind::timeout, "Timeout"},
      {failure_kind::connect, "ConnectionFailed"},
      {failure_kind::connection_lost, "ConnectionFailed"},
      {failure_kind::tls, "TLSHandshakeFailed"},
      {failure_kind::malformed, "MalformedResponse"},
  };
  for (const auto& [kind, reason] : rows) {
    api_error error = transport_error(kind, "detail");
    EXPECT_EQ(error.code, 0) << reason;
    EXPECT_TRUE(error.transport()) << reason;
    EXPECT_EQ(error.reason, reason);
    EXPECT_EQ(error.message, "detail");
  }
}

}  // namespace
}  // namespace rolloutd::kube
