// Server certificate verification (CA, host name, IP address), SNI, client certificates and
// insecure-skip-tls-verify, against the in-process HTTPS server with throwaway certificates.

#include "client_fixture.hpp"

namespace rolloutd::testing {
namespace {

namespace net = boost::asio;
using kube::client;
using kube::json;
using json_result = kube::result<json>;

const kube::resource_type namespaces{"", "v1", "namespaces", false};

fake_reply ok_reply() {
  return fake_reply{.body = R"({"kind":"Namespace"})"};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

using client_tls = client_fixture;

struct verification_case {
  std::string label;
  std::vector<std::string> dns_names;  // of the server certificate
  std::vector<std::string> ip_addresses;
  std::string connect_to;  // the host the client is configured with
  bool accepted;
  std::string message_contains;
};

class client_tls_verification : public client_fixture,
                                public ::testing::WithParamInterface<verification_case> {};

TEST_P(client_tls_verification, ChecksTheServerIdentity) {
  const auto& param = GetParam();
  fake_api_server server(io.get_executor(), ca.issue("apiserver", param.dns_names, param.ip_addresses),
                         [](const fake_request&) { return ok_reply(); });
  client c(io.get_executor(), config_for(server, param.connect_to), fast_options(), clock);
  auto got = run<json_result>(server, [&]() { return c.get(namespaces, "", "default"); });
  if (param.accepted) {
    EXPECT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(server.requests().size(), 1u);
    return;
  }
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, 0);
  EXPECT_EQ(got.error().reason, "TLSHandshakeFailed");
  EXPECT_TRUE(contains(got.error().message, param.message_contains)) << got.error().message;
  EXPECT_TRUE(server.requests().empty());        // nothing, in particular no token, went to it
  EXPECT_EQ(server.connections_accepted(), 1u);  // and a certificate problem is not retried
}

INSTANTIATE_TEST_SUITE_P(
    Identities, client_tls_verification,
    ::testing::Values(
        verification_case{"ip_san_matches", {}, {"127.0.0.1"}, "127.0.0.1", true, ""},
        verification_case{"dns_san_matches", {"localhost"}, {}, "localhost", true, ""},
        verification_case{"wildcard_does_not_cover_the_bare_name",
                          {"*.localhost"},
                          {},
                          "localhost",
                          false,
                          "hostname mismatch"},
        verification_case{
            "ip_not_among_sans", {"other.example"}, {"10.9.9.9"}, "127.0.0.1", false, "IP address mismatch"},
        // An IP address in a DNS SAN does not vouch for that address.
        verification_case{
            "ip_only_as_dns_name", {"127.0.0.1"}, {}, "127.0.0.1", false, "IP address mismatch"},
        verification_case{"host_name_not_among_sans",
                          {"other.example"},
                          {"127.0.0.1"},
                          "localhost",
                          false,
                          "hostname mismatch"}),
    [](const auto& info) { return info.param.label; });

TEST_F(client_tls, ServerSignedByAnotherCaIsRejected) {
  test_ca other("someone-else");
  fake_api_server server(io.get_executor(), other.issue("apiserver", {"localhost"}, {"127.0.0.1"}),
                         [](const fake_request&) { return ok_reply(); });
  client c(io.get_executor(), config_for(server), fast_options(), clock);
  auto got = run<json_result>(server, [&]() { return c.get(namespaces, "", "default"); });
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().reason, "TLSHandshakeFailed");
  EXPECT_TRUE(contains(got.error().message, "certificate")) << got.error().message;
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(client_tls, InsecureSkipVerifyAcceptsAnyCertificateOnlyWhenSet) {
  test_ca other("someone-else");
  fake_api_server server(io.get_executor(), other.issue("apiserver", {"other.example"}, {}),
                         [](const fake_request&) { return ok_reply(); });
  auto config = config_for(server);
  config.insecure_skip_tls_verify = true;
  client c(io.get_executor(), config, fast_options(), clock);
  auto got = run<json_result>(server, [&]() { return c.get(namespaces, "", "default"); });
  EXPECT_TRUE(got.ok()) << got.error().message;
}

TEST_F(client_tls, ClientCertificateIsPresented) {
  test_ca client_ca("client-ca");
  pem_pair user = client_ca.issue("rolloutd", {}, {});
  fake_api_server server(
      io.get_executor(), server_cert, [](const fake_request&) { return ok_reply(); }, client_ca.pem().cert);
  auto config = config_for(server);
  config.client_cert_pem = user.cert;
  config.client_key_pem = user.key;
  client with_cert(io.get_executor(), config, fast_options(), clock);
  client without_cert(io.get_executor(), config_for(server), fast_options(), clock);
  struct outcome {
    json_result with;
    json_result without;
  };
  auto got = run<outcome>(server, [&]() -> net::awaitable<outcome> {
    auto with = co_await with_cert.get(namespaces, "", "default");
    auto without = co_await without_cert.get(namespaces, "", "default");
    co_return outcome{std::move(with), std::move(without)};
  });
  EXPECT_TRUE(got.with.ok()) << got.with.error().message;
  ASSERT_FALSE(got.without.ok());
  EXPECT_EQ(got.without.error().code, 0);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(client_tls, BadTlsConfigurationIsAnErrorOnEveryCall) {
  struct row {
    std::string label;
    std::string ca_pem, cert_pem, key_pem;
    std::string message_contains;
  };
  pem_pair user = ca.issue("rolloutd", {}, {});
  pem_pair other_user = ca.issue("other", {}, {});
  const row rows[] = {
      {"garbage CA", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", "", "",
       "certificate-authority"},
      {"certificate without key", ca.pem().cert, user.cert, "", "both"},
      {"garbage key", ca.pem().cert, user.cert, "not a key", "client-key"},
      {"mismatched key", ca.pem().cert, user.cert, other_user.key, "mismatch"},
  };
  fake_api_server server(io.get_executor(), server_cert, [](const fake_request&) { return ok_reply(); });
  std::vector<std::unique_ptr<client>> clients;
  for (const auto& r : rows) {
    auto config = config_for(server);
    config.ca_pem = r.ca_pem;
    config.client_cert_pem = r.cert_pem;
    config.client_key_pem = r.key_pem;
    clients.push_back(std::make_unique<client>(io.get_executor(), config, fast_options(), clock));
  }
  auto results = run<std::vector<json_result>>(server, [&]() -> net::awaitable<std::vector<json_result>> {
    std::vector<json_result> out;
    for (auto& c : clients) out.push_back(co_await c->get(namespaces, "", "default"));
    co_return out;
  });
  for (std::size_t i = 0; i < std::size(rows); ++i) {
    ASSERT_FALSE(results[i].ok()) << rows[i].label;
    EXPECT_EQ(results[i].error().reason, "TLSConfigInvalid") << rows[i].label;
    EXPECT_TRUE(contains(results[i].error().message, rows[i].message_contains))
        << rows[i].label << ": " << results[i].error().message;
    EXPECT_FALSE(contains(results[i].error().message, "PRIVATE KEY")) << rows[i].label;
  }
  EXPECT_EQ(server.connections_accepted(), 0u);
}

}  // namespace
}  // namespace rolloutd::testing
