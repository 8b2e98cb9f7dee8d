// Kubeconfig loading: good files of each shape, and bad ones whose message must name the file and
// the exact field without repeating any secret.

#include <vector>

#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "kube/config.hpp"

namespace rolloutd::kube {
namespace {

using testing::fake_env;
using testing::fixtures;
using testing::read_file;

std::string path_of(const std::string& name) {
  return (fixtures / name).string();
}

kubeconfig_options with_context(std::string context) {
  kubeconfig_options options;
  options.context = std::move(context);
  return options;
}

loaded<cluster_config> load(const rolloutd::clock& clock, const std::string& name,
                            kubeconfig_options options = {}) {
  options.path = fixtures / name;
  return load_kubeconfig(options, clock, fake_env({}));
}

TEST(Kubeconfig, DataFields) {
  manual_clock clock;
  auto c = load(clock, "good_data.yaml");
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->server, "https://api.prod.example.test:6443");
  EXPECT_EQ(c.value->host, "api.prod.example.test");
  EXPECT_EQ(c.value->port, "6443");
  EXPECT_EQ(c.value->ca_pem, read_file(fixtures / "certs/ca.crt"));
  EXPECT_EQ(c.value->client_cert_pem, read_file(fixtures / "certs/client.crt"));
  EXPECT_EQ(c.value->client_key_pem, read_file(fixtures / "certs/client.key"));
  EXPECT_EQ(c.value->token, nullptr);
  EXPECT_FALSE(c.value->insecure_skip_tls_verify);
  EXPECT_EQ(c.value->namespace_name, "team-a");
  EXPECT_EQ(c.value->source, path_of("good_data.yaml"));
}

TEST(Kubeconfig, FileFieldsResolveAgainstTheKubeconfigsDirectory) {
  manual_clock clock;
  auto c = load(clock, "good_files.yaml");
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->server, "https://10.1.2.3:443");
  EXPECT_EQ(c.value->host, "10.1.2.3");
  EXPECT_EQ(c.value->port, "443");
  EXPECT_EQ(c.value->ca_pem, read_file(fixtures / "certs/ca.crt"));
  EXPECT_EQ(c.value->client_cert_pem, read_file(fixtures / "certs/client.crt"));
  EXPECT_EQ(c.value->client_key_pem, read_file(fixtures / "certs/client.key"));
  EXPECT_EQ(c.value->namespace_name, "default");
}

TEST(Kubeconfig, LiteralToken) {
  manual_clock clock;
  auto c = load(clock, "good_token.yaml");
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->server, "https://dev.example.test:8443");
  ASSERT_NE(c.value->token, nullptr);
  EXPECT_EQ(c.value->token->token(), "dev-token-value");
  EXPECT_EQ(c.value->namespace_name, "dev-ns");
  EXPECT_TRUE(c.value->client_cert_pem.empty());
}

TEST(Kubeconfig, ContextOverrideAndTokenFile) {
  manual_clock clock;
  auto c = load(clock, "good_token.yaml", with_context("staging"));
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->server, "https://staging.example.test:443");
  EXPECT_TRUE(c.value->ca_pem.empty());  // the system store
  ASSERT_NE(c.value->token, nullptr);
  EXPECT_EQ(c.value->token->token(), "robot-token-from-file");  // relative tokenFile, trimmed
  EXPECT_EQ(c.value->namespace_name, "default");
}

TEST(Kubeconfig, ContextWithoutUserIsAnonymous) {
  manual_clock clock;
  auto c = load(clock, "good_token.yaml", with_context("anonymous"));
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->token, nullptr);
  EXPECT_TRUE(c.value->client_key_pem.empty());
}

TEST(Kubeconfig, NamespaceOverride) {
  manual_clock clock;
  kubeconfig_options options;
  options.namespace_name = "override";
  auto c = load(clock, "good_data.yaml", options);
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->namespace_name, "override");
}

