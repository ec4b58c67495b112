// A bounded in-memory log of every frame an emulated chip received or sent (and notable events: aborts,
// checksum errors, card placement). Tests assert on it; the control channel dumps it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace tapbench::sim::pn532 {

struct FrameLogEntry {
  std::chrono::nanoseconds at{};  // since the emulator started
  std::string chip;
  std::string direction;  // "H>C" host to chip, "C>H" chip to host, "air", "event"
  std::string what;       // e.g. "InDataExchange", "ACK", "bad DCS"
  std::vector<std::uint8_t> bytes;
};

class FrameLog {
 public:
  explicit FrameLog(std::size_t capacity = 20000);
  void add(std::string chip, std::string direction, std::string what, std::vector<std::uint8_t> bytes = {});
  std::vector<FrameLogEntry> entries() const;
  // One line per entry: "+12.345ms phone H>C InDataExchange 00 00 ff ..."
  std::string dump() const;
  void clear();
  // Mirror every entry to this file descriptor as it happens (-1: off).
  void set_mirror_fd(int fd) { mirror_fd_ = fd; }

  static std::string format(const FrameLogEntry& e);

 private:
  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::deque<FrameLogEntry> entries_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  int mirror_fd_ = -1;
};

std::string hex(const std::vector<std::uint8_t>& bytes, std::size_t limit = 0);
// Parses "0a1B 2c" style hex (spaces and colons ignored); throws std::invalid_argument.
std::vector<std::uint8_t> parse_hex(const std::string& text);

}  // namespace tapbench::sim::pn532
