#include "kube/kubeconfig_merge.hpp"

#include <string_view>
#include <system_error>
#include <vector>

#include "kube/text_file.hpp"

namespace rolloutd::kube {
namespace {

template <class T>
loaded<T> failure(config_error error) {
  return {std::nullopt, std::move(error)};
}

std::vector<std::filesystem::path> split_path_list(std::string_view list) {
  std::vector<std::filesystem::path> paths;
  while (!list.empty()) {
    const auto colon = list.find(':');
    const auto item = list.substr(0, colon);
    if (!item.empty()) paths.emplace_back(item);
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  return paths;
}

// Which files to read, in precedence order.
loaded<std::vector<std::filesystem::path>> kubeconfig_files(
    const std::optional<std::filesystem::path>& explicit_path, const env_lookup& env) {
  if (explicit_path) return {std::vector{*explicit_path}, {}};
  if (auto list = env("KUBECONFIG"); list && !list->empty()) {
    // Like kubectl, files that do not exist are skipped: one $KUBECONFIG serves several machines.
    std::vector<std::filesystem::path> existing;
    for (auto& path : split_path_list(*list)) {
      std::error_code ec;
      if (std::filesystem::exists(path, ec)) existing.push_back(std::move(path));
    }
    if (existing.empty()) {
      return failure<std::vector<std::filesystem::path>>(
          {"$KUBECONFIG=" + *list + ": none of the listed files exists"});
    }
    return {std::move(existing), {}};
  }
  const auto home = env("HOME");
  if (!home || home->empty()) {
    return failure<std::vector<std::filesystem::path>>(
        {"no kubeconfig: no --kubeconfig given, and neither $KUBECONFIG nor $HOME is set"});
  }
  return {std::vector{std::filesystem::path(*home) / ".kube" / "config"}, {}};
}

loaded<YAML::Node> parse_file(const std::filesystem::path& path) {
  auto file = read_text_file(path);
  if (!file.content) return failure<YAML::Node>({path.string() + ": " + file.error});
  try {
    YAML::Node root = YAML::Load(*file.content);
    if (!root.IsDefined() || root.IsNull() || root.IsMap()) return {std::move(root), {}};
    return failure<YAML::Node>({path.string() + ": not a kubeconfig: the top level is not a map"});
  } catch (const YAML::Exception& e) {
    // yaml-cpp's messages describe the syntax ("end of map not found"), never quote the content.
    return failure<YAML::Node>({path.string() + ": line " + std::to_string(e.mark.line + 1) + ", column " +
                                std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg});
  }
}

// Adds one file's `clusters`/`users`/`contexts` list to `into`; earlier files win a name.
std::optional<config_error> merge_list(const std::filesystem::path& path, const YAML::Node& root,
                                       const std::string& list_key, const std::string& body_key,
                                       std::map<std::string, kubeconfig_entry, std::less<>>& into) {
  const YAML::Node list = root[list_key];
  if (!list.IsDefined() || list.IsNull()) return std::nullopt;
  if (!list.IsSequence()) return error_at(path, list_key, "expected a list");
  std::map<std::string, bool, std::less<>> seen_here;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string index_field = list_key + "[" + std::to_string(i) + "]";
    if (!item.IsMap()) return error_at(path, index_field, "expected a map with name and " + body_key);
    const YAML::Node name_node = item["name"];
    if (!name_node.IsDefined() || name_node.IsNull()) return error_at(path, index_field + ".name", "missing");
    if (!name_node.IsScalar()) return error_at(path, index_field + ".name", "expected a string");
    const std::string& name = name_node.Scalar();
    if (name.empty()) return error_at(path, index_field + ".name", "empty");
    // kubectl refuses a name defined twice in one file rather than guess which was meant.
    if (!seen_here.emplace(name, true).second) {
      return error_at(path, list_key + "[name=" + name + "]", "defined more than once");
    }
    into.try_emplace(name, kubeconfig_entry{path, list_key + "[name=" + name + "]", item[body_key]});
  }
  return std::nullopt;
}

std::optional<config_error> merge_file(const std::filesystem::path& path, const YAML::Node& root,
                                       merged_kubeconfig& merged) {
  if (!root.IsDefined() || root.IsNull()) return std::nullopt;  // an empty file adds nothing
  if (auto e = merge_list(path, root, "clusters", "cluster", merged.clusters)) return e;
  if (auto e = merge_list(path, root, "users", "user", merged.users)) return e;
  if (auto e = merge_list(path, root, "contexts", "context", merged.contexts)) return e;
  const YAML::Node current = root["current-context"];
  if (current.IsDefined() && !current.IsNull()) {
    if (!current.IsScalar()) return error_at(path, "current-context", "expected a string");
    if (merged.current_context.empty() && !current.Scalar().empty()) {
      merged.current_context = current.Scalar();
      merged.current_context_file = path;
    }
  }
  return std::nullopt;
}

}  // namespace

config_error error_at(const std::filesystem::path& file, std::string_view field, std::string_view what) {
  std::string message = file.string();
  message.append(": ").append(field).append(": ").append(what);
  return {std::move(message)};
}

loaded<merged_kubeconfig> load_merged_kubeconfig(const std::optional<std::filesystem::path>& explicit_path,
                                                 const env_lookup& env) {
  auto files = kubeconfig_files(explicit_path, env);
  if (!files.ok()) return failure<merged_kubeconfig>(std::move(files.error));
  merged_kubeconfig merged;
  for (const auto& path : *files.value) {
    if (!merged.source.empty()) merged.source += ":";
    merged.source += path.string();
    auto root = parse_file(path);
    if (!root.ok()) return failure<merged_kubeconfig>(std::move(root.error));
    if (auto e = merge_file(path, *root.value, merged)) return failure<merged_kubeconfig>(std::move(*e));
  }
  return {std::move(merged), {}};
}

}  // namespace rolloutd::kube
