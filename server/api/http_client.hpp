// A small blocking HTTP/1.1 client (Boost.Beast) for vendord's API: used by the tests and usable by the rig's
// terminal role. One keep-alive connection; every operation (connect, TLS handshake, write, read) bounded by
// the timeout; no automatic retries (the caller decides whether a lost response is retried: single-use tokens
// make that safe to test). https:// when given a TlsTrust (tls_trust.hpp), plain http:// otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tapbench::server {

class TlsTrust;

class HttpClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ClientResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

class HttpClient {
 public:
  // `tls` null: plain HTTP; else TLS verified by that trust.
  HttpClient(std::string host, std::uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds{5},
             std::shared_ptr<const TlsTrust> tls = nullptr);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Throws HttpClientError when the server cannot be reached or the exchange fails or times out.
  ClientResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                         const std::vector<std::pair<std::string, std::string>>& headers = {});
  ClientResponse get(const std::string& target, const std::string& bearer = {});
  ClientResponse post_json(const std::string& target, const std::string& json,
                           const std::string& bearer = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tapbench::server
