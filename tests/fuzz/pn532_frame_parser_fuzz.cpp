// libFuzzer target: the PN532 emulator's frame parser. Any byte stream, split at fuzzer-chosen points, must
// parse without crashing; every information frame it yields must re-encode to a frame that parses back to
// the same TFI and data; buffered state stays bounded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "sim/pn532/frame_codec.hpp"

using namespace tapbench::sim::pn532;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  FrameParser parser;
  // The first byte picks the chunk size the stream arrives in (1..32 bytes), like reads from a UART.
  const std::size_t chunk = (data[0] % 32) + 1;
  for (std::size_t pos = 1; pos < size; pos += chunk) {
    const std::size_t n = pos + chunk <= size ? chunk : size - pos;
    parser.feed(std::span<const std::uint8_t>(data + pos, n));
    while (auto ev = parser.next()) {
      if (ev->kind != FrameEvent::Kind::Information) continue;
      if (ev->data.size() + 1 > kMaxFramePayload) std::abort();
      const auto again = encode_frame(ev->tfi, ev->data);
      FrameParser check;
      check.feed(again);
      auto back = check.next();
      if (!back || back->kind != FrameEvent::Kind::Information || back->tfi != ev->tfi ||
          back->data != ev->data)
        std::abort();
    }
  }
  return 0;
}
