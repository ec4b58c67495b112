#include "sim/clock/sim_clock.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace tapbench::sim {

namespace {

constexpr char kMagic[8] = {'T', 'B', 'S', 'I', 'M', 'C', 'L', 'K'};
constexpr std::uint64_t kVersion = 1;

struct ClockFileLayout {
  char magic[8];
  std::uint64_t version;
  std::atomic<std::int64_t> offset_ns;
};
static_assert(std::atomic<std::int64_t>::is_always_lock_free, "the offset must be lock-free to be shared");
static_assert(sizeof(ClockFileLayout) == 24);

std::string errno_text() {
  return std::strerror(errno);
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
  auto* layout = static_cast<ClockFileLayout*>(base_);
  std::uint64_t version = 0;
  std::memcpy(&version, &layout->version, sizeof version);
  if (std::memcmp(layout->magic, kMagic, sizeof kMagic) != 0 || version != kVersion) {
    ::munmap(base_, sizeof(ClockFileLayout));
    base_ = nullptr;
    throw SimClockError("sim clock: '" + path.string() + "' is not a sim clock file (bad magic or version)");
  }
  offset_ = &layout->offset_ns;
}

ClockFileMapping::~ClockFileMapping() {
  if (base_ != nullptr) ::munmap(base_, sizeof(ClockFileLayout));
}

}  // namespace detail

SimClock::SimClock(const std::filesystem::path& path) : map_(path) {}

MonotonicTime SimClock::monotonic_now() const {
  return std::chrono::steady_clock::now() + offset();
}

SystemTime SimClock::system_now() const {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(offset());
}

std::chrono::nanoseconds SimClock::offset() const {
  return std::chrono::nanoseconds{map_.offset().load(std::memory_order_acquire)};
}

SimClockController::SimClockController(const std::filesystem::path& path) : map_(path) {}

void SimClockController::advance(std::chrono::nanoseconds by) {
  if (by < std::chrono::nanoseconds::zero())
    throw std::invalid_argument("sim clock: time only moves forward (advance by a negative amount)");
  map_.offset().fetch_add(by.count(), std::memory_order_acq_rel);
}

std::chrono::nanoseconds SimClockController::offset() const {
  return std::chrono::nanoseconds{map_.offset().load(std::memory_order_acquire)};
}

}  // namespace tapbench::sim
