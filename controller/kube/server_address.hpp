#pragma once

// Splits a kubeconfig `server` URL into what the transport needs: host (for DNS, SNI and
// certificate verification) and port.

#include <optional>
#include <string>
#include <string_view>

namespace rolloutd::kube {

struct server_address {
  std::string host;  // a hostname, an IPv4 address, or an IPv6 address without brackets
  std::string port;  // decimal, "443" when the URL has none
  std::string url;   // normalised: https://host:port, IPv6 in brackets
};

struct parsed_server {
  std::optional<server_address> value;
  std::string error;  // what is wrong with the URL, e.g. `only https:// servers are supported`
};

// Accepts https://host[:port][/] only: the transport speaks TLS, and a path prefix (as some
// proxies use) would have to be prepended to every request path, which the client does not do.
[[nodiscard]] parsed_server parse_server(std::string_view server);

// host:port for a host that may be an IPv6 address, which then needs brackets.
[[nodiscard]] std::string join_host_port(std::string_view host, std::string_view port);

}  // namespace rolloutd::kube
