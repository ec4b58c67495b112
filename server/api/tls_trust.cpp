#include "server/api/tls_trust.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <fstream>

namespace tapbench::server {

namespace ssl = boost::asio::ssl;

std::string sha256_fingerprint(const unsigned char* der, std::size_t size) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(der, size, md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(len * 3);
  for (unsigned int i = 0; i < len; ++i) {
    if (i != 0) out.push_back(':');
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xF]);
  }
  return out;
}

std::optional<std::string> normalise_fingerprint(std::string_view text) {
  if (text.size() > 7) {
    std::string prefix(text.substr(0, 7));
    for (char& c : prefix)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (prefix == "sha256:") text.remove_prefix(7);
  }
  std::string hex;
  for (char c : text) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    hex.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (hex.size() != 64) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i != 0) out.push_back(':');
    out.append(hex, i, 2);
  }
  return out;
}

CertificatePin::CertificatePin(std::string what, std::optional<std::string> pinned)
    : what_(std::move(what)), from_bench_(pinned.has_value()), pinned_(std::move(pinned)) {}

void CertificatePin::check(const std::string& fingerprint) {
  std::lock_guard lk(mu_);
  if (!pinned_) {
    pinned_ = fingerprint;
    return;
  }
  if (*pinned_ == fingerprint) return;
  throw TlsPinError("the " + what_ + "'s TLS certificate is not the one " +
                    (from_bench_ ? std::string("the bench pins (printer-cert-sha256)")
                                 : "pinned at the run's first TLS connection to it") +
                    ": refused (sha256 " + fingerprint + ", pinned " + *pinned_ +
                    "); the device was replaced or reset, or someone is between the rig and it");
}

std::optional<std::string> CertificatePin::pinned() const {
  std::lock_guard lk(mu_);
  return pinned_;
}

TlsTrust::TlsTrust(std::string description)
    : description_(std::move(description)),
      context_(std::make_unique<ssl::context>(ssl::context::tls_client)) {
  SSL_CTX_set_min_proto_version(context_->native_handle(), TLS1_2_VERSION);
}

std::shared_ptr<const TlsTrust> TlsTrust::ca(const std::string& ca_file) {
  std::shared_ptr<TlsTrust> t(new TlsTrust(ca_file.empty() ? "the system CA store" : "CA file " + ca_file));
  boost::system::error_code ec;
  if (ca_file.empty()) {
    t->context_->set_default_verify_paths(ec);
  } else {
    if (!std::ifstream(ca_file).good())
      throw std::invalid_argument("CA file '" + ca_file + "' cannot be read");
    t->context_->load_verify_file(ca_file, ec);
  }
  if (ec) throw std::invalid_argument("cannot load " + t->description_ + ": " + ec.message());
  t->context_->set_verify_mode(ssl::verify_peer);
  return t;
}

std::shared_ptr<const TlsTrust> TlsTrust::system() {
  static const std::shared_ptr<const TlsTrust> trust = ca();
  return trust;
}

std::shared_ptr<const TlsTrust> TlsTrust::pinned(std::shared_ptr<CertificatePin> pin) {
  std::shared_ptr<TlsTrust> t(new TlsTrust("a pinned certificate"));
  t->pin_ = std::move(pin);
  t->context_->set_verify_mode(ssl::verify_none);  // self-signed: the fingerprint decides (check_peer)
  return t;
}

void TlsTrust::prepare(SSL* ssl, const std::string& host) const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  const bool is_address = !ec.failed();
  if (!is_address) SSL_set_tlsext_host_name(ssl, host.c_str());
  if (pin_) return;
  if (is_address) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  } else {
    SSL_set1_host(ssl, host.c_str());
  }
}

void TlsTrust::check_peer(SSL* ssl) const {
  if (!pin_) return;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) throw TlsPinError("the peer presented no TLS certificate");
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  X509_free(cert);
  if (len <= 0) throw TlsPinError("the peer's TLS certificate cannot be encoded");
  const std::string fp = sha256_fingerprint(der, static_cast<std::size_t>(len));
  OPENSSL_free(der);
  pin_->check(fp);
}

std::string TlsTrust::explain(SSL* ssl, const std::string& error) const {
  const long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (!pin_ && verify != X509_V_OK) {
    return "TLS certificate not trusted (" + std::string(X509_verify_cert_error_string(verify)) +
           ", checked against " + description_ + ")";
  }
  return "TLS handshake failed: " + error;
}

}  // namespace tapbench::server
