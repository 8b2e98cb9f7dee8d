// The API server's Warning headers, as kube-apiserver writes them (299, agent "-", a quoted text
// with backslash escapes), and shapes it never sends but a proxy might.

#include <gtest/gtest.h>

#include "kube/warning_header.hpp"

namespace rolloutd::kube {
namespace {

using texts = std::vector<std::string>;

TEST(WarningHeader, KubernetesShape) {
  EXPECT_EQ(
      parse_warning_header(R"(299 - "unknown field \"spec.template.spec.containers[0].readinessprobe\"")"),
      texts{R"(unknown field "spec.template.spec.containers[0].readinessprobe")"});
  EXPECT_EQ(
      parse_warning_header(
          R"(299 - "would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false")"),
      texts{R"(would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false)"});
}

TEST(WarningHeader, SeveralInOneValueAndADate) {
  EXPECT_EQ(parse_warning_header(R"(299 - "one, with a comma", 299 - "two" "Sat, 05 Dec 2026 10:00:00 GMT")"),
            (texts{"one, with a comma", "two"}));
}

TEST(WarningHeader, MalformedPiecesAreSkipped) {
  EXPECT_EQ(parse_warning_header(""), texts{});
  EXPECT_EQ(parse_warning_header("299"), texts{});
  EXPECT_EQ(parse_warning_header(R"(299 - "unterminated)"), texts{});
  EXPECT_EQ(parse_warning_header(R"(299 - "", 299 - "kept")"), texts{"kept"});
  EXPECT_EQ(parse_warning_header(R"(garbage, 299 - "kept")"), texts{"kept"});
}

}  // namespace
}  // namespace rolloutd::kube
