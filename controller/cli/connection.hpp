#pragma once

// Where kubectl-rp's requests go: the cluster configuration chosen as kubectl chooses it, the
// resource types it reads, and whole-list reads across pages.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/command_line.hpp"
#include "kube/client.hpp"
#include "kube/config.hpp"

namespace rolloutd::cli {

// As kubectl: --kubeconfig, else $KUBECONFIG, else ~/.kube/config; only when none of those gives a
// configuration and the process runs in a pod, the pod's service account. --context and
// -n/--namespace apply to whichever is used.
[[nodiscard]] kube::loaded<kube::cluster_config> load_cluster_config(const command_line& command,
                                                                     const rolloutd::clock& clock,
                                                                     const kube::env_lookup& env);

[[nodiscard]] const kube::resource_type& policies_type();
[[nodiscard]] const kube::resource_type& replica_sets_type();
[[nodiscard]] const kube::resource_type& pods_type();

// Every item of a list, following metadata.continue. `ns` "" lists every namespace.
boost::asio::awaitable<kube::result<std::vector<nlohmann::json>>> list_all(kube::client& api,
                                                                           const kube::resource_type& type,
                                                                           const std::string& ns,
                                                                           const std::string& label_selector);

}  // namespace rolloutd::cli