TEST(Kubeconfig, Ipv6ServerAndExplicitInsecure) {
  manual_clock clock;
  auto c = load(clock, "good_ipv6.yaml");
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->server, "https://[::1]:6443");
  EXPECT_EQ(c.value->host, "::1");
  EXPECT_EQ(c.value->port, "6443");
  EXPECT_TRUE(c.value->insecure_skip_tls_verify);
}

struct bad_case {
  std::string file;
  std::string message;  // after "<file>: "
};

void PrintTo(const bad_case& c, std::ostream* os) {
  *os << c.file;
}

class BadKubeconfig : public ::testing::TestWithParam<bad_case> {};

TEST_P(BadKubeconfig, NamesFileAndField) {
  manual_clock clock;
  const auto& param = GetParam();
  auto c = load(clock, param.file);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error.message, path_of(param.file) + ": " + param.message);
}

TEST_P(BadKubeconfig, NeverRepeatsSecrets) {
  manual_clock clock;
  auto c = load(clock, GetParam().file);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error.message.find("SECRET"), std::string::npos) << c.error.message;
  // A line from the middle of the real client key, base64 or not.
  const std::string key = read_file(fixtures / "certs/client.key");
  const std::string key_line = key.substr(key.find('\n') + 1, 40);
  EXPECT_EQ(c.error.message.find(key_line), std::string::npos) << c.error.message;
  EXPECT_EQ(c.error.message.find("MIGHAgEA"), std::string::npos) << c.error.message;
}

const std::string exec_message =
    "users[name=admin].user.exec: exec credential plugins are not supported; use a token, tokenFile or "
    "client certificate";
const std::string auth_provider_message =
    "users[name=admin].user.auth-provider: auth providers are not supported; use a token, tokenFile or "
    "client certificate";

INSTANTIATE_TEST_SUITE_P(
    Files, BadKubeconfig,
    ::testing::Values(
        bad_case{"bad_missing_cluster.yaml",
                 R"(contexts[name=prod].context.cluster: cluster "prod-cluste" not found)"},
        bad_case{"bad_missing_user.yaml", R"(contexts[name=prod].context.user: user "admn" not found)"},
        bad_case{"bad_context_without_cluster.yaml", "contexts[name=prod].context.cluster: missing"},
        bad_case{"bad_key_base64.yaml", "users[name=admin].user.client-key-data: not valid base64"},
        bad_case{"bad_key_not_pem.yaml", "users[name=admin].user.client-key-data: not a PEM private key"},
        bad_case{"bad_key_mismatch.yaml",
                 "users[name=admin].user.client-key: does not match the client certificate"},
        bad_case{"bad_cert_without_key.yaml",
                 "users[name=admin].user.client-certificate(-data): given without client-key(-data)"},
        bad_case{"bad_ca_file_missing.yaml", "clusters[name=prod-cluster].cluster.certificate-authority: " +
                                                 path_of("certs/missing-ca.crt") +
                                                 ": cannot read: No such file or directory"},
        bad_case{"bad_ca_not_pem.yaml",
                 "clusters[name=prod-cluster].cluster.certificate-authority-data: no PEM "
                 "certificate found"},
        bad_case{"bad_insecure_with_ca.yaml",
                 "clusters[name=prod-cluster].cluster.insecure-skip-tls-verify: cannot "
                 "be combined with certificate-authority(-data)"},
        bad_case{"bad_insecure_not_bool.yaml",
                 "clusters[name=prod-cluster].cluster.insecure-skip-tls-verify: expected true or false"},
        bad_case{"bad_exec.yaml", exec_message}, bad_case{"bad_auth_provider.yaml", auth_provider_message},
        bad_case{"bad_basic_auth.yaml",
                 "users[name=admin].user.username: basic authentication is not supported"},
        bad_case{"bad_token_file_missing.yaml",
                 "users[name=admin].user.tokenFile: " + path_of("no-such-token") +
                     ": cannot read: No such file or directory"},
        bad_case{"bad_no_current_context.yaml", "no current-context set and no --context given"},
        bad_case{"bad_current_context_unknown.yaml", R"(current-context: context "staging" not found)"},
        bad_case{"bad_http_server.yaml",
                 "clusters[name=prod-cluster].cluster.server: plain http is not supported; use an https:// "
                 "server"},
        bad_case{"bad_server_port.yaml",
                 "clusters[name=prod-cluster].cluster.server: port must be a number from 1 to 65535"},
        bad_case{"bad_server_path.yaml",
                 "clusters[name=prod-cluster].cluster.server: a path, query or fragment "
                 "after host:port is not supported"},
        bad_case{"bad_server_missing.yaml", "clusters[name=prod-cluster].cluster.server: missing"},
        bad_case{"bad_server_ipv6_unbracketed.yaml",
                 "clusters[name=prod-cluster].cluster.server: an IPv6 address must be written in brackets"},
        bad_case{"bad_clusters_not_list.yaml", "clusters: expected a list"},
        bad_case{"bad_entry_without_name.yaml", "contexts[1].name: missing"},
        bad_case{"bad_duplicate_context.yaml", "contexts[name=prod]: defined more than once"},
        bad_case{"bad_yaml_syntax.yaml", "line 11, column 9: YAML syntax error: end of map flow not found"},
        bad_case{"bad_top_level_list.yaml", "not a kubeconfig: the top level is not a map"}),
    [](const ::testing::TestParamInfo<bad_case>& info) {
      std::string name = info.param.file.substr(0, info.param.file.find('.'));
      for (char& ch : name) {
        if (ch == '-') ch = '_';
      }
      return name;
    });

