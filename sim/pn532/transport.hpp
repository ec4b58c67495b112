// The chip's end of the host interface: a pseudo-terminal whose slave side libnfc opens as a serial port
// (pn532_uart:PATH), or any byte-stream fd (a socketpair in unit tests). Optional pacing makes the emulated
// UART take the wall time a real one takes at the given baud rate (10 bit times per byte, 8N1).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace tapbench::sim::pn532 {

using Sleeper = std::function<void(std::chrono::nanoseconds)>;
Sleeper real_sleeper();

// Wall time of n bytes on an 8N1 UART at `baud` (0 = unpaced).
std::chrono::nanoseconds uart_time(std::size_t bytes, unsigned baud);
// Air time of an ISO/IEC 14443-A exchange at 106 kbit/s: both frames (data + PCB + CRC, 9 bits a byte)
// plus the frame delay time in each direction.
std::chrono::nanoseconds air_time_106(std::size_t command_bytes, std::size_t response_bytes);

class FdTransport {
 public:
  // Takes ownership of fd (made non-blocking). `keep_open_fd` (optional, owned) is closed with it.
  FdTransport(int fd, int keep_open_fd = -1);
  ~FdTransport();
  FdTransport(const FdTransport&) = delete;
  FdTransport& operator=(const FdTransport&) = delete;

  // Waits up to `timeout` for bytes; returns them (empty on timeout). Returns false if the fd is dead.
  bool read(std::vector<std::uint8_t>& out, std::chrono::milliseconds timeout);
  // Writes all bytes, paced if set; drops them (returns false) if the peer does not drain within 1 s.
  bool write(std::span<const std::uint8_t> bytes);
  void set_pacing(unsigned baud, Sleeper sleeper) {
    baud_ = baud;
    sleeper_ = std::move(sleeper);
  }
  unsigned baud() const { return baud_; }
  void pace_received(std::size_t bytes) const;
  int fd() const { return fd_; }

 private:
  int fd_;
  int keep_open_fd_;
  unsigned baud_ = 0;
  Sleeper sleeper_;
};

struct Pty {
  int master = -1;
  int slave = -1;  // kept open by the emulator so a host closing its side never hangs up the master
  std::string slave_path;
};
// Creates a raw-mode pty. Throws std::system_error.
Pty open_pty();
// Points `link` at `target` (replacing an existing symlink, refusing to replace anything else).
void make_symlink(const std::string& target, const std::string& link);

}  // namespace tapbench::sim::pn532
