// How an HTTPS client (server::HttpClient, the rig's load case) decides whether to trust the server it
// reached (docs/BENCH.md, "TLS"): a vendor server by its certificate chain (the system CA store or a CA file
// the bench names) and host name; a printer, whose certificate is self-signed (PAPPL/libcups make one at the
// first handshake), by trust on first use: the first certificate of a run is pinned by its SHA-256 and any
// other one is refused. OpenSSL underneath (Boost.Asio's ssl::context); one context per trust, shared by
// every connection made with it.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

using SSL = struct ssl_st;

namespace tapbench::server {

// A certificate the pin does not allow (the printer's certificate changed during the run, or is not the one
// the bench pinned). The message names both fingerprints; it is the client's refusal, not a transport
// hiccup.
class TlsPinError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// SHA-256 over a certificate's DER encoding as `openssl x509 -noout -fingerprint -sha256` prints it:
// "AB:CD:…" (32 upper-case hex bytes joined by ':').
std::string sha256_fingerprint(const unsigned char* der, std::size_t size);
// A fingerprint as a user writes it (hex, with or without ':', any case, an optional "sha256:" prefix) in the
// form above; nullopt when it is not 32 bytes of hex.
std::optional<std::string> normalise_fingerprint(std::string_view text);

// Trust on first use (as ssh's known_hosts, for one run): thread-safe.
class CertificatePin {
 public:
  // `what` names the peer in errors ("printer"); `pinned` a fingerprint known up front (the bench's
  // printer-cert-sha256), in normalise_fingerprint()'s form.
  explicit CertificatePin(std::string what, std::optional<std::string> pinned = std::nullopt);
  // Pins `fingerprint` when nothing is pinned yet; TlsPinError when another one is.
  void check(const std::string& fingerprint);
  std::optional<std::string> pinned() const;

 private:
  std::string what_;
  bool from_bench_ = false;
  mutable std::mutex mu_;
  std::optional<std::string> pinned_;
};

class TlsTrust {
 public:
  // The server's chain against the system CA store (OpenSSL's default paths), or against the CA
  // certificates in `ca_file` (PEM) when it is not empty, and its name against the host connected to.
  // std::invalid_argument when `ca_file` cannot be read.
  static std::shared_ptr<const TlsTrust> ca(const std::string& ca_file = {});
  // The system CA store, built once per process.
  static std::shared_ptr<const TlsTrust> system();
  // No chain or name check: the certificate's fingerprint against `pin` (trust on first use).
  static std::shared_ptr<const TlsTrust> pinned(std::shared_ptr<CertificatePin> pin);

  boost::asio::ssl::context& context() const { return *context_; }
  // Before the handshake with `host`: SNI (for a name; RFC 6066 has none for an address) and, for CA trust,
  // the name or address the certificate must carry.
  void prepare(SSL* ssl, const std::string& host) const;
  // After the handshake: the pin's verdict (TlsPinError); CA trust was checked by OpenSSL during it.
  void check_peer(SSL* ssl) const;
  // A failed handshake in words: OpenSSL's verification result when that is what failed.
  std::string explain(SSL* ssl, const std::string& error) const;

 private:
  explicit TlsTrust(std::string description);
  std::string description_;  // "the system CA store", "CA file X", "the printer's pinned certificate"
  std::shared_ptr<CertificatePin> pin_;
  std::unique_ptr<boost::asio::ssl::context> context_;
};

}  // namespace tapbench::server
