#include "cli/connection.hpp"

#include "cli/json_fields.hpp"

namespace rolloutd::cli {

kube::loaded<kube::cluster_config> load_cluster_config(const command_line& command,
                                                       const rolloutd::clock& clock,
                                                       const kube::env_lookup& env) {
  kube::kubeconfig_options options;
  options.path = command.kubeconfig;
  options.context = command.context;
  options.namespace_name = command.namespace_name;
  auto from_file = kube::load_kubeconfig(options, clock, env);
  if (from_file.ok() || command.kubeconfig || env("KUBECONFIG")) return from_file;
  auto host = env("KUBERNETES_SERVICE_HOST");
  if (!host || host->empty()) return from_file;
  auto in_cluster = kube::load_in_cluster(kube::service_account_dir, clock, env);
  if (in_cluster.ok() && command.namespace_name) in_cluster.value->namespace_name = *command.namespace_name;
  return in_cluster;
}

const kube::resource_type& policies_type() {
  static const kube::resource_type t{"rolloutd.io", "v1alpha1", "rolloutpolicies", true};
  return t;
}

const kube::resource_type& replica_sets_type() {
  static const kube::resource_type t{"apps", "v1", "replicasets", true};
  return t;
}

const kube::resource_type& pods_type() {
  static const kube::resource_type t{"", "v1", "pods", true};
  return t;
}

boost::asio::awaitable<kube::result<std::vector<nlohmann::json>>> list_all(
    kube::client& api, const kube::resource_type& type, const std::string& ns,
    const std::string& label_selector) {
  std::vector<nlohmann::json> items;
  kube::list_options options;
  options.label_selector = label_selector;
  options.limit = 500;
  for (;;) {
    auto page = co_await api.list(type, ns, options);
    if (!page.ok()) co_return page.error();
    if (auto it = page->find("items"); it != page->end() && it->is_array()) {
      for (auto& item : *it) items.push_back(std::move(item));
    }
    std::string next = string_at(*page, {"metadata", "continue"});
    if (next.empty()) break;
    options.continue_token = std::move(next);
  }
  co_return items;
}

}  // namespace rolloutd::cli
