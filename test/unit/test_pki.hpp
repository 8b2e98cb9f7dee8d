#pragma once

// Throwaway certificates made at test time with OpenSSL, so TLS tests need no checked-in keys:
// a CA, and leaf certificates it signs with chosen DNS and IP subject alternative names.

#include <string>
#include <vector>

namespace rolloutd::testing {

struct pem_pair {
  std::string cert;
  std::string key;
};

class test_ca {
 public:
  explicit test_ca(const std::string& common_name);

  [[nodiscard]] const pem_pair& pem() const { return ca_; }
  // A certificate for server and client authentication carrying these SANs.
  [[nodiscard]] pem_pair issue(const std::string& common_name, const std::vector<std::string>& dns_names,
                               const std::vector<std::string>& ip_addresses);

 private:
  pem_pair ca_;
  long next_serial_ = 2;
};

}  // namespace rolloutd::testing
