#include "kube/pem_check.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace rolloutd::kube {
namespace {

struct bio_free {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};
struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct info_stack_free {
  void operator()(STACK_OF(X509_INFO) * s) const { sk_X509_INFO_pop_free(s, X509_INFO_free); }
};

std::unique_ptr<BIO, bio_free> memory_bio(std::string_view data) {
  return std::unique_ptr<BIO, bio_free>(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// A failed parse leaves entries on OpenSSL's thread-local error queue, which would later be
// mistaken for the cause of an unrelated TLS failure on this thread.
struct clear_errors_on_exit {
  ~clear_errors_on_exit() { ERR_clear_error(); }
};

// Refuse to prompt for a passphrase: there is no terminal, and encrypted keys are reported.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

std::unique_ptr<X509, x509_free> read_certificate(std::string_view pem) {
  auto bio = memory_bio(pem);
  if (!bio) return nullptr;
  return std::unique_ptr<X509, x509_free>(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
}

std::unique_ptr<EVP_PKEY, pkey_free> read_key(std::string_view pem) {
  auto bio = memory_bio(pem);
  if (!bio) return nullptr;
  return std::unique_ptr<EVP_PKEY, pkey_free>(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
}

}  // namespace

std::optional<std::string> check_ca_bundle(std::string_view pem) {
  clear_errors_on_exit clear;
  auto bio = memory_bio(pem);
  if (!bio) return "out of memory";
  std::unique_ptr<STACK_OF(X509_INFO), info_stack_free> infos(
      PEM_X509_INFO_read_bio(bio.get(), nullptr, no_passphrase, nullptr));
  int certificates = 0;
  if (infos) {
    for (int i = 0; i < sk_X509_INFO_num(infos.get()); ++i) {
      if (sk_X509_INFO_value(infos.get(), i)->x509 != nullptr) ++certificates;
    }
  }
  if (certificates == 0) return "no PEM certificate found";
  return std::nullopt;
}

std::optional<std::string> check_certificate(std::string_view pem) {
  clear_errors_on_exit clear;
  if (!read_certificate(pem)) return "not a PEM certificate";
  return std::nullopt;
}

std::optional<std::string> check_private_key(std::string_view pem) {
  clear_errors_on_exit clear;
  if (pem.find("ENCRYPTED") != std::string_view::npos) return "encrypted private keys are not supported";
  if (!read_key(pem)) return "not a PEM private key";
  return std::nullopt;
}

bool key_matches_certificate(std::string_view cert_pem, std::string_view key_pem) {
  clear_errors_on_exit clear;
  auto cert = read_certificate(cert_pem);
  auto key = read_key(key_pem);
  return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}

}  // namespace rolloutd::kube
