#pragma once

// Finds the kubeconfig file(s) and merges them into one set of named clusters, users and contexts
// by kubectl's rules, without interpreting the entries: only the context actually used is checked
// in depth (kubeconfig.cpp), so a broken entry for some other cluster does not stop us.

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "kube/config.hpp"

namespace rolloutd::kube {

struct kubeconfig_entry {
  std::filesystem::path file;  // where it is defined: messages name it, relative paths resolve against it
  std::string field;           // e.g. "clusters[name=prod]"
  YAML::Node body;             // the entry's `cluster`, `user` or `context` map (may be undefined)
};

struct merged_kubeconfig {
  std::string source;  // the file, or the merged files joined with ':'
  std::map<std::string, kubeconfig_entry, std::less<>> clusters;
  std::map<std::string, kubeconfig_entry, std::less<>> users;
  std::map<std::string, kubeconfig_entry, std::less<>> contexts;
  std::string current_context;                 // empty when no file sets one
  std::filesystem::path current_context_file;  // the file that set it
};

// `explicit_path` (--kubeconfig) must exist; otherwise $KUBECONFIG's existing files, otherwise
// $HOME/.kube/config.
[[nodiscard]] loaded<merged_kubeconfig> load_merged_kubeconfig(
    const std::optional<std::filesystem::path>& explicit_path, const env_lookup& env);

// `file: field: what`, the shape of every kubeconfig error.
[[nodiscard]] config_error error_at(const std::filesystem::path& file, std::string_view field,
                                    std::string_view what);

}  // namespace rolloutd::kube
