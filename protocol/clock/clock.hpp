// Injected time, after Envoy's TimeSource: production code asks a Clock, never std::chrono directly, so that
// token lifetimes can be tested exactly at their boundaries with a ManualClock (no wall-clock sleeps).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace tapbench {

using MonotonicTime = std::chrono::steady_clock::time_point;
using SystemTime = std::chrono::system_clock::time_point;

// Read-only source of time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // For intervals and in-process deadlines (never jumps).
  virtual MonotonicTime monotonic_now() const = 0;
  // Wall time: for anything persisted (expiry stamps in a database survive a restart).
  virtual SystemTime system_now() const = 0;
};

// The real clocks of the machine.
class RealClock final : public Clock {
 public:
  MonotonicTime monotonic_now() const override { return std::chrono::steady_clock::now(); }
  SystemTime system_now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance for code that has nothing better injected.
  static const RealClock& instance();
};

// A clock that moves only when told to. Both time lines advance together.
class ManualClock final : public Clock {
 public:
  // Starts at a fixed, recognisable instant (2026-01-01T00:00:00Z) unless given one.
  ManualClock();
  explicit ManualClock(SystemTime start);

  MonotonicTime monotonic_now() const override;
  SystemTime system_now() const override;

  void advance(std::chrono::nanoseconds by);
  // Moves wall time only (an NTP step); monotonic time is unaffected. Negative steps are allowed.
  void step_system(std::chrono::nanoseconds by);

 private:
  mutable std::mutex mutex_;
  MonotonicTime monotonic_;
  SystemTime system_;
};

// Unix seconds of a wall-time instant (what stores and wire formats carry).
inline std::int64_t to_unix_seconds(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline SystemTime from_unix_seconds(std::int64_t s) {
  return SystemTime{std::chrono::seconds{s}};
}

}  // namespace tapbench
