// The bench's simulated time, shared across processes (Envoy's SimulatedTimeSystem, but through a file):
// a SimClock reads "real time + offset", where the offset lives in a small mmap'd file that the rig
// advances with a SimClockController. printerd and vendord started with `--sim-clock FILE` and the rig's
// cases then see the same jump at once, so a token lifetime is tested exactly at its boundary
// (advance TTL - 1 ms → accepted, 1 ms more → refused) without waiting. See docs/SIM-CLOCK.md.
//
// The clock can also be frozen: then real time stops counting and only advance() moves it, which makes a
// boundary exact (a real millisecond passing between two requests would otherwise blur it).
//
// File layout (56 bytes, native endianness, machine-local): 8-byte magic "TBSIMCLK", uint64 version 1, then
// lock-free std::atomic<int64>s in the shared mapping: a sequence counter (a seqlock: odd while a controller
// writes), the offset in nanoseconds, a frozen flag, and the frozen instants (steady and system, ns).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
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

  struct Snapshot {
    std::int64_t offset_ns = 0;
    bool frozen = false;
    std::int64_t frozen_steady_ns = 0;  // steady_clock (CLOCK_MONOTONIC, machine-wide) when frozen
    std::int64_t frozen_system_ns = 0;
  };
  // A consistent read (retries while a writer is busy).
  Snapshot read() const;
  // Serialised read-modify-write of the fields (writers exclude each other across processes).
  void update(const std::function<void(Snapshot&)>& change);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  void* base_ = nullptr;
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
  bool frozen() const;

 private:
  detail::ClockFileMapping map_;
};

// The rig's handle on the same file: moves every SimClock on it forward.
class SimClockController {
 public:
  explicit SimClockController(const std::filesystem::path& path);

  // Forward only (monotonic time never goes back): std::invalid_argument for a negative step.
  void advance(std::chrono::nanoseconds by);
  // Stops real time from counting (every SimClock on the file reads the same instant until advanced) /
  // lets it count again from the frozen instant (time never jumps back). Both idempotent.
  void freeze();
  void resume();
  bool frozen() const;
  std::chrono::nanoseconds offset() const;
  const std::filesystem::path& path() const { return map_.path(); }

 private:
  detail::ClockFileMapping map_;
};

}  // namespace tapbench::sim
