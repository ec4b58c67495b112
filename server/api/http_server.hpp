// vendord's HTTP/1.1 server (Boost.Beast on Asio): keep-alive, request size limits, read and idle timeouts,
// N I/O threads. Hands every request to a Router; knows nothing about the API.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "server/api/router.hpp"
#include "server/service/config.hpp"

namespace tapbench::server {

class HttpServer {
 public:
  // Access log sink: one line per request, never containing the target's query or any token.
  using LogSink = std::function<void(const std::string&)>;

  HttpServer(Router& router, const HttpConfig& config, LogSink log = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (throws std::runtime_error with the address on failure), then serves on
  // config.threads threads until stop().
  void start();
  std::uint16_t port() const;  // the bound port (useful with ":0")
  void stop();                 // idempotent; joins the threads

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "127.0.0.1:8080", "[::1]:0", ":8080" (all addresses) → host, port. Throws std::invalid_argument.
std::pair<std::string, std::uint16_t> parse_listen(const std::string& addr);

}  // namespace tapbench::server
