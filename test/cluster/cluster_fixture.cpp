#include "cluster_fixture.hpp"

#include <unistd.h>

#include <cstdlib>

namespace rolloutd::testing {

namespace {

const kube::resource_type namespaces{"", "v1", "namespaces", false};

// Lower-case letters, digits and '-', as namespace names require.
std::string dns_label(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty() && out.back() != '-') out.push_back('-');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  return out.substr(0, 40);
}

}  // namespace

std::unique_ptr<kube::client> cluster_test::make_client(const kube::cluster_config& cfg) {
  kube::client_options options;
  options.request_timeout = std::chrono::seconds(15);
  options.qps = 100;
  options.burst = 100;
  return std::make_unique<kube::client>(io.get_executor(), cfg, options, clock);
}

void cluster_test::SetUp() {
  const char* path = std::getenv("ROLLOUTD_KUBECONFIG");
  if (path == nullptr || *path == '\0') GTEST_SKIP() << "ROLLOUTD_KUBECONFIG is not set";
  kube::kubeconfig_options options;
  options.path = path;
  auto loaded = kube::load_kubeconfig(options, clock);
  ASSERT_TRUE(loaded.ok()) << loaded.error.message;
  config = *loaded.value;
  client = make_client(*config);

  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  ns = "t-transport-" + dns_label(info->name()) + "-" + std::to_string(::getpid());
  kube::json object = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
  auto created = await(client->create(namespaces, "", object));
  ASSERT_TRUE(created.ok()) << created.error().message;
}

void cluster_test::TearDown() {
  if (!client || ns.empty()) return;
  auto removed = await(client->remove(namespaces, "", ns));
  EXPECT_TRUE(removed.ok() || removed.error().not_found()) << removed.error().message;
}

}  // namespace rolloutd::testing
