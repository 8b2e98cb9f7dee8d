// load_kubeconfig: picks the context from the merged kubeconfig and turns its cluster and user
// into a cluster_config, checking every field it uses and naming the field when one is wrong.

#include <array>
#include <string_view>

#include "kube/base64.hpp"
#include "kube/config.hpp"
#include "kube/kubeconfig_merge.hpp"
#include "kube/pem_check.hpp"
#include "kube/server_address.hpp"
#include "kube/text_file.hpp"

namespace rolloutd::kube {
namespace {

// One of the maps a context, cluster or user entry holds, and where it lives for messages.
struct section {
  const std::filesystem::path& file;
  std::string field;  // e.g. "clusters[name=prod].cluster"
  YAML::Node map;

  [[nodiscard]] std::string at(std::string_view key) const { return field + "." + std::string(key); }
  [[nodiscard]] config_error error(std::string_view key, std::string_view what) const {
    return error_at(file, at(key), what);
  }
  [[nodiscard]] bool has(std::string_view key) const {
    const YAML::Node node = map[std::string(key)];
    return node.IsDefined() && !node.IsNull();
  }
  // Relative paths in a kubeconfig are relative to the file's directory, as kubectl resolves them.
  [[nodiscard]] std::filesystem::path resolve(const std::string& path) const {
    std::filesystem::path p(path);
    if (p.is_absolute()) return p;
    std::error_code ec;
    auto base = std::filesystem::absolute(file, ec);
    return (ec ? file : base).parent_path() / p;
  }
};

template <class T>
loaded<T> failure(config_error error) {
  return {std::nullopt, std::move(error)};
}

// A string field; "" when absent or null, which kubectl treats the same as unset.
loaded<std::string> text(const section& s, std::string_view key) {
  const YAML::Node node = s.map[std::string(key)];
  if (!node.IsDefined() || node.IsNull()) return {std::string(), {}};
  if (!node.IsScalar()) return failure<std::string>(s.error(key, "expected a string"));
  return {node.Scalar(), {}};
}

loaded<bool> boolean(const section& s, std::string_view key) {
  const YAML::Node node = s.map[std::string(key)];
  if (!node.IsDefined() || node.IsNull()) return {false, {}};
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    return failure<bool>(s.error(key, "expected true or false"));
  }
  return {value, {}};
}

loaded<section> entry_section(const kubeconfig_entry& entry, std::string_view body_key) {
  section s{entry.file, entry.field + "." + std::string(body_key), entry.body};
  if (!entry.body.IsDefined() || entry.body.IsNull())
    return failure<section>(error_at(entry.file, s.field, "missing"));
  if (!entry.body.IsMap()) return failure<section>(error_at(entry.file, s.field, "expected a map"));
  return {std::move(s), {}};
}

// PEM material given inline (`<key>-data`, base64) or as a file (`<key>`); the inline form wins,
// as in kubectl. Empty when neither is set.
loaded<std::string> pem_field(const section& s, std::string_view key,
                              std::optional<std::string> (*check)(std::string_view)) {
  const std::string data_key = std::string(key) + "-data";
  auto data = text(s, data_key);
  if (!data.ok()) return data;
  if (!data.value->empty()) {
    auto decoded = base64_decode(*data.value);
    if (!decoded) return failure<std::string>(s.error(data_key, "not valid base64"));
    if (auto problem = check(*decoded)) return failure<std::string>(s.error(data_key, *problem));
    return {std::move(*decoded), {}};
  }
  auto path = text(s, key);
  if (!path.ok() || path.value->empty()) return path;
  const auto resolved = s.resolve(*path.value);
  auto file = read_text_file(resolved);
  if (!file.content) return failure<std::string>(s.error(key, resolved.string() + ": " + file.error));
  if (auto problem = check(*file.content))
    return failure<std::string>(s.error(key, resolved.string() + ": " + *problem));
  return {std::move(*file.content), {}};
}

std::optional<config_error> apply_cluster(const section& s, cluster_config& config) {
  auto server = text(s, "server");
  if (!server.ok()) return server.error;
  auto address = parse_server(*server.value);
  if (!address.value) return s.error("server", address.error);
  config.server = address.value->url;
  config.host = address.value->host;
  config.port = address.value->port;

  auto ca = pem_field(s, "certificate-authority", check_ca_bundle);
  if (!ca.ok()) return ca.error;
  config.ca_pem = std::move(*ca.value);

  auto insecure = boolean(s, "insecure-skip-tls-verify");
  if (!insecure.ok()) return insecure.error;
  // kubectl refuses this pair too: a CA that is then not checked is a sign of a mistake.
  if (*insecure.value && !config.ca_pem.empty()) {
    return s.error("insecure-skip-tls-verify", "cannot be combined with certificate-authority(-data)");
  }
  config.insecure_skip_tls_verify = *insecure.value;

  // Connecting without them would fail in ways that hide the cause, so say so now.
  for (std::string_view key : {"tls-server-name", "proxy-url"}) {
    auto value = text(s, key);
    if (!value.ok()) return value.error;
    if (!value.value->empty()) return s.error(key, "not supported");
  }
  return std::nullopt;
}

std::optional<config_error> reject_unsupported_auth(const section& s) {
  if (s.has("exec")) {
    return s.error("exec",
                   "exec credential plugins are not supported; use a token, tokenFile or client certificate");
  }
  if (s.has("auth-provider")) {
    return s.error("auth-provider",
                   "auth providers are not supported; use a token, tokenFile or client certificate");
  }
  for (std::string_view key : {"username", "password"}) {
    if (s.has(key)) return s.error(key, "basic authentication is not supported");
  }
  // Silently dropping impersonation would act with the caller's own, usually wider, rights.
  for (std::string_view key : {"as", "as-uid", "as-groups", "as-user-extra"}) {
    if (s.has(key)) return s.error(key, "impersonation is not supported");
  }
  return std::nullopt;
}

std::optional<config_error> apply_user(const section& s, const rolloutd::clock& clock,
                                       cluster_config& config) {
  if (auto e = reject_unsupported_auth(s)) return e;

  auto cert = pem_field(s, "client-certificate", check_certificate);
  if (!cert.ok()) return cert.error;
  auto key = pem_field(s, "client-key", check_private_key);
  if (!key.ok()) return key.error;
  if (cert.value->empty() != key.value->empty()) {
    return cert.value->empty() ? s.error("client-key(-data)", "given without client-certificate(-data)")
                               : s.error("client-certificate(-data)", "given without client-key(-data)");
  }
  if (!cert.value->empty() && !key_matches_certificate(*cert.value, *key.value)) {
    const char* field = s.has("client-key-data") ? "client-key-data" : "client-key";
    return s.error(field, "does not match the client certificate");
  }
  config.client_cert_pem = std::move(*cert.value);
  config.client_key_pem = std::move(*key.value);

  auto token_file = text(s, "tokenFile");
  if (!token_file.ok()) return token_file.error;
  auto token = text(s, "token");
  if (!token.ok()) return token.error;
  // With both set, client-go lets the file win once read; it is also the one that can rotate.
  if (!token_file.value->empty()) {
    const auto resolved = s.resolve(*token_file.value);
    auto file = read_text_file(resolved);
    if (!file.content) return s.error("tokenFile", resolved.string() + ": " + file.error);
    if (trim_space(std::move(*file.content)).empty())
      return s.error("tokenFile", resolved.string() + ": empty");
    config.token = token_source::file(resolved, clock);
  } else if (!token.value->empty()) {
    config.token = token_source::literal(trim_space(std::move(*token.value)));
  }
  return std::nullopt;
}

// The context to use and the field that chose it, for messages.
loaded<const kubeconfig_entry*> pick_context(const merged_kubeconfig& merged,
                                             const kubeconfig_options& options) {
  if (options.context && !options.context->empty()) {
    auto it = merged.contexts.find(*options.context);
    if (it == merged.contexts.end()) {
      return failure<const kubeconfig_entry*>(
          {merged.source + ": --context: context \"" + *options.context + "\" not found"});
    }
    return {&it->second, {}};
  }
  if (merged.current_context.empty()) {
    return failure<const kubeconfig_entry*>(
        {merged.source + ": no current-context set and no --context given"});
  }
  auto it = merged.contexts.find(merged.current_context);
  if (it == merged.contexts.end()) {
    return failure<const kubeconfig_entry*>(error_at(merged.current_context_file, "current-context",
                                                     "context \"" + merged.current_context + "\" not found"));
  }
  return {&it->second, {}};
}

}  // namespace

