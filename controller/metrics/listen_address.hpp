#pragma once

// Parses --metrics-addr: "host:port" where host is an IPv4 address, "[IPv6]", "localhost", or
// empty for every IPv4 interface (":8080", as controller-runtime spells it). Port 0 asks the
// kernel for a free port. Host names other than localhost are refused rather than resolved:
// a listening address should not depend on DNS at start-up.

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <string_view>

namespace rolloutd {

struct listen_address {
  boost::asio::ip::tcp::endpoint endpoint{};
  std::string error{};  // empty on success

  [[nodiscard]] bool ok() const { return error.empty(); }
};

[[nodiscard]] listen_address parse_listen_address(std::string_view text);

}  // namespace rolloutd
