#include "kube/server_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace rolloutd::kube {
namespace {

bool starts_with_ignore_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

bool valid_ipv6(std::string_view host) {
  in6_addr addr{};
  const std::string text(host);
  return ::inet_pton(AF_INET6, text.c_str(), &addr) == 1;
}

bool valid_hostname(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

std::optional<int> parse_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return std::nullopt;
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return std::nullopt;
  return value;
}

parsed_server fail(std::string why) {
  return {std::nullopt, std::move(why)};
}

}  // namespace

std::string join_host_port(std::string_view host, std::string_view port) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  return out.append(":").append(port);
}

parsed_server parse_server(std::string_view server) {
  constexpr std::string_view scheme = "https://";
  if (server.empty()) return fail("missing");
  if (!starts_with_ignore_case(server, scheme)) {
    if (starts_with_ignore_case(server, "http://")) {
      return fail("plain http is not supported; use an https:// server");
    }
    return fail("must be an https:// URL");
  }
  std::string_view rest = server.substr(scheme.size());
  const auto path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) {
    const std::string_view path = rest.substr(path_start);
    if (path != "/") return fail("a path, query or fragment after host:port is not supported");
  }
  if (authority.find('@') != std::string_view::npos)
    return fail("user information in the URL is not supported");

  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated '[' in IPv6 address");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after IPv6 address");
      port = after.substr(1);
      if (port.empty()) return fail("empty port");
    }
    if (!valid_ipv6(host)) return fail("not a valid IPv6 address in brackets");
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return fail("empty port");
      if (port.find(':') != std::string_view::npos)
        return fail("an IPv6 address must be written in brackets");
    }
    if (host.empty()) return fail("missing host");
    if (!valid_hostname(host)) return fail("not a valid host name");
  }
  if (port.empty()) port = "443";
  const auto port_number = parse_port(port);
  if (!port_number) return fail("port must be a number from 1 to 65535");

  server_address address{std::string(host), std::to_string(*port_number), {}};
  address.url = std::string(scheme) + join_host_port(address.host, address.port);
  return {std::move(address), {}};
}

}  // namespace rolloutd::kube
