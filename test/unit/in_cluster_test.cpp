// In-cluster configuration from a fake service-account directory, and load_default's choice
// between in-cluster and kubeconfig.

#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "kube/config.hpp"

namespace rolloutd::kube {
namespace {

using std::chrono::seconds;
using testing::fake_env;
using testing::fixtures;
using testing::read_file;
using testing::replace_file;
using testing::temp_dir;
using testing::write_file;

// A service-account directory as the kubelet mounts it.
struct service_account {
  temp_dir dir;
  service_account() {
    write_file(dir / "token", "sa-token-1\n");
    std::filesystem::copy_file(fixtures / "certs/ca.crt", dir / "ca.crt");
    write_file(dir / "namespace", "rollouts-system");
  }
};

const std::map<std::string, std::string> in_cluster_vars = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                                            {"KUBERNETES_SERVICE_PORT", "443"}};

TEST(InCluster, ReadsServiceAccount) {
  manual_clock clock;
  service_account sa;
  auto c = load_in_cluster(sa.dir.path(), clock, fake_env(in_cluster_vars));
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->server, "https://10.96.0.1:443");
  EXPECT_EQ(c.value->host, "10.96.0.1");
  EXPECT_EQ(c.value->port, "443");
  EXPECT_EQ(c.value->ca_pem, read_file(fixtures / "certs/ca.crt"));
  EXPECT_EQ(c.value->namespace_name, "rollouts-system");
  EXPECT_EQ(c.value->source, "in-cluster");
  EXPECT_FALSE(c.value->insecure_skip_tls_verify);
  ASSERT_NE(c.value->token, nullptr);
  EXPECT_EQ(c.value->token->token(), "sa-token-1");
}

TEST(InCluster, TokenRotationIsPickedUp) {
  manual_clock clock;
  service_account sa;
  auto c = load_in_cluster(sa.dir.path(), clock, fake_env(in_cluster_vars));
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->token->token(), "sa-token-1");
  replace_file(sa.dir / "token", "sa-token-2\n");
  EXPECT_EQ(c.value->token->token(), "sa-token-1");
  clock.advance(seconds(1));
  EXPECT_EQ(c.value->token->token(), "sa-token-2");
}

TEST(InCluster, Ipv6HostGetsBrackets) {
  manual_clock clock;
  service_account sa;
  auto c = load_in_cluster(
      sa.dir.path(), clock,
      fake_env({{"KUBERNETES_SERVICE_HOST", "fd00:10:96::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}));
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->server, "https://[fd00:10:96::1]:6443");
  EXPECT_EQ(c.value->host, "fd00:10:96::1");
  EXPECT_EQ(c.value->port, "6443");
}

TEST(InCluster, PodNamespaceVariableWinsOverFile) {
  manual_clock clock;
  service_account sa;
  auto vars = in_cluster_vars;
  vars["POD_NAMESPACE"] = "from-downward-api";
  std::filesystem::remove(sa.dir / "namespace");
  auto c = load_in_cluster(sa.dir.path(), clock, fake_env(vars));
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->namespace_name, "from-downward-api");
}

// Each case breaks one piece; the message must name that variable or file.
struct missing_case {
  std::string name;
  std::map<std::string, std::string> vars;
  std::string remove_file;   // from the service-account dir
  std::string replace_with;  // if non-empty, written instead of removing
  std::string message;       // "{dir}" stands for the directory
};

void PrintTo(const missing_case& c, std::ostream* os) {
  *os << c.name;
}

class InClusterMissing : public ::testing::TestWithParam<missing_case> {};

TEST_P(InClusterMissing, NamesWhatIsMissing) {
  const auto& param = GetParam();
  manual_clock clock;
  service_account sa;
  if (!param.remove_file.empty()) {
    if (param.replace_with.empty()) {
      std::filesystem::remove(sa.dir / param.remove_file);
    } else {
      write_file(sa.dir / param.remove_file, param.replace_with);
    }
  }
  auto c = load_in_cluster(sa.dir.path(), clock, fake_env(param.vars));
  ASSERT_FALSE(c.ok());
  std::string expected = param.message;
  if (auto at = expected.find("{dir}"); at != std::string::npos)
    expected.replace(at, 5, sa.dir.path().string());
  EXPECT_EQ(c.error.message, expected);
  EXPECT_EQ(c.error.message.find("sa-token"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Pieces, InClusterMissing,
    ::testing::Values(
        missing_case{"host",
                     {{"KUBERNETES_SERVICE_PORT", "443"}},
                     "",
                     "",
                     "in-cluster: $KUBERNETES_SERVICE_HOST is not set"},
        missing_case{"port",
                     {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}},
                     "",
                     "",
                     "in-cluster: $KUBERNETES_SERVICE_PORT is not set"},
        missing_case{
            "bad_port",
            {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "https"}},
            "",
            "",
            "in-cluster: $KUBERNETES_SERVICE_HOST/$KUBERNETES_SERVICE_PORT: port must be a number from 1 "
            "to 65535"},
        missing_case{"token", in_cluster_vars, "token", "",
                     "{dir}/token: cannot read: No such file or directory"},
        missing_case{"empty_token", in_cluster_vars, "token", "\n", "{dir}/token: empty"},
        missing_case{"ca", in_cluster_vars, "ca.crt", "",
                     "{dir}/ca.crt: cannot read: No such file or directory"},
        missing_case{"bad_ca", in_cluster_vars, "ca.crt", "garbage",
                     "{dir}/ca.crt: no PEM certificate found"},
        missing_case{"namespace", in_cluster_vars, "namespace", "",
                     "{dir}/namespace: cannot read: No such file or directory"}),
    [](const ::testing::TestParamInfo<missing_case>& info) { return info.param.name; });

// load_default: explicit kubeconfig, then in-cluster, then $KUBECONFIG / ~/.kube/config.

TEST(LoadDefault, ExplicitKubeconfigWinsInsideACluster) {
  manual_clock clock;
  service_account sa;
  kubeconfig_options options;
  options.path = fixtures / "good_ipv6.yaml";
  auto c = load_default(options, clock, fake_env(in_cluster_vars), sa.dir.path());
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->source, (fixtures / "good_ipv6.yaml").string());
}

TEST(LoadDefault, InClusterBeforeKubeconfigVariable) {
  manual_clock clock;
  service_account sa;
  auto vars = in_cluster_vars;
  vars["KUBECONFIG"] = (fixtures / "good_ipv6.yaml").string();
  kubeconfig_options options;
  options.namespace_name = "flag-ns";
  auto c = load_default(options, clock, fake_env(vars), sa.dir.path());
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->source, "in-cluster");
  EXPECT_EQ(c.value->namespace_name, "flag-ns");
}

TEST(LoadDefault, KubeconfigVariableOutsideACluster) {
  manual_clock clock;
  service_account sa;
  auto c = load_default({}, clock, fake_env({{"KUBECONFIG", (fixtures / "good_ipv6.yaml").string()}}),
                        sa.dir.path());
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->source, (fixtures / "good_ipv6.yaml").string());
}

TEST(LoadDefault, InClusterErrorsAreReportedNotSkipped) {
  manual_clock clock;
  service_account sa;
  std::filesystem::remove(sa.dir / "token");
  auto vars = in_cluster_vars;
  vars["KUBECONFIG"] = (fixtures / "good_ipv6.yaml").string();
  auto c = load_default({}, clock, fake_env(vars), sa.dir.path());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error.message, (sa.dir / "token").string() + ": cannot read: No such file or directory");
}

}  // namespace
}  // namespace rolloutd::kube
