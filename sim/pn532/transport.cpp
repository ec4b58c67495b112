#include "sim/pn532/transport.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <thread>

namespace tapbench::sim::pn532 {

Sleeper real_sleeper() {
  return [](std::chrono::nanoseconds d) {
    if (d.count() > 0) std::this_thread::sleep_for(d);
  };
}

std::chrono::nanoseconds uart_time(std::size_t bytes, unsigned baud) {
  if (baud == 0) return std::chrono::nanoseconds{0};
  return std::chrono::nanoseconds{static_cast<std::int64_t>(bytes) * 10 * 1'000'000'000LL / baud};
}

std::chrono::nanoseconds air_time_106(std::size_t command_bytes, std::size_t response_bytes) {
  // 1 PCB + 2 CRC per I-block, 9 bits per byte (parity), 1/106 kbit/s per bit (≈9.44 µs), plus a frame
  // delay time of 1172/fc (≈86.4 µs) before each answer and a ~100 µs reader turnaround.
  constexpr double bit_ns = 1e9 / 105'938.0;
  const double bits = 9.0 * static_cast<double>(command_bytes + 3 + response_bytes + 3);
  return std::chrono::nanoseconds{static_cast<std::int64_t>(bits * bit_ns + 86'400 + 100'000)};
}

FdTransport::FdTransport(int fd, int keep_open_fd) : fd_(fd), keep_open_fd_(keep_open_fd) {
  const int flags = ::fcntl(fd_, F_GETFL);
  ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

FdTransport::~FdTransport() {
  if (fd_ >= 0) ::close(fd_);
  if (keep_open_fd_ >= 0) ::close(keep_open_fd_);
}

bool FdTransport::read(std::vector<std::uint8_t>& out, std::chrono::milliseconds timeout) {
  out.clear();
  pollfd p{fd_, POLLIN, 0};
  const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (r < 0) return errno == EINTR;
  if (r == 0) return true;
  if (p.revents & (POLLERR | POLLNVAL)) return false;
  std::uint8_t buf[512];
  const ssize_t n = ::read(fd_, buf, sizeof buf);
  if (n > 0) {
    out.assign(buf, buf + n);
    return true;
  }
  if (n == 0) return false;  // socketpair peer closed
  if (errno == EAGAIN || errno == EINTR) return true;
  if (errno == EIO) {  // pty without any open slave: wait instead of spinning
    ::poll(nullptr, 0, static_cast<int>(timeout.count()));
    return true;
  }
  return false;
}

void FdTransport::pace_received(std::size_t bytes) const {
  if (baud_ && sleeper_) sleeper_(uart_time(bytes, baud_));
}

bool FdTransport::write(std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  // Paced: 16-byte bursts, each written once its wire time has passed, so a reader sees bytes trickle in —
  // and sees the last byte only after the whole frame's time was spent (nothing is accounted after the
  // reader already has the answer).
  const std::size_t burst = baud_ ? 16 : bytes.size();
  while (done < bytes.size()) {
    const std::size_t n = std::min(burst, bytes.size() - done);
    if (baud_ && sleeper_) sleeper_(uart_time(n, baud_));
    std::size_t sent = 0;
    while (sent < n) {
      const ssize_t w = ::write(fd_, bytes.data() + done + sent, n - sent);
      if (w > 0) {
        sent += static_cast<std::size_t>(w);
        continue;
      }
      if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, 1000) <= 0) return false;  // nobody drains the line: drop like a UART would
        continue;
      }
      return false;
    }
    done += n;
  }
  return true;
}

Pty open_pty() {
  Pty pty;
  pty.master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty.master < 0) throw std::system_error(errno, std::generic_category(), "posix_openpt");
  if (::grantpt(pty.master) != 0 || ::unlockpt(pty.master) != 0)
    throw std::system_error(errno, std::generic_category(), "grantpt/unlockpt");
  char name[128];
  if (::ptsname_r(pty.master, name, sizeof name) != 0)
    throw std::system_error(errno, std::generic_category(), "ptsname_r");
  pty.slave_path = name;
  pty.slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty.slave < 0) throw std::system_error(errno, std::generic_category(), "open " + pty.slave_path);
  // Raw mode before any host opens it: no echo, no line discipline, 8 bit.
  termios t{};
  ::tcgetattr(pty.slave, &t);
  ::cfmakeraw(&t);
  ::cfsetspeed(&t, B115200);
  ::tcsetattr(pty.slave, TCSANOW, &t);
  return pty;
}

void make_symlink(const std::string& target, const std::string& link) {
  struct stat st {};
  if (::lstat(link.c_str(), &st) == 0) {
    if (!S_ISLNK(st.st_mode))
      throw std::system_error(EEXIST, std::generic_category(), link + " exists and is not a symlink");
    ::unlink(link.c_str());
  }
  if (::symlink(target.c_str(), link.c_str()) != 0)
    throw std::system_error(errno, std::generic_category(), "symlink " + link);
}

}  // namespace tapbench::sim::pn532
