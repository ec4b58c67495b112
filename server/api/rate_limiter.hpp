// Per-client cap on refused token presentations (unknown, expired, replayed, malformed): after `limit`
// refusals within a window (60 s by default) the client gets 429 until the window is over. Guessing a 256-bit
// token is hopeless anyway; this keeps scanners and broken clients from hammering the store. Monotonic time
// from the injected Clock.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "protocol/clock/clock.hpp"

namespace tapbench::server {

class TokenFailureLimiter {
 public:
  TokenFailureLimiter(const Clock& clock, int limit, std::chrono::seconds window = std::chrono::seconds{60})
      : clock_(clock), limit_(limit), window_(window) {}

  // Seconds until the client may try again, or 0 if it may now.
  long retry_after(const std::string& client);
  void failure(const std::string& client);

 private:
  struct Window {
    MonotonicTime start{};
    int failures = 0;
  };
  const Clock& clock_;
  int limit_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace tapbench::server
