#include "sim/clock/sim_clock.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

namespace tapbench::sim {

namespace {

constexpr char kMagic[8] = {'T', 'B', 'S', 'I', 'M', 'C', 'L', 'K'};
constexpr std::uint64_t kVersion = 1;

struct ClockFileLayout {
  char magic[8];
  std::uint64_t version;
  std::atomic<std::int64_t> seq;  // seqlock: odd while a writer is between begin and end
  std::atomic<std::int64_t> offset_ns;
  std::atomic<std::int64_t> frozen;
  std::atomic<std::int64_t> frozen_steady_ns;
  std::atomic<std::int64_t> frozen_system_ns;
};
static_assert(std::atomic<std::int64_t>::is_always_lock_free, "the fields must be lock-free to be shared");
static_assert(sizeof(ClockFileLayout) == 56);

ClockFileLayout& layout(void* base) {
  return *static_cast<ClockFileLayout*>(base);
}

std::string errno_text() {
  return std::strerror(errno);
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
std::int64_t system_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Writes a fresh clock file next to `path` and links it into place; EEXIST (someone else won) is fine.
void create_if_missing(const std::filesystem::path& path) {
  if (::access(path.c_str(), F_OK) == 0) return;
  std::random_device rd;
  const std::filesystem::path tmp =
      path.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw SimClockError("sim clock: cannot create '" + tmp.string() + "': " + errno_text());
  unsigned char bytes[sizeof(ClockFileLayout)] = {};
  std::memcpy(bytes, kMagic, sizeof kMagic);
  std::memcpy(bytes + 8, &kVersion, sizeof kVersion);
  const bool written =
      ::write(fd, bytes, sizeof bytes) == static_cast<ssize_t>(sizeof bytes) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    throw SimClockError("sim clock: cannot write '" + tmp.string() + "'");
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    throw SimClockError("sim clock: cannot create '" + path.string() + "': " + std::strerror(link_errno));
  }
}

}  // namespace

namespace detail {

ClockFileMapping::ClockFileMapping(const std::filesystem::path& path) : path_(path) {
  create_if_missing(path);
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw SimClockError("sim clock: cannot open '" + path.string() + "': " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size != static_cast<off_t>(sizeof(ClockFileLayout))) {
    ::close(fd);
    throw SimClockError("sim clock: '" + path.string() + "' is not a sim clock file (expected " +
                        std::to_string(sizeof(ClockFileLayout)) + " bytes)");
  }
  base_ = ::mmap(nullptr, sizeof(ClockFileLayout), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (base_ == MAP_FAILED) {
    base_ = nullptr;
    throw SimClockError("sim clock: cannot map '" + path.string() + "': " + errno_text());
  }
  std::uint64_t version = 0;
  std::memcpy(&version, &layout(base_).version, sizeof version);
  if (std::memcmp(layout(base_).magic, kMagic, sizeof kMagic) != 0 || version != kVersion) {
    ::munmap(base_, sizeof(ClockFileLayout));
    base_ = nullptr;
    throw SimClockError("sim clock: '" + path.string() + "' is not a sim clock file (bad magic or version)");
  }
}

ClockFileMapping::~ClockFileMapping() {
  if (base_ != nullptr) ::munmap(base_, sizeof(ClockFileLayout));
}

ClockFileMapping::Snapshot ClockFileMapping::read() const {
  ClockFileLayout& l = layout(base_);
  for (;;) {
    const std::int64_t s1 = l.seq.load(std::memory_order_acquire);
    if (s1 % 2 == 0) {
      Snapshot s;
      s.offset_ns = l.offset_ns.load(std::memory_order_relaxed);
      s.frozen = l.frozen.load(std::memory_order_relaxed) != 0;
      s.frozen_steady_ns = l.frozen_steady_ns.load(std::memory_order_relaxed);
      s.frozen_system_ns = l.frozen_system_ns.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (l.seq.load(std::memory_order_relaxed) == s1) return s;
    }
    std::this_thread::yield();  // a writer is between its two stores (a few instructions)
  }
}

void ClockFileMapping::update(const std::function<void(Snapshot&)>& change) {
  ClockFileLayout& l = layout(base_);
  std::int64_t seq = l.seq.load(std::memory_order_relaxed);
  for (;;) {
    if (seq % 2 == 0 && l.seq.compare_exchange_weak(seq, seq + 1, std::memory_order_acquire)) break;
    std::this_thread::yield();
    seq = l.seq.load(std::memory_order_relaxed);
  }
  std::atomic_thread_fence(std::memory_order_release);
  Snapshot s;
  s.offset_ns = l.offset_ns.load(std::memory_order_relaxed);
  s.frozen = l.frozen.load(std::memory_order_relaxed) != 0;
  s.frozen_steady_ns = l.frozen_steady_ns.load(std::memory_order_relaxed);
  s.frozen_system_ns = l.frozen_system_ns.load(std::memory_order_relaxed);
  try {
    change(s);
  } catch (...) {
    l.seq.store(seq + 2, std::memory_order_release);
    throw;
  }
  l.offset_ns.store(s.offset_ns, std::memory_order_relaxed);
  l.frozen.store(s.frozen ? 1 : 0, std::memory_order_relaxed);
  l.frozen_steady_ns.store(s.frozen_steady_ns, std::memory_order_relaxed);
  l.frozen_system_ns.store(s.frozen_system_ns, std::memory_order_relaxed);
  l.seq.store(seq + 2, std::memory_order_release);
}

}  // namespace detail

SimClock::SimClock(const std::filesystem::path& path) : map_(path) {}

MonotonicTime SimClock::monotonic_now() const {
  const auto s = map_.read();
  const std::int64_t base = s.frozen ? s.frozen_steady_ns : steady_ns();
  return MonotonicTime{std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::nanoseconds{base + s.offset_ns})};
}

SystemTime SimClock::system_now() const {
  const auto s = map_.read();
  const std::int64_t base = s.frozen ? s.frozen_system_ns : system_ns();
  return SystemTime{std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::nanoseconds{base + s.offset_ns})};
}

std::chrono::nanoseconds SimClock::offset() const {
  return std::chrono::nanoseconds{map_.read().offset_ns};
}

bool SimClock::frozen() const {
  return map_.read().frozen;
}

SimClockController::SimClockController(const std::filesystem::path& path) : map_(path) {}

void SimClockController::advance(std::chrono::nanoseconds by) {
  if (by < std::chrono::nanoseconds::zero())
    throw std::invalid_argument("sim clock: time only moves forward (advance by a negative amount)");
  map_.update([&](detail::ClockFileMapping::Snapshot& s) { s.offset_ns += by.count(); });
}

void SimClockController::freeze() {
  map_.update([](detail::ClockFileMapping::Snapshot& s) {
    if (s.frozen) return;
    s.frozen = true;
    s.frozen_steady_ns = steady_ns();
    s.frozen_system_ns = system_ns();
  });
}

void SimClockController::resume() {
  map_.update([](detail::ClockFileMapping::Snapshot& s) {
    if (!s.frozen) return;
    // Continue from the frozen instant: the real time that passed while frozen is taken off the offset.
    s.offset_ns -= steady_ns() - s.frozen_steady_ns;
    s.frozen = false;
  });
}

bool SimClockController::frozen() const {
  return map_.read().frozen;
}

std::chrono::nanoseconds SimClockController::offset() const {
  return std::chrono::nanoseconds{map_.read().offset_ns};
}

}  // namespace tapbench::sim
