// In-cluster configuration, the environment, and the choice between in-cluster and kubeconfig.
// The kubeconfig loader is in kubeconfig.cpp, token sources in token_source.cpp.

#include "kube/config.hpp"

#include <cstdlib>

#include "kube/pem_check.hpp"
#include "kube/server_address.hpp"
#include "kube/text_file.hpp"

namespace rolloutd::kube {
namespace {

template <class T>
loaded<T> failure(std::string message) {
  return {std::nullopt, config_error{std::move(message)}};
}

// The content of a service-account file, trimmed; a message naming the file when absent or empty.
loaded<std::string> read_required(const std::filesystem::path& path) {
  auto file = read_text_file(path);
  if (!file.content) return failure<std::string>(path.string() + ": " + file.error);
  auto content = trim_space(std::move(*file.content));
  if (content.empty()) return failure<std::string>(path.string() + ": empty");
  return {std::move(content), {}};
}

}  // namespace

env_lookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

loaded<cluster_config> load_in_cluster(const std::filesystem::path& dir, const rolloutd::clock& clock) {
  return load_in_cluster(dir, clock, process_environment());
}

loaded<cluster_config> load_in_cluster(const std::filesystem::path& dir, const rolloutd::clock& clock,
                                       const env_lookup& env) {
  const auto host = env("KUBERNETES_SERVICE_HOST");
  if (!host || host->empty())
    return failure<cluster_config>("in-cluster: $KUBERNETES_SERVICE_HOST is not set");
  const auto port = env("KUBERNETES_SERVICE_PORT");
  if (!port || port->empty())
    return failure<cluster_config>("in-cluster: $KUBERNETES_SERVICE_PORT is not set");
  auto address = parse_server("https://" + join_host_port(*host, *port));
  if (!address.value) {
    return failure<cluster_config>("in-cluster: $KUBERNETES_SERVICE_HOST/$KUBERNETES_SERVICE_PORT: " +
                                   address.error);
  }

  cluster_config config;
  config.source = "in-cluster";
  config.server = address.value->url;
  config.host = address.value->host;
  config.port = address.value->port;

  // Read once now so a missing token is reported at start-up; afterwards the source re-reads it
  // whenever the kubelet rotates it.
  const auto token_path = dir / "token";
  auto token = read_required(token_path);
  if (!token.ok()) return failure<cluster_config>(std::move(token.error.message));
  config.token = token_source::file(token_path, clock);

  const auto ca_path = dir / "ca.crt";
  auto ca = read_text_file(ca_path);
  if (!ca.content) return failure<cluster_config>(ca_path.string() + ": " + ca.error);
  if (auto problem = check_ca_bundle(*ca.content))
    return failure<cluster_config>(ca_path.string() + ": " + *problem);
  config.ca_pem = std::move(*ca.content);

  // POD_NAMESPACE (set from the downward API) wins over the file, as in client-go.
  if (auto pod_namespace = env("POD_NAMESPACE"); pod_namespace && !pod_namespace->empty()) {
    config.namespace_name = *pod_namespace;
  } else {
    auto namespace_name = read_required(dir / "namespace");
    if (!namespace_name.ok()) return failure<cluster_config>(std::move(namespace_name.error.message));
    config.namespace_name = std::move(*namespace_name.value);
  }
  return {std::move(config), {}};
}

loaded<cluster_config> load_default(const kubeconfig_options& options, const rolloutd::clock& clock) {
  return load_default(options, clock, process_environment(), service_account_dir);
}

loaded<cluster_config> load_default(const kubeconfig_options& options, const rolloutd::clock& clock,
                                    const env_lookup& env, const std::filesystem::path& in_cluster_dir) {
  if (options.path) return load_kubeconfig(options, clock, env);
  if (auto host = env("KUBERNETES_SERVICE_HOST"); host && !host->empty()) {
    auto config = load_in_cluster(in_cluster_dir, clock, env);
    if (config.ok() && options.namespace_name && !options.namespace_name->empty()) {
      config.value->namespace_name = *options.namespace_name;
    }
    return config;
  }
  return load_kubeconfig(options, clock, env);
}

}  // namespace rolloutd::kube
