#pragma once

// URL building for the API server: resource paths and query strings. Every name, namespace and
// selector is percent-encoded, so a selector such as `tier in (a,b)` or a hostile name cannot
// change the shape of the request.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/client.hpp"

namespace rolloutd::kube {

using query_params = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~).
[[nodiscard]] std::string percent_encode(std::string_view text);

// "k1=v1&k2=v2" with keys and values percent-encoded; empty for no parameters.
[[nodiscard]] std::string encode_query(const query_params& params);

// A name or namespace usable as one path segment: non-empty and not "." or ".." (which a server
// or proxy could resolve as a relative path).
[[nodiscard]] bool valid_path_segment(std::string_view segment);

// "<prefix>[/namespaces/<ns>]/<plural>[/<name>[/<subresource>]]". An empty namespace on a
// namespaced type addresses all namespaces (lists and watches).
[[nodiscard]] std::string resource_path(const resource_type& type, std::string_view ns,
                                        std::string_view name = {}, std::string_view subresource = {});

// The query of a list (watch=false) or a watch (watch=true): selectors, paging, resourceVersion.
// Paging (limit/continue) belongs to lists and the watch-only options to watches.
[[nodiscard]] query_params list_query(const list_options& options, bool watch);

// `path` plus "?query" when there are parameters.
[[nodiscard]] std::string with_query(std::string path, const query_params& params);

}  // namespace rolloutd::kube