loaded<cluster_config> load_kubeconfig(const kubeconfig_options& options, const rolloutd::clock& clock) {
  return load_kubeconfig(options, clock, process_environment());
}

loaded<cluster_config> load_kubeconfig(const kubeconfig_options& options, const rolloutd::clock& clock,
                                       const env_lookup& env) {
  auto merged = load_merged_kubeconfig(options.path, env);
  if (!merged.ok()) return failure<cluster_config>(std::move(merged.error));
  auto picked = pick_context(*merged.value, options);
  if (!picked.ok()) return failure<cluster_config>(std::move(picked.error));
  auto context = entry_section(**picked.value, "context");
  if (!context.ok()) return failure<cluster_config>(std::move(context.error));
  const section& ctx = *context.value;

  cluster_config config;
  config.source = merged.value->source;

  auto cluster_name = text(ctx, "cluster");
  if (!cluster_name.ok()) return failure<cluster_config>(std::move(cluster_name.error));
  if (cluster_name.value->empty()) return failure<cluster_config>(ctx.error("cluster", "missing"));
  auto cluster = merged.value->clusters.find(*cluster_name.value);
  if (cluster == merged.value->clusters.end()) {
    return failure<cluster_config>(ctx.error("cluster", "cluster \"" + *cluster_name.value + "\" not found"));
  }
  auto cluster_section = entry_section(cluster->second, "cluster");
  if (!cluster_section.ok()) return failure<cluster_config>(std::move(cluster_section.error));
  if (auto e = apply_cluster(*cluster_section.value, config)) return failure<cluster_config>(std::move(*e));

  // A context without a user is anonymous access, which kubectl allows.
  auto user_name = text(ctx, "user");
  if (!user_name.ok()) return failure<cluster_config>(std::move(user_name.error));
  if (!user_name.value->empty()) {
    auto user = merged.value->users.find(*user_name.value);
    if (user == merged.value->users.end()) {
      return failure<cluster_config>(ctx.error("user", "user \"" + *user_name.value + "\" not found"));
    }
    auto user_section = entry_section(user->second, "user");
    if (!user_section.ok()) return failure<cluster_config>(std::move(user_section.error));
    if (auto e = apply_user(*user_section.value, clock, config))
      return failure<cluster_config>(std::move(*e));
  }

  auto namespace_name = text(ctx, "namespace");
  if (!namespace_name.ok()) return failure<cluster_config>(std::move(namespace_name.error));
  if (options.namespace_name && !options.namespace_name->empty()) {
    config.namespace_name = *options.namespace_name;
  } else if (!namespace_name.value->empty()) {
    config.namespace_name = *namespace_name.value;
  }
  return {std::move(config), {}};
}

}  // namespace rolloutd::kube
