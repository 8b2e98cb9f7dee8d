#include "kube/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>

namespace rolloutd::kube {

namespace ssl = boost::asio::ssl;

namespace {

api_error tls_config_error(const cluster_config& config, const std::string& field,
                           const boost::system::error_code& ec) {
  return api_error{0, "TLSConfigInvalid", config.source + ": " + field + ": " + ec.message()};
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::string bare_host(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

result<std::unique_ptr<ssl::context>> make_tls_context(const cluster_config& config) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
    return api_error{0, "TLSConfigInvalid", "cannot require TLS 1.2 or newer"};
  }
  // Renegotiation and compression are attack surface the API server never needs.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression);

  if (config.insecure_skip_tls_verify) {
    context->set_verify_mode(ssl::verify_none);
  } else {
    context->set_verify_mode(ssl::verify_peer);
    if (config.ca_pem.empty()) {
      if (context->set_default_verify_paths(ec); ec) return tls_config_error(config, "system CA store", ec);
    } else if (context->add_certificate_authority(boost::asio::buffer(config.ca_pem), ec); ec) {
      return tls_config_error(config, "certificate-authority", ec);
    }
  }

  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    return api_error{0, "TLSConfigInvalid",
                     config.source + ": a client certificate needs both a certificate and a key"};
  }
  if (!config.client_cert_pem.empty()) {
    if (context->use_certificate_chain(boost::asio::buffer(config.client_cert_pem), ec); ec) {
      return tls_config_error(config, "client-certificate", ec);
    }
    // Also checks that the key belongs to the certificate ("key values mismatch").
    if (context->use_private_key(boost::asio::buffer(config.client_key_pem), ssl::context::pem, ec); ec) {
      return tls_config_error(config, "client-key", ec);
    }
  }
  return context;
}

boost::system::error_code prepare_tls_connection(SSL* ssl, const cluster_config& config) {
  std::string host = bare_host(config.host);
  bool ip = is_ip_address(host);
  auto fail = [] {
    return boost::system::error_code(static_cast<int>(ERR_get_error()),
                                     boost::asio::error::get_ssl_category());
  };
  if (!ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return fail();
  if (config.insecure_skip_tls_verify) return {};
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (ip) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) return fail();
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1) return fail();
  }
  return {};
}

std::string describe_tls_failure(SSL* ssl, const boost::system::error_code& ec) {
  std::string text = "TLS handshake failed: " + ec.message();
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    text += " (server certificate: ";
    text += X509_verify_cert_error_string(verify);
    text += ")";
  }
  return text;
}

}  // namespace rolloutd::kube
