#include "metrics/listen_address.hpp"

#include <charconv>

namespace rolloutd {
namespace {

listen_address failure(std::string_view text, std::string_view why) {
  return {.error = "invalid listen address \"" + std::string(text) + "\": " + std::string(why)};
}

}  // namespace

listen_address parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return failure(text, "expected host:port");
  auto host = text.substr(0, colon);
  const auto port_text = text.substr(colon + 1);

  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return failure(text, "port must be a number from 0 to 65535");
  }

  boost::asio::ip::address address;
  if (host.empty()) {
    address = boost::asio::ip::address_v4::any();
  } else if (host == "localhost") {
    address = boost::asio::ip::address_v4::loopback();
  } else {
    const bool bracketed = host.front() == '[' && host.back() == ']' && host.size() >= 2;
    if (bracketed) host = host.substr(1, host.size() - 2);
    boost::system::error_code parse_error;
    address = boost::asio::ip::make_address(std::string(host), parse_error);
    if (parse_error) return failure(text, "host must be an IP address, [IPv6 address], localhost or empty");
    // An unbracketed IPv6 address would make the port ambiguous ("::1:8080").
    if (address.is_v6() != bracketed) return failure(text, "IPv6 addresses must be bracketed, IPv4 must not");
  }
  return {.endpoint = {address, static_cast<unsigned short>(port)}};
}

}  // namespace rolloutd
