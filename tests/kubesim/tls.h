// TLS material generated at start: a throwaway CA and a serving certificate it signs, so kubectl can verify
// the server through the kubeconfig's certificate-authority-data like on any cluster. ECDSA P-256 keys: they
// take microseconds to generate, where RSA would cost a noticeable share of the startup budget.
#pragma once

#include <string>
#include <vector>

namespace kubesim {

struct TlsMaterial {
  std::string caCertPem;
  std::string serverCertPem;
  std::string serverKeyPem;
};

// A CA ("kubesim-ca") and a serving certificate for `dnsNames` and `ipAddresses` (subjectAltName), valid from
// an hour ago for a year. Throws std::runtime_error naming the OpenSSL step that failed.
TlsMaterial generateTlsMaterial(const std::vector<std::string>& dnsNames,
                                const std::vector<std::string>& ipAddresses);

}  // namespace kubesim
