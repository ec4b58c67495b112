#include "sim/pn532/frame_log.hpp"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace tapbench::sim::pn532 {

FrameLog::FrameLog(std::size_t capacity) : capacity_(capacity) {}

void FrameLog::add(std::string chip, std::string direction, std::string what,
                   std::vector<std::uint8_t> bytes) {
  FrameLogEntry e{std::chrono::steady_clock::now() - start_, std::move(chip), std::move(direction),
                  std::move(what), std::move(bytes)};
  std::lock_guard lock(mutex_);
  if (mirror_fd_ >= 0) {
    const std::string line = format(e) + "\n";
    [[maybe_unused]] auto n = ::write(mirror_fd_, line.data(), line.size());
  }
  entries_.push_back(std::move(e));
  while (entries_.size() > capacity_)
    entries_.pop_front();
}

std::vector<FrameLogEntry> FrameLog::entries() const {
  std::lock_guard lock(mutex_);
  return {entries_.begin(), entries_.end()};
}

std::string FrameLog::format(const FrameLogEntry& e) {
  char head[64];
  std::snprintf(head, sizeof head, "+%.3fms ", std::chrono::duration<double, std::milli>(e.at).count());
  std::string line = head + e.chip + " " + e.direction + " " + e.what;
  if (!e.bytes.empty()) line += " " + hex(e.bytes);
  return line;
}

std::string FrameLog::dump() const {
  std::string out;
  for (const auto& e : entries())
    out += format(e) + "\n";
  return out;
}

void FrameLog::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::string hex(const std::vector<std::uint8_t>& bytes, std::size_t limit) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  const std::size_t n = limit && bytes.size() > limit ? limit : bytes.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += ' ';
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xF];
  }
  if (n < bytes.size()) out += " ...(" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

std::vector<std::uint8_t> parse_hex(const std::string& text) {
  std::vector<std::uint8_t> out;
  int hi = -1;
  for (char c : text) {
    if (c == ' ' || c == ':' || c == '\t' || c == '\n' || c == '\r') continue;
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      throw std::invalid_argument(std::string("not a hex digit: '") + c + "'");
    }
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

}  // namespace tapbench::sim::pn532
