// One client connection for Boost.Beast, plain TCP (http://) or TLS over it (https://, OpenSSL through
// Beast's ssl_stream), with the same bounded operations either way: TCP connect, then — for TLS — the
// handshake with SNI and the trust's verdict (tls_trust.hpp). Used by server::HttpClient and the rig's load
// case, which drive it on their own io_context. A plain connection pays nothing for TLS.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "server/api/tls_trust.hpp"

namespace tapbench::server {

class ClientStream {
 public:
  // `trust` null: plain TCP.
  ClientStream(boost::asio::io_context& ioc, std::shared_ptr<const TlsTrust> trust)
      : trust_(std::move(trust)) {
    if (trust_) {
      tls_.emplace(ioc, trust_->context());
    } else {
      plain_.emplace(ioc);
    }
  }

  bool tls() const { return trust_ != nullptr; }
  boost::beast::tcp_stream& tcp() { return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_; }

  // f(stream) with the stream HTTP is written to and read from.
  template <class F>
  decltype(auto) visit(F&& f) {
    if (tls_) return std::forward<F>(f)(*tls_);
    return std::forward<F>(f)(*plain_);
  }

  // After the TCP connect: the TLS handshake with `host` (SNI, name check for CA trust), then `done(ec)`;
  // for plain TCP `done` runs at once with no error. A refused pin or a failed handshake is an error whose
  // words failure() gives.
  template <class Done>
  void async_secure(const std::string& host, Done&& done) {
    if (!tls_) {
      done(boost::system::error_code{});
      return;
    }
    trust_->prepare(tls_->native_handle(), host);
    tls_->async_handshake(boost::asio::ssl::stream_base::client,
                          [this, done = std::forward<Done>(done)](boost::system::error_code ec) mutable {
                            if (ec) {
                              failure_ = trust_->explain(tls_->native_handle(), ec.message());
                            } else {
                              try {
                                trust_->check_peer(tls_->native_handle());
                              } catch (const TlsPinError& e) {
                                failure_ = e.what();
                                ec = boost::asio::error::access_denied;
                              }
                            }
                            done(ec);
                          });
  }

  // TCP connect to `to`, then async_secure(host): `done(ec)` after both (or the first failure).
  template <class Done>
  void async_connect(const boost::asio::ip::tcp::endpoint& to, const std::string& host, Done&& done) {
    tcp().async_connect(to,
                        [this, host, done = std::forward<Done>(done)](boost::system::error_code ec) mutable {
                          if (ec) {
                            done(ec);
                            return;
                          }
                          async_secure(host, std::move(done));
                        });
  }

  // What went wrong in async_secure (empty when it did not fail there).
  const std::string& failure() const { return failure_; }

 private:
  std::shared_ptr<const TlsTrust> trust_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  std::string failure_;
};

}  // namespace tapbench::server