TEST(Kubeconfig, UnreadableFile) {
  manual_clock clock;
  auto c = load(clock, "no-such-kubeconfig");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error.message, path_of("no-such-kubeconfig") + ": cannot read: No such file or directory");
}

TEST(Kubeconfig, UnknownContextOption) {
  manual_clock clock;
  auto c = load(clock, "good_token.yaml", with_context("nope"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error.message, path_of("good_token.yaml") + R"(: --context: context "nope" not found)");
}

// Shapes a kubeconfig can have that a fixture file would not make clearer: each is an error
// naming the field (or at least an error), never a crash.
struct malformed_case {
  std::string yaml;
  std::string message;  // after "<file>: "; empty: any error will do
};

TEST(Kubeconfig, MalformedInputIsAnErrorNotACrash) {
  const std::string tail = "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n";
  const std::vector<malformed_case> cases = {
      {"clusters: [1]\n", "clusters[0]: expected a map with name and cluster"},
      {"users: [{name: [a]}]\n", "users[0].name: expected a string"},
      {"contexts: [{name: ''}]\n", "contexts[0].name: empty"},
      {"current-context: {a: b}\n", "current-context: expected a string"},
      {"current-context: x\ncontexts: [{name: x, context: 5}]\n", "contexts[name=x].context: expected a map"},
      {"current-context: x\ncontexts: [{name: x}]\n", "contexts[name=x].context: missing"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: [c]}}]\n",
       "contexts[name=x].context.cluster: expected a string"},
      {"clusters: [{name: c, cluster: {server: [https://a]}}]\n" + tail,
       "clusters[name=c].cluster.server: expected a string"},
      {"clusters: [{name: c}]\n" + tail, "clusters[name=c].cluster: missing"},
      {"", "no current-context set and no --context given"},
      {"plain scalar\n", "not a kubeconfig: the top level is not a map"},
      {std::string(100000, '['), ""},
      {std::string("\0\xff\xfe{:", 6), ""},
      {"a: &x [*x]\n", ""},
      {"clusters: [{name: c, cluster: {server: \"https://a\", certificate-authority-data: \"\"}}]\n" + tail,
       "__ok__"},
  };
  manual_clock clock;
  testing::temp_dir dir;
  for (const auto& c : cases) {
    testing::write_file(dir / "config", c.yaml);
    kubeconfig_options options;
    options.path = dir / "config";
    auto loaded = load_kubeconfig(options, clock, fake_env({}));
    if (c.message == "__ok__") {
      EXPECT_TRUE(loaded.ok()) << c.yaml << ": " << loaded.error.message;
      continue;
    }
    ASSERT_FALSE(loaded.ok()) << c.yaml.substr(0, 80);
    if (!c.message.empty()) {
      EXPECT_EQ(loaded.error.message, (dir / "config").string() + ": " + c.message);
    }
  }
}

