// The small parsers configuration relies on: base64 for *-data fields and the server URL.

#include <gtest/gtest.h>

#include "kube/base64.hpp"
#include "kube/server_address.hpp"

namespace rolloutd::kube {
namespace {

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    const auto encoded = base64_encode(bytes);
    const auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << i;
    EXPECT_EQ(*decoded, bytes) << i;
    bytes.push_back(static_cast<char>(i * 7 + 3));
  }
}

TEST(Base64, KnownVectors) {
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_decode("Zm9v\nYmE=\n"), "fooba");  // line breaks are ignored
  EXPECT_EQ(base64_decode(""), "");
}

TEST(Base64, RejectsMalformed) {
  for (const char* text :
       {"Zm9vYmE", "Zm9vYm=E", "Zm9=YmFy", "Zm9vYmFy====", "Zm9v!mFy", "Zg=", "=Zg=", "Z==="}) {
    EXPECT_FALSE(base64_decode(text).has_value()) << text;
  }
}

struct server_case {
  std::string url;
  std::string host;  // empty when rejected
  std::string port;
  std::string normalised_or_error;
};

void PrintTo(const server_case& c, std::ostream* os) {
  *os << c.url;
}

class ServerUrl : public ::testing::TestWithParam<server_case> {};

TEST_P(ServerUrl, Parses) {
  const auto& param = GetParam();
  const auto parsed = parse_server(param.url);
  if (param.host.empty()) {
    ASSERT_FALSE(parsed.value.has_value());
    EXPECT_EQ(parsed.error, param.normalised_or_error);
    return;
  }
  ASSERT_TRUE(parsed.value.has_value()) << parsed.error;
  EXPECT_EQ(parsed.value->host, param.host);
  EXPECT_EQ(parsed.value->port, param.port);
  EXPECT_EQ(parsed.value->url, param.normalised_or_error);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ServerUrl,
    ::testing::Values(
        server_case{"https://api.example.test", "api.example.test", "443", "https://api.example.test:443"},
        server_case{"https://api.example.test:6443/", "api.example.test", "6443",
                    "https://api.example.test:6443"},
        server_case{"HTTPS://127.0.0.1:6443", "127.0.0.1", "6443", "https://127.0.0.1:6443"},
        server_case{"https://[::1]:6443", "::1", "6443", "https://[::1]:6443"},
        server_case{"https://[fd00::10]", "fd00::10", "443", "https://[fd00::10]:443"},
        server_case{"https://host:06443", "host", "6443", "https://host:6443"},
        server_case{"", "", "", "missing"},
        server_case{"http://host", "", "", "plain http is not supported; use an https:// server"},
        server_case{"host:6443", "", "", "must be an https:// URL"},
        server_case{"https://", "", "", "missing host"}, server_case{"https://:6443", "", "", "missing host"},
        server_case{"https://host:", "", "", "empty port"},
        server_case{"https://host:0", "", "", "port must be a number from 1 to 65535"},
        server_case{"https://host:65536", "", "", "port must be a number from 1 to 65535"},
        server_case{"https://host:-1", "", "", "port must be a number from 1 to 65535"},
        server_case{"https://host/api", "", "", "a path, query or fragment after host:port is not supported"},
        server_case{"https://host?x=1", "", "", "a path, query or fragment after host:port is not supported"},
        server_case{"https://user:pw@host", "", "", "user information in the URL is not supported"},
        server_case{"https://[::1", "", "", "unterminated '[' in IPv6 address"},
        server_case{"https://[::1]x", "", "", "unexpected text after IPv6 address"},
        server_case{"https://[not-ip]:1", "", "", "not a valid IPv6 address in brackets"},
        server_case{"https://::1", "", "", "an IPv6 address must be written in brackets"},
        server_case{"https://bad host", "", "", "not a valid host name"}));

}  // namespace
}  // namespace rolloutd::kube
