// Configuration against the real API server: the local cluster's kubeconfig authenticates, and a
// rotated token file is used for the next request without reloading anything.
//
// The HTTPS request below is a deliberately minimal stand-in (one blocking request, no reuse) so
// these tests do not depend on the API client; it asks the server who we are.

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/x509v3.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "kube/base64.hpp"
#include "kube/config.hpp"

namespace rolloutd::kube {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::filesystem::path kubeconfig_path() {
  const char* path = std::getenv("ROLLOUTD_KUBECONFIG");
  return path != nullptr ? path : "";
}

// The user name the API server sees for `config`, or "error: ..." .
std::string whoami(const cluster_config& config) {
  beast::error_code ec;
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  tls.add_certificate_authority(asio::buffer(config.ca_pem), ec);
  if (ec) return "error: CA: " + ec.message();
  tls.set_verify_mode(asio::ssl::verify_peer);
  if (!config.client_cert_pem.empty()) {
    tls.use_certificate_chain(asio::buffer(config.client_cert_pem), ec);
    if (!ec) tls.use_private_key(asio::buffer(config.client_key_pem), asio::ssl::context::pem, ec);
    if (ec) return "error: client certificate: " + ec.message();
  }
  beast::ssl_stream<asio::ip::tcp::socket> stream(io, tls);
  // The local server is addressed by IP, which the certificate carries as an IP SAN.
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream.native_handle()), config.host.c_str());

  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(config.host, config.port, ec);
  if (ec) return "error: resolve: " + ec.message();
  asio::connect(stream.next_layer(), endpoints, ec);
  if (ec) return "error: connect: " + ec.message();
  // A blocking socket with kernel timeouts is this helper's deadline.
  timeval timeout{10, 0};
  ::setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return "error: handshake: " + ec.message();

  http::request<http::string_body> request(http::verb::post,
                                           "/apis/authentication.k8s.io/v1/selfsubjectreviews", 11);
  request.set(http::field::host, config.host);
  request.set(http::field::content_type, "application/json");
  if (config.token) request.set(http::field::authorization, "Bearer " + config.token->token());
  request.body() = R"({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"})";
  request.prepare_payload();
  http::write(stream, request, ec);
  if (ec) return "error: write: " + ec.message();
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, ec);
  if (ec) return "error: read: " + ec.message();
  if (response.result_int() != 201) return "error: HTTP " + std::to_string(response.result_int());
  auto body = nlohmann::json::parse(response.body(), nullptr, false);
  if (body.is_discarded()) return "error: response is not JSON";
  return body.value("/status/userInfo/username"_json_pointer, std::string("error: no username"));
}

// Runs a kubectl command against the local cluster; its trimmed stdout, or nullopt on failure.
std::optional<std::string> kubectl(const std::string& args) {
  const std::string command = "kubectl --kubeconfig '" + kubeconfig_path().string() + "' " + args;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  char chunk[4096];
  while (std::size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) out.append(chunk, n);
  if (::pclose(pipe) != 0) return std::nullopt;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

class ConfigCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kubeconfig_path().empty()) GTEST_SKIP() << "ROLLOUTD_KUBECONFIG is not set";
  }
};

TEST_F(ConfigCluster, LocalKubeconfigAuthenticatesWithClientCertificate) {
  manual_clock clock;
  kubeconfig_options options;
  options.path = kubeconfig_path();
  auto config = load_kubeconfig(options, clock);
  ASSERT_TRUE(config.ok()) << config.error.message;
  EXPECT_FALSE(config.value->ca_pem.empty());
  EXPECT_FALSE(config.value->client_key_pem.empty());
  const auto expected = kubectl("auth whoami -o jsonpath='{.status.userInfo.username}'");
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(whoami(*config.value), *expected);
}

TEST_F(ConfigCluster, RotatedTokenFileIsUsedWithoutReloading) {
  const std::string ns = "t-config-" + std::to_string(::getpid());
  ASSERT_TRUE(kubectl("create namespace " + ns));
  struct cleanup {
    std::string ns;
    ~cleanup() { (void)kubectl("delete namespace " + ns + " --wait=false"); }
  } cleanup_ns{ns};
  ASSERT_TRUE(kubectl("-n " + ns + " create serviceaccount first"));
  ASSERT_TRUE(kubectl("-n " + ns + " create serviceaccount second"));
  const auto first = kubectl("-n " + ns + " create token first --duration 10m");
  const auto second = kubectl("-n " + ns + " create token second --duration 10m");
  ASSERT_TRUE(first && second);

  manual_clock clock;
  kubeconfig_options admin_options;
  admin_options.path = kubeconfig_path();
  auto admin = load_kubeconfig(admin_options, clock);
  ASSERT_TRUE(admin.ok()) << admin.error.message;

  // A kubeconfig of our own: the local cluster's server and CA, authenticating by token file.
  char dir_template[] = "/tmp/rolloutd-config-cluster-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::filesystem::path dir = dir_template;
  struct remove_dir {
    std::filesystem::path dir;
    ~remove_dir() { std::filesystem::remove_all(dir); }
  } cleanup_dir{dir};
  const auto write = [](const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text << "\n";
  };
  write(dir / "token", *first);
  write(dir / "kubeconfig",
        "apiVersion: v1\nkind: Config\ncurrent-context: sa\n"
        "clusters: [{name: local, cluster: {server: '" +
            admin.value->server + "', certificate-authority-data: " + base64_encode(admin.value->ca_pem) +
            "}}]\n"
            "users: [{name: sa, user: {tokenFile: token}}]\n"
            "contexts: [{name: sa, context: {cluster: local, user: sa}}]\n");
  kubeconfig_options options;
  options.path = dir / "kubeconfig";
  auto config = load_kubeconfig(options, clock);
  ASSERT_TRUE(config.ok()) << config.error.message;
  EXPECT_EQ(whoami(*config.value), "system:serviceaccount:" + ns + ":first");

  write(dir / "token.next", *second);
  std::filesystem::rename(dir / "token.next", dir / "token");
  EXPECT_EQ(whoami(*config.value), "system:serviceaccount:" + ns + ":first");  // within the second
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(whoami(*config.value), "system:serviceaccount:" + ns + ":second");
}

}  // namespace
}  // namespace rolloutd::kube