TEST(Kubeconfig, JsonKubeconfigLoads) {
  manual_clock clock;
  testing::temp_dir dir;
  testing::write_file(dir / "config.json", R"({"apiVersion": "v1", "kind": "Config", "current-context": "j",
    "clusters": [{"name": "c", "cluster": {"server": "https://json.example.test:6443"}}],
    "users": [{"name": "u", "user": {"token": "json-token"}}],
    "contexts": [{"name": "j", "context": {"cluster": "c", "user": "u", "namespace": "js"}}]})");
  kubeconfig_options options;
  options.path = dir / "config.json";
  auto c = load_kubeconfig(options, clock, fake_env({}));
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->server, "https://json.example.test:6443");
  EXPECT_EQ(c.value->token->token(), "json-token");
  EXPECT_EQ(c.value->namespace_name, "js");
}

// Which file is read when no --kubeconfig is given.

TEST(KubeconfigLocation, MergesKubeconfigListByKubectlRules) {
  manual_clock clock;
  const std::string a = path_of("merge/a.yaml");
  const std::string b = path_of("merge/b/b.yaml");
  const std::string missing = path_of("merge/missing.yaml");
  const auto env = fake_env({{"KUBECONFIG", missing + "::" + a + ":" + b}, {"HOME", "/nonexistent"}});

  // current-context comes from b (a sets none); b's relative CA path resolves against b's dir.
  auto c = load_kubeconfig({}, clock, env);
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->server, "https://b-only.example.test:6443");
  EXPECT_EQ(c.value->ca_pem, read_file(fixtures / "certs/ca.crt"));
  EXPECT_EQ(c.value->namespace_name, "b-ns");
  ASSERT_NE(c.value->token, nullptr);
  EXPECT_EQ(c.value->token->token(), "token-from-a");  // the first definition of a name wins
  EXPECT_EQ(c.value->source, a + ":" + b);

  auto from_a = load_kubeconfig(with_context("a-ctx"), clock, env);
  ASSERT_TRUE(from_a.ok()) << from_a.error.message;
  EXPECT_EQ(from_a.value->server, "https://a.example.test:443");
}

TEST(KubeconfigLocation, KubeconfigListWithNoExistingFile) {
  manual_clock clock;
  const std::string missing = path_of("merge/missing.yaml");
  auto c = load_kubeconfig({}, clock, fake_env({{"KUBECONFIG", missing}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error.message, "$KUBECONFIG=" + missing + ": none of the listed files exists");
}

TEST(KubeconfigLocation, HomeKubeConfigWhenNoKubeconfigVariable) {
  manual_clock clock;
  testing::temp_dir home;
  std::filesystem::create_directories(home / ".kube");
  std::filesystem::copy_file(fixtures / "good_ipv6.yaml", home / ".kube/config");
  auto c = load_kubeconfig({}, clock, fake_env({{"HOME", home.path().string()}}));
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->source, (home / ".kube/config").string());
  EXPECT_EQ(c.value->host, "::1");
}

TEST(KubeconfigLocation, ExplicitPathWinsOverKubeconfigVariable) {
  manual_clock clock;
  kubeconfig_options options;
  options.path = fixtures / "good_ipv6.yaml";
  auto c = load_kubeconfig(options, clock, fake_env({{"KUBECONFIG", path_of("good_data.yaml")}}));
  ASSERT_TRUE(c.ok()) << c.error.message;
  EXPECT_EQ(c.value->source, path_of("good_ipv6.yaml"));
}

TEST(KubeconfigLocation, NothingToGoOn) {
  manual_clock clock;
  auto c = load_kubeconfig({}, clock, fake_env({}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error.message,
            "no kubeconfig: no --kubeconfig given, and neither $KUBECONFIG nor $HOME is set");
}

}  // namespace
}  // namespace rolloutd::kube
