#include "protocol/clock/clock.hpp"

namespace tapbench {

const RealClock& RealClock::instance() {
  static const RealClock clock;
  return clock;
}

ManualClock::ManualClock() : ManualClock(from_unix_seconds(1767225600)) {}  // 2026-01-01T00:00:00Z

ManualClock::ManualClock(SystemTime start) : monotonic_(std::chrono::hours{1}), system_(start) {}

MonotonicTime ManualClock::monotonic_now() const {
  std::lock_guard lock(mutex_);
  return monotonic_;
}

SystemTime ManualClock::system_now() const {
  std::lock_guard lock(mutex_);
  return system_;
}

void ManualClock::advance(std::chrono::nanoseconds by) {
  std::lock_guard lock(mutex_);
  monotonic_ += by;
  system_ += std::chrono::duration_cast<SystemTime::duration>(by);
}

void ManualClock::step_system(std::chrono::nanoseconds by) {
  std::lock_guard lock(mutex_);
  system_ += std::chrono::duration_cast<SystemTime::duration>(by);
}

}  // namespace tapbench
