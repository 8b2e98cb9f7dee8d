#include "kube/request_path.hpp"

namespace rolloutd::kube {

std::string resource_type::api_prefix() const {
  if (group.empty()) return "/api/" + version;
  return "/apis/" + group + "/" + version;
}

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

}  // namespace

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0F]);
    }
  }
  return out;
}

std::string encode_query(const query_params& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += percent_encode(key);
    out.push_back('=');
    out += percent_encode(value);
  }
  return out;
}

bool valid_path_segment(std::string_view segment) {
  return !segment.empty() && segment != "." && segment != "..";
}

std::string resource_path(const resource_type& type, std::string_view ns, std::string_view name,
                          std::string_view subresource) {
  std::string path = type.api_prefix();
  if (type.namespaced && !ns.empty()) {
    path += "/namespaces/";
    path += percent_encode(ns);
  }
  path += '/';
  path += percent_encode(type.plural);
  if (!name.empty()) {
    path += '/';
    path += percent_encode(name);
    if (!subresource.empty()) {
      path += '/';
      path += percent_encode(subresource);
    }
  }
  return path;
}

query_params list_query(const list_options& options, bool watch) {
  query_params params;
  if (watch) params.emplace_back("watch", "true");
  if (!options.label_selector.empty()) params.emplace_back("labelSelector", options.label_selector);
  if (!options.field_selector.empty()) params.emplace_back("fieldSelector", options.field_selector);
  if (!watch && options.limit) params.emplace_back("limit", std::to_string(*options.limit));
  if (!watch && !options.continue_token.empty()) params.emplace_back("continue", options.continue_token);
  if (!options.resource_version.empty()) params.emplace_back("resourceVersion", options.resource_version);
  if (!watch && !options.resource_version_match.empty()) {
    params.emplace_back("resourceVersionMatch", options.resource_version_match);
  }
  if (watch && options.allow_watch_bookmarks) params.emplace_back("allowWatchBookmarks", "true");
  if (options.timeout_seconds)
    params.emplace_back("timeoutSeconds", std::to_string(*options.timeout_seconds));
  return params;
}

std::string with_query(std::string path, const query_params& params) {
  if (params.empty()) return path;
  path.push_back('?');
  path += encode_query(params);
  return path;
}

}  // namespace rolloutd::kube
