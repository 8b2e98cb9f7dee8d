#pragma once

// Where the API server is and how to authenticate to it: from a kubeconfig file (KUBECONFIG,
// --kubeconfig, --context) or from the in-cluster service account. Loaders return a clear error
// naming the file and the field instead of throwing.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "kube/clock.hpp"

namespace rolloutd::kube {

// A bearer token that may rotate: a literal token never changes; a token file (projected
// service-account tokens are rewritten by the kubelet) is re-read when it changes on disk.
class token_source {
 public:
  static std::unique_ptr<token_source> literal(std::string token);
  static std::unique_ptr<token_source> file(std::filesystem::path path, const rolloutd::clock& clock);

  virtual ~token_source() = default;
  // The current token; empty when none can be read (the request then goes out without one and the
  // API server answers 401, which the caller reports).
  [[nodiscard]] virtual std::string token() = 0;
};

struct cluster_config {
  std::string server;                      // https://host:port
  std::string host;                        // parsed from server, used for SNI and certificate verification
  std::string port;                        // parsed from server ("443" when absent)
  std::string ca_pem;                      // CA bundle to verify the server; empty means the system store
  std::string client_cert_pem;             // mutual TLS, optional
  std::string client_key_pem;              // never logged
  std::shared_ptr<token_source> token;     // optional bearer token; shared by every connection
  bool insecure_skip_tls_verify = false;   // only when the kubeconfig says so explicitly
  std::string namespace_name = "default";  // the context's namespace, or the service account's
  std::string source;                      // where this came from, for messages: a path, or "in-cluster"
};

struct config_error {
  std::string message;  // names the file and the field, e.g. "/k: users[0].user.client-key-data: ..."
};

template <class T>
struct loaded {
  std::optional<T> value;
  config_error error;
  [[nodiscard]] bool ok() const { return value.has_value(); }
};

struct kubeconfig_options {
  std::optional<std::filesystem::path> path;  // --kubeconfig; else $KUBECONFIG (merged); else ~/.kube/config
  std::optional<std::string> context;         // --context; else current-context
  std::optional<std::string> namespace_name;  // -n/--namespace overrides the context's namespace
};

// Environment variables (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT, POD_NAMESPACE) are read
// through this, so tests need not change the process environment. nullopt means unset.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;
[[nodiscard]] env_lookup process_environment();

inline constexpr std::string_view service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

// $KUBECONFIG may list several files (':'-separated); they are merged by kubectl's rules: missing
// files are skipped, the first file to set current-context wins, the first definition of a
// cluster, user or context name wins, and relative paths resolve against the file that holds them.
[[nodiscard]] loaded<cluster_config> load_kubeconfig(const kubeconfig_options& options,
                                                     const rolloutd::clock& clock);
[[nodiscard]] loaded<cluster_config> load_kubeconfig(const kubeconfig_options& options,
                                                     const rolloutd::clock& clock, const env_lookup& env);

// KUBERNETES_SERVICE_HOST/PORT plus token, ca.crt and namespace under `dir`
// (/var/run/secrets/kubernetes.io/serviceaccount in a pod; tests point it elsewhere).
[[nodiscard]] loaded<cluster_config> load_in_cluster(const std::filesystem::path& dir,
                                                     const rolloutd::clock& clock);
[[nodiscard]] loaded<cluster_config> load_in_cluster(const std::filesystem::path& dir,
                                                     const rolloutd::clock& clock, const env_lookup& env);

// What a controller does: an explicit kubeconfig wins, then in-cluster when
// KUBERNETES_SERVICE_HOST is set, then $KUBECONFIG / ~/.kube/config.
[[nodiscard]] loaded<cluster_config> load_default(const kubeconfig_options& options,
                                                  const rolloutd::clock& clock);
[[nodiscard]] loaded<cluster_config> load_default(const kubeconfig_options& options,
                                                  const rolloutd::clock& clock, const env_lookup& env,
                                                  const std::filesystem::path& in_cluster_dir);

}  // namespace rolloutd::kube
