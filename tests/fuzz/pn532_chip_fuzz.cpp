// libFuzzer target: the emulated chip's command dispatcher, live. The input is a sequence of command
// payloads (one length byte each) sent to a PN532 chip in valid frames, followed by GetFirmwareVersion; the
// chip must answer that within 3 s whatever came before (blocking commands are interrupted by the next
// frame, as on the real chip) — a crash, a sanitizer report or a hang fails the run. One emulator (a chip
// and a built-in Type 4 Tag in its field) lives across inputs, so state carries over like on a bench.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "sim/pn532/frame_codec.hpp"
#include "sim/pn532/simulator.hpp"

using namespace tapbench::sim::pn532;

namespace {

struct Rig {
  Simulator sim;
  int host = -1;
  Rig() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) std::abort();
    sim.add_chip_on_fd("phone", sv[0]);
    sim.add_tag("tag", {0xD1, 0x01, 0x04, 0x54, 0x02, 'e', 'n', 'x'});
    host = sv[1];
  }
};

Rig& rig() {
  static Rig* r = new Rig();  // lives for the whole fuzzing process
  return *r;
}

void send_all(int fd, const std::vector<std::uint8_t>& b) {
  std::size_t done = 0;
  while (done < b.size()) {
    const ssize_t n = ::write(fd, b.data() + done, b.size() - done);
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Rig& r = rig();
  std::vector<std::uint8_t> stream;
  std::size_t pos = 0;
  int frames = 0;
  while (pos < size && frames < 16) {
    const std::size_t len = data[pos++] % 64;
    const std::size_t n = pos + len <= size ? len : size - pos;
    if (n == 0) continue;
    std::vector<std::uint8_t> cmd(data + pos, data + pos + n);
    pos += n;
    if (cmd[0] == 0x58) cmd[0] = 0x02;  // RFRegulationTest never answers on the real chip either
    const auto f = encode_frame(kTfiHostToChip, cmd);
    stream.insert(stream.end(), f.begin(), f.end());
    ++frames;
  }
  const auto probe = encode_frame(kTfiHostToChip, std::vector<std::uint8_t>{0x02});
  stream.insert(stream.end(), probe.begin(), probe.end());
  send_all(r.host, stream);

  FrameParser parser;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (true) {
    while (auto ev = parser.next())
      if (ev->kind == FrameEvent::Kind::Information && ev->tfi == kTfiChipToHost && ev->data.size() == 5 &&
          ev->data[0] == 0x03)
        return 0;  // GetFirmwareVersion answered: the chip is alive
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
            .count();
    if (left <= 0) {
      std::fprintf(stderr, "chip did not answer GetFirmwareVersion within 3 s\n");
      std::abort();
    }
    pollfd p{r.host, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    std::uint8_t buf[1024];
    const ssize_t n = ::read(r.host, buf, sizeof buf);
    if (n <= 0) std::abort();
    parser.feed(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)));
  }
}
