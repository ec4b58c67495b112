#include "server/api/rate_limiter.hpp"

namespace tapbench::server {

namespace {
constexpr std::size_t kMaxClients = 10000;
}  // namespace

long TokenFailureLimiter::retry_after(const std::string& client) {
  std::lock_guard lock(mutex_);
  const auto it = windows_.find(client);
  if (it == windows_.end()) return 0;
  const MonotonicTime now = clock_.monotonic_now();
  if (now >= it->second.start + window_) {
    windows_.erase(it);
    return 0;
  }
  if (it->second.failures < limit_) return 0;
  const auto left = std::chrono::ceil<std::chrono::seconds>(it->second.start + window_ - now);
  return static_cast<long>(left.count());
}

void TokenFailureLimiter::failure(const std::string& client) {
  std::lock_guard lock(mutex_);
  const MonotonicTime now = clock_.monotonic_now();
  if (windows_.size() >= kMaxClients) {  // bounded memory: drop finished windows
    for (auto it = windows_.begin(); it != windows_.end();) {
      it = now >= it->second.start + window_ ? windows_.erase(it) : std::next(it);
    }
  }
  Window& w = windows_[client];
  if (w.failures == 0 || now >= w.start + window_) w = Window{now, 0};
  ++w.failures;
}

}  // namespace tapbench::server
