// The API's error model: a stable machine-readable code, an HTTP status, a human message. Every refusal is
// raised before anything is written, or inside a store transaction that rolls back.
#pragma once

#include <stdexcept>
#include <string>

namespace tapbench::server {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  // Refusals of a presented token count towards the per-client failure rate limit.
  bool token_refusal() const { return code_.rfind("token_", 0) == 0; }

 private:
  int status_;
  std::string code_;
};

}  // namespace tapbench::server
