// The bench's simulated time, shared across processes (Envoy's SimulatedTimeSystem, but through a file):
// a SimClock reads "real time + offset", where the offset lives in a small mmap'd file that the rig
// advances with a SimClockController. printerd and vendord started with `--sim-clock FILE` and the rig's
// cases then see the same jump at once, so a token lifetime is tested exactly at its boundary
// (advance TTL - 1 ms → accepted, 1 ms more → refused) without waiting. See docs/SIM-CLOCK.md.
//
// File layout (24 bytes, native endianness, machine-local): 8-byte magic "TBSIMCLK", uint64 version 1,
// int64 offset in nanoseconds (read and written as a lock-free std::atomic in the shared mapping).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "protocol/clock/clock.hpp"

namespace tapbench::sim {

class SimClockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
// One shared mapping of a clock file. Opens the file, creating it (offset 0) when it does not exist yet;
// the creation is atomic (written aside, then hard-linked into place), so concurrent openers agree.
class ClockFileMapping {
 public:
  explicit ClockFileMapping(const std::filesystem::path& path);
  ~ClockFileMapping();
  ClockFileMapping(const ClockFileMapping&) = delete;
  ClockFileMapping& operator=(const ClockFileMapping&) = delete;

  std::atomic<std::int64_t>& offset() const { return *offset_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  void* base_ = nullptr;
  std::atomic<std::int64_t>* offset_ = nullptr;
};
}  // namespace detail

// What printerd and vendord run on with --sim-clock: both time lines are the machine's plus the file's
// offset. Thread-safe; throws SimClockError from the constructor on a file that is not a clock file.
class SimClock final : public Clock {
 public:
  explicit SimClock(const std::filesystem::path& path);

  MonotonicTime monotonic_now() const override;
  SystemTime system_now() const override;
  std::chrono::nanoseconds offset() const;

 private:
  detail::ClockFileMapping map_;
};

// The rig's handle on the same file: moves every SimClock on it forward.
class SimClockController {
 public:
  explicit SimClockController(const std::filesystem::path& path);

  // Forward only (monotonic time never goes back): std::invalid_argument for a negative step.
  void advance(std::chrono::nanoseconds by);
  std::chrono::nanoseconds offset() const;
  const std::filesystem::path& path() const { return map_.path(); }

 private:
  detail::ClockFileMapping map_;
};

}  // namespace tapbench::sim
