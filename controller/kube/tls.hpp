#pragma once

// TLS for the connection to the API server: a context built once per client from cluster_config
// (TLS 1.2 or newer, the CA bundle or the system store, an optional client certificate), and the
// per-connection settings (SNI, the host name or IP address the server certificate must carry).

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

#include "kube/config.hpp"
#include "kube/result.hpp"

namespace rolloutd::kube {

// Errors name the field at fault ("ca_pem: ..."); key material never appears in them.
[[nodiscard]] result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(
    const cluster_config& config);

// The host without the brackets of an IPv6 literal ("[::1]" -> "::1").
[[nodiscard]] std::string bare_host(const std::string& host);

// Sets SNI (host names only; RFC 6066 forbids IP literals) and the identity to verify: a host
// name against DNS SANs, an IP address against IP SANs. Checked by OpenSSL during the handshake
// so a mismatch fails it. Nothing to verify when insecure_skip_tls_verify is set.
[[nodiscard]] boost::system::error_code prepare_tls_connection(SSL* ssl, const cluster_config& config);

// A sentence for a failed handshake, naming the certificate problem when verification failed.
[[nodiscard]] std::string describe_tls_failure(SSL* ssl, const boost::system::error_code& ec);

}  // namespace rolloutd::kube
