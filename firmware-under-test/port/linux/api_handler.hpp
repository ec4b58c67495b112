// An HTTP/JSON route set served on printerd's IPP port next to IPP (PAPPL resource callbacks). The IPP side
// only knows this interface; ControlApi (control_api.hpp) implements it over the printer core.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "firmware-under-test/port/linux/print_authority.hpp"

namespace tapbench::firmware::port {

struct ApiRequest {
  std::string method;         // "GET", "POST", "DELETE"
  std::string path;           // "/tapbench/api/pt"
  std::string authorization;  // the Authorization header as received ("" if none)
  std::string body;           // request body (JSON or empty)
  Peer peer;                  // address; user is filled from Basic by the handler
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON
};

class ApiHandler {
 public:
  virtual ~ApiHandler() = default;
  virtual ApiResponse handle(ApiRequest request) = 0;
  // The routes (PAPPL registers resources by exact path).
  virtual std::vector<std::string> routes() const = 0;
  // Largest request body accepted (a larger one is answered 413 without being kept).
  static constexpr std::size_t kMaxBody = 16 * 1024;
};

}  // namespace tapbench::firmware::port
