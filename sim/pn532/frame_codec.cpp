#include "sim/pn532/frame_codec.hpp"

namespace tapbench::sim::pn532 {

std::vector<std::uint8_t> encode_frame(std::uint8_t tfi, std::span<const std::uint8_t> data) {
  const std::size_t len = data.size() + 1;  // TFI + data
  std::vector<std::uint8_t> out{0x00, 0x00, 0xFF};
  if (len <= kNormalFrameMaxPayload) {
    out.push_back(static_cast<std::uint8_t>(len));
    out.push_back(static_cast<std::uint8_t>(0x100 - len));
  } else {
    const auto hi = static_cast<std::uint8_t>(len >> 8);
    const auto lo = static_cast<std::uint8_t>(len & 0xFF);
    out.insert(out.end(), {0xFF, 0xFF, hi, lo, static_cast<std::uint8_t>(0x100 - ((hi + lo) & 0xFF))});
  }
  out.push_back(tfi);
  std::uint8_t sum = tfi;
  for (auto b : data) {
    out.push_back(b);
    sum = static_cast<std::uint8_t>(sum + b);
  }
  out.push_back(static_cast<std::uint8_t>(0x100 - sum));
  out.push_back(0x00);
  return out;
}

std::vector<std::uint8_t> ack_frame() {
  return {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
}
std::vector<std::uint8_t> nack_frame() {
  return {0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00};
}
std::vector<std::uint8_t> error_frame() {
  return {0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00};
}

void FrameParser::reset() {
  state_ = State::Hunt0;
  body_.clear();
}

void FrameParser::feed(std::span<const std::uint8_t> bytes) {
  for (auto b : bytes)
    step(b);
}

std::optional<FrameEvent> FrameParser::next() {
  if (events_.empty()) return std::nullopt;
  FrameEvent ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

void FrameParser::step(std::uint8_t b) {
  switch (state_) {
    case State::Hunt0:  // looking for the start code 00 FF (the preamble 00 is optional)
      if (b == 0x00) {
        state_ = State::Hunt1;
      } else {
        ++skipped_;
      }
      return;
    case State::Hunt1:
      if (b == 0xFF) {
        state_ = State::Len;
      } else if (b != 0x00) {
        skipped_ += 2;
        state_ = State::Hunt0;
      } else {
        ++skipped_;  // a run of zeros (wake-up padding): stay
      }
      return;
    case State::Len:
      len_ = b;
      state_ = State::Lcs;
      return;
    case State::Lcs:
      if (len_ == 0x00 && b == 0xFF) {
        emit({FrameEvent::Kind::Ack, 0, {}});
        state_ = State::Postamble;
      } else if (len_ == 0xFF && b == 0x00) {
        emit({FrameEvent::Kind::Nack, 0, {}});
        state_ = State::Postamble;
      } else if (len_ == 0xFF && b == 0xFF) {
        state_ = State::ExtLenHi;
      } else if (static_cast<std::uint8_t>(len_ + b) != 0) {
        emit({FrameEvent::Kind::BadLengthSum, 0, {}});
        state_ = b == 0x00 ? State::Hunt1 : State::Hunt0;  // the LCS byte may start the next frame
      } else if (len_ == 0) {
        emit({FrameEvent::Kind::BadLengthSum, 0, {}});  // LEN 0 with LCS 0: no TFI, not a frame
        state_ = State::Hunt1;
      } else {
        body_len_ = len_;
        body_.clear();
        state_ = State::Body;
      }
      return;
    case State::ExtLenHi:
      ext_hi_ = b;
      state_ = State::ExtLenLo;
      return;
    case State::ExtLenLo:
      ext_lo_ = b;
      state_ = State::ExtLcs;
      return;
    case State::ExtLcs: {
      body_len_ = (std::size_t{ext_hi_} << 8) | ext_lo_;
      if (static_cast<std::uint8_t>(ext_hi_ + ext_lo_ + b) != 0 || body_len_ == 0) {
        emit({FrameEvent::Kind::BadLengthSum, 0, {}});
        state_ = State::Hunt0;
      } else if (body_len_ > kMaxFramePayload) {
        emit({FrameEvent::Kind::Oversized, 0, {}});
        state_ = State::Hunt0;
      } else {
        body_.clear();
        state_ = State::Body;
      }
      return;
    }
    case State::Body:
      body_.push_back(b);
      if (body_.size() == body_len_) state_ = State::Dcs;
      return;
    case State::Dcs: {
      std::uint8_t sum = b;
      for (auto x : body_)
        sum = static_cast<std::uint8_t>(sum + x);
      if (sum != 0) {
        emit({FrameEvent::Kind::BadDataSum, 0, {}});
      } else {
        FrameEvent ev;
        ev.tfi = body_.front();
        ev.data.assign(body_.begin() + 1, body_.end());
        emit(std::move(ev));
      }
      body_.clear();
      state_ = State::Postamble;
      return;
    }
    case State::Postamble:
      // The postamble is 00; a host that omits it and starts the next frame right away is tolerated.
      state_ = b == 0x00 ? State::Hunt0 : State::Hunt0;
      if (b != 0x00) step(b);
      return;
  }
}

}  // namespace tapbench::sim::pn532
