#include "sim/pn532/frame_codec.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace tapbench::sim::pn532;
using Bytes = std::vector<std::uint8_t>;

namespace {
std::vector<FrameEvent> parse(const Bytes& in) {
  FrameParser p;
  p.feed(in);
  std::vector<FrameEvent> out;
  while (auto e = p.next())
    out.push_back(*e);
  return out;
}
}  // namespace

TEST_CASE("a normal frame is encoded exactly as the PN532 manual shows it") {
  // GetFirmwareVersion from the host: 00 00 FF 02 FE D4 02 2A 00
  CHECK(encode_frame(kTfiHostToChip, Bytes{0x02}) ==
        Bytes{0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00});
  CHECK(ack_frame() == Bytes{0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00});
  CHECK(nack_frame() == Bytes{0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00});
}

TEST_CASE("frames longer than 254 data bytes use the extended format and parse back") {
  Bytes data(260);
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<std::uint8_t>(i * 7);
  const Bytes frame = encode_frame(kTfiChipToHost, data);
  REQUIRE(frame.size() == data.size() + 11);
  CHECK(frame[3] == 0xFF);
  CHECK(frame[4] == 0xFF);
  CHECK(((frame[5] << 8) | frame[6]) == 261);
  const auto events = parse(frame);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == FrameEvent::Kind::Information);
  CHECK(events[0].tfi == kTfiChipToHost);
  CHECK(events[0].data == data);
  // The largest normal frame still is a normal frame.
  CHECK(encode_frame(kTfiHostToChip, Bytes(254, 0x11))[3] == 255);
}

TEST_CASE("wake-up bytes and line noise before a frame are skipped") {
  Bytes in{0x55, 0x55, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
           0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x37};
  const Bytes f = encode_frame(kTfiHostToChip, Bytes{0x14, 0x01});
  in.insert(in.end(), f.begin(), f.end());
  FrameParser p;
  p.feed(in);
  auto e = p.next();
  REQUIRE(e);
  CHECK(e->data == Bytes{0x14, 0x01});
  CHECK(p.skipped_bytes() > 0);
  CHECK_FALSE(p.next());
}

TEST_CASE("ACK and NACK from the host are recognised between frames") {
  Bytes in = ack_frame();
  const Bytes n = nack_frame();
  in.insert(in.end(), n.begin(), n.end());
  const auto events = parse(in);
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == FrameEvent::Kind::Ack);
  CHECK(events[1].kind == FrameEvent::Kind::Nack);
}

TEST_CASE("bad checksums drop the frame and the next good frame still parses") {
  Bytes bad_dcs = encode_frame(kTfiHostToChip, Bytes{0x02});
  bad_dcs[7] ^= 0x01;
  Bytes bad_lcs = encode_frame(kTfiHostToChip, Bytes{0x02});
  bad_lcs[4] ^= 0x10;
  Bytes in = bad_dcs;
  in.insert(in.end(), bad_lcs.begin(), bad_lcs.end());
  const Bytes good = encode_frame(kTfiHostToChip, Bytes{0x4A, 0x01, 0x00});
  in.insert(in.end(), good.begin(), good.end());
  const auto events = parse(in);
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == FrameEvent::Kind::BadDataSum);
  CHECK(events[1].kind == FrameEvent::Kind::BadLengthSum);
  CHECK(events[2].kind == FrameEvent::Kind::Information);
  CHECK(events[2].data == Bytes{0x4A, 0x01, 0x00});
}

TEST_CASE("an extended frame longer than the chip's buffer is refused") {
  // LEN = 0x0200 (512) > 265
  const Bytes in{0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x02, 0x00, 0xFE, 0xD4};
  const auto events = parse(in);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == FrameEvent::Kind::Oversized);
}

TEST_CASE("a frame split across many reads is reassembled; a truncated one stays pending") {
  const Bytes f = encode_frame(kTfiHostToChip, Bytes{0x40, 0x01, 0x00, 0xA4, 0x04, 0x00});
  FrameParser p;
  for (std::size_t i = 0; i + 2 < f.size(); ++i) {  // everything up to the DCS
    p.feed(Bytes{f[i]});
    CHECK_FALSE(p.next());
  }
  CHECK(p.mid_frame());
  p.feed(Bytes{f[f.size() - 2], f.back()});
  auto e = p.next();
  REQUIRE(e);
  CHECK(e->data.size() == 6);
  CHECK_FALSE(p.mid_frame());
}
