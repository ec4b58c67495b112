// PN532 host-interface frame codec (UART/HSU framing, PN532 user manual §6.2). Pure code, no I/O: the
// emulator's transport feeds received bytes in and writes the encoded frames out. Fuzzed by
// tests/fuzz/pn532_frame_parser_fuzz.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

namespace tapbench::sim::pn532 {

inline constexpr std::uint8_t kTfiHostToChip = 0xD4;
inline constexpr std::uint8_t kTfiChipToHost = 0xD5;
// Largest TFI+data a PN532 accepts in one (extended) frame: 1 TFI + 264 bytes (PN532 UM: 265 bytes).
inline constexpr std::size_t kMaxFramePayload = 265;
// Up to this many payload bytes (TFI included) a normal frame is used; larger ones go extended.
inline constexpr std::size_t kNormalFrameMaxPayload = 255;

// A normal or extended information frame: 00 00 FF LEN LCS TFI data DCS 00.
std::vector<std::uint8_t> encode_frame(std::uint8_t tfi, std::span<const std::uint8_t> data);
std::vector<std::uint8_t> ack_frame();    // 00 00 FF 00 FF 00
std::vector<std::uint8_t> nack_frame();   // 00 00 FF FF 00 00
std::vector<std::uint8_t> error_frame();  // 00 00 FF 01 FF 7F 81 00 (application-level error)

struct FrameEvent {
  enum class Kind {
    Information,   // a well-formed frame: tfi + data
    Ack,           // 00 00 FF 00 FF 00 (from a host: abort of the running command)
    Nack,          // 00 00 FF FF 00 00 (from a host: resend your last frame)
    BadLengthSum,  // LEN + LCS != 0: the frame was dropped, the parser resynchronised
    BadDataSum,    // DCS mismatch: the frame was dropped
    Oversized,     // LEN larger than the chip's buffer: dropped
  };
  Kind kind = Kind::Information;
  std::uint8_t tfi = 0;
  std::vector<std::uint8_t> data;  // without TFI
};

// Incremental parser: feed any byte chunks, take events out. Bytes outside frames (wake-up 0x55,
// padding zeros, line noise) are skipped and counted. Never throws on input; memory is bounded by one frame.
class FrameParser {
 public:
  void feed(std::span<const std::uint8_t> bytes);
  std::optional<FrameEvent> next();
  std::size_t skipped_bytes() const { return skipped_; }
  // True while part of a frame is buffered (a host that vanished mid-frame leaves this set).
  bool mid_frame() const {
    return state_ != State::Hunt0 && state_ != State::Hunt1 && state_ != State::Postamble;
  }
  void reset();

 private:
  enum class State { Hunt0, Hunt1, Len, Lcs, ExtLenHi, ExtLenLo, ExtLcs, Body, Dcs, Postamble };
  void step(std::uint8_t b);
  void emit(FrameEvent ev) { events_.push_back(std::move(ev)); }

  State state_ = State::Hunt0;
  std::uint8_t len_ = 0;
  std::size_t body_len_ = 0;
  std::uint8_t ext_hi_ = 0, ext_lo_ = 0;
  std::vector<std::uint8_t> body_;
  std::size_t skipped_ = 0;
  std::deque<FrameEvent> events_;
};

}  // namespace tapbench::sim::pn532
