// Generation of the CA and serving certificate with the OpenSSL 3 API.
#include "tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace kubesim {

namespace {

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(ASN1_INTEGER* p) const { ASN1_INTEGER_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Deleter>;

[[noreturn]] void fail(const char* step) {
  unsigned long code = ERR_get_error();
  char text[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  throw std::runtime_error(std::string("generating TLS material: ") + step + " failed: " + text);
}

void check(int ok, const char* step) {
  if (ok != 1) fail(step);
}

Owned<EVP_PKEY> newKey() {
  Owned<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) fail("EC key generation");
  return key;
}

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) fail("certificate extension");
  check(X509_add_ext(cert, ext.get(), -1), "adding certificate extension");
}

Owned<X509> newCertificate(const std::string& commonName, EVP_PKEY* key) {
  Owned<X509> cert(X509_new());
  if (!cert) fail("X509_new");
  check(X509_set_version(cert.get(), 2), "X509_set_version");
  unsigned char serialBytes[16];
  check(RAND_bytes(serialBytes, sizeof serialBytes), "RAND_bytes");
  serialBytes[0] &= 0x7F;  // a positive serial number
  Owned<BIGNUM> serial(BN_bin2bn(serialBytes, sizeof serialBytes, nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) fail("serial number");
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600))
    fail("validity period");
  check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0),
        "subject name");
  return cert;
}

std::string pem(X509* cert) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string pem(EVP_PKEY* key) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

TlsMaterial generateTlsMaterial(const std::vector<std::string>& dnsNames,
                                const std::vector<std::string>& ipAddresses) {
  Owned<EVP_PKEY> caKey = newKey();
  Owned<X509> ca = newCertificate("kubesim-ca", caKey.get());
  check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())), "CA issuer");
  addExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  addExtension(ca.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign");
  addExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(ca.get(), caKey.get(), EVP_sha256()) == 0) fail("signing the CA certificate");

  Owned<EVP_PKEY> serverKey = newKey();
  Owned<X509> server = newCertificate("kube-apiserver", serverKey.get());
  check(X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get())), "server issuer");
  std::string san;
  for (const std::string& dns : dnsNames)
    san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  for (const std::string& ip : ipAddresses)
    san += (san.empty() ? "IP:" : ",IP:") + ip;
  addExtension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  addExtension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
  addExtension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  addExtension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  if (!san.empty()) addExtension(server.get(), ca.get(), NID_subject_alt_name, san);
  if (X509_sign(server.get(), caKey.get(), EVP_sha256()) == 0) fail("signing the serving certificate");

  return TlsMaterial{pem(ca.get()), pem(server.get()), pem(serverKey.get())};
}

}  // namespace kubesim
