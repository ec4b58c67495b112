// The emulated chip over a socketpair: what a host sees on the wire.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "sim/pn532/frame_codec.hpp"
#include "sim/pn532/simulator.hpp"

using namespace tapbench::sim::pn532;
using Bytes = std::vector<std::uint8_t>;

namespace {

const Bytes kNdef{0xD1, 0x01, 0x0B, 0x55, 0x04, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm'};

// A host end of the line: sends frames, reads parsed events with a deadline.
class Host {
 public:
  explicit Host(int fd) : fd_(fd) {}
  ~Host() { ::close(fd_); }
  void send_raw(const Bytes& b) {
    REQUIRE(::write(fd_, b.data(), b.size()) == static_cast<ssize_t>(b.size()));
  }
  void send(const Bytes& command) { send_raw(encode_frame(kTfiHostToChip, command)); }
  std::optional<FrameEvent> next(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (auto e = parser_.next()) return e;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      std::uint8_t buf[512];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      parser_.feed(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)));
    }
  }
  // Sends a command, expects ACK then the response; returns the response data after D5.
  Bytes call(const Bytes& command) {
    send(command);
    auto ack = next();
    REQUIRE(ack);
    REQUIRE(ack->kind == FrameEvent::Kind::Ack);
    auto r = next();
    REQUIRE(r);
    REQUIRE(r->kind == FrameEvent::Kind::Information);
    REQUIRE(r->tfi == kTfiChipToHost);
    REQUIRE(!r->data.empty());
    CHECK(r->data[0] == command[0] + 1);
    return r->data;
  }

 private:
  int fd_;
  FrameParser parser_;
};

struct Bench {
  Simulator sim;
  std::unique_ptr<Host> phone;
  Bench(bool with_tag = true) {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    sim.add_chip_on_fd("phone", sv[0]);
    phone = std::make_unique<Host>(sv[1]);
    if (with_tag) sim.add_tag("tag", kNdef);
  }
};

bool eventually_true(const std::function<bool()>& cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!cond()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

Bytes apdu_exchange(Host& h, const Bytes& apdu) {
  Bytes cmd{0x40, 0x01};
  cmd.insert(cmd.end(), apdu.begin(), apdu.end());
  return h.call(cmd);
}

}  // namespace

TEST_CASE("libnfc's open sequence gets the answers libnfc checks") {
  Bench b;
  CHECK(b.phone->call({0x14, 0x01}) == Bytes{0x15});
  CHECK(b.phone->call({0x00, 0x00, 'l', 'i', 'b', 'n', 'f', 'c'}) ==
        Bytes{0x01, 0x00, 'l', 'i', 'b', 'n', 'f', 'c'});
  CHECK(b.phone->call({0x02}) == Bytes{0x03, 0x32, 0x01, 0x06, 0x07});
  CHECK(b.phone->call({0x08, 0x63, 0x05, 0x40}) == Bytes{0x09});
  CHECK(b.phone->call({0x06, 0x63, 0x05, 0x63, 0x3C}) == Bytes{0x07, 0x40, 0x10});
}

TEST_CASE("InListPassiveTarget activates the built-in Type 4 Tag and InDataExchange reads it") {
  Bench b;
  b.phone->call({0x12, 0x14});  // SetParameters: auto ATR_RES + auto RATS
  const Bytes list = b.phone->call({0x4A, 0x01, 0x00});
  // NbTg 1, Tg 1, ATQA 03 44, SAK 20, UID length 7, UID, ATS with TL 06
  REQUIRE(list.size() == 1 + 1 + 1 + 2 + 1 + 1 + 7 + 6);
  CHECK(list[1] == 0x01);
  CHECK(list[5] == 0x20);
  CHECK(list[6] == 7);
  CHECK(list[14] == 0x06);

  const Bytes select{0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00};
  CHECK(apdu_exchange(*b.phone, select) == Bytes{0x41, 0x00, 0x90, 0x00});
  CHECK(apdu_exchange(*b.phone, {0x00, 0xA4, 0x00, 0x0C, 0x02, 0xE1, 0x04}) == Bytes{0x41, 0x00, 0x90, 0x00});
  const Bytes nlen = apdu_exchange(*b.phone, {0x00, 0xB0, 0x00, 0x00, 0x02});
  CHECK(nlen == Bytes{0x41, 0x00, 0x00, static_cast<std::uint8_t>(kNdef.size()), 0x90, 0x00});
  CHECK(b.phone->call({0x44, 0x00}) == Bytes{0x45, 0x00});  // InDeselect
  // After deselect there is no target to talk to.
  CHECK(apdu_exchange(*b.phone, select) == Bytes{0x41, 0x27});
}

TEST_CASE("no card in the field: a bounded select answers 'no target', like real hardware") {
  Bench b(false);
  b.phone->call({0x32, 0x05, 0xFF, 0x01, 0x02});  // MxRtyPassiveActivation = 2
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(b.phone->call({0x4A, 0x01, 0x00}) == Bytes{0x4B, 0x00});
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(15));  // three attempts of 5 ms
}

TEST_CASE("a card removed mid-session makes the next exchange time out (status 01)") {
  Bench b;
  b.phone->call({0x12, 0x14});
  REQUIRE(b.phone->call({0x4A, 0x01, 0x00})[1] == 0x01);
  CHECK(b.sim.execute("remove tag") == "ok\n");
  CHECK(apdu_exchange(*b.phone, {0x00, 0xA4, 0x04, 0x00, 0x00}) == Bytes{0x41, 0x01});
  CHECK(b.phone->call({0x00, 0x06}) == Bytes{0x01, 0x01});  // presence check: gone
}

TEST_CASE("an endless select waits for a card and the host aborts it with an ACK") {
  Bench b(false);
  b.phone->send({0x4A, 0x01, 0x00});  // MxRtyPassiveActivation is 0xFF after reset: poll forever
  auto ack = b.phone->next();
  REQUIRE(ack);
  CHECK(ack->kind == FrameEvent::Kind::Ack);
  CHECK_FALSE(b.phone->next(std::chrono::milliseconds(30)));  // still polling
  b.phone->send_raw(ack_frame());                             // host abort
  b.phone->send({0x02});                                      // the chip takes the next command
  auto ack2 = b.phone->next();
  REQUIRE(ack2);
  auto fw = b.phone->next();
  REQUIRE(fw);
  CHECK(fw->data == Bytes{0x03, 0x32, 0x01, 0x06, 0x07});
}

TEST_CASE("a card placed during an endless select is found at once") {
  Bench b(false);
  b.phone->call({0x12, 0x14});
  b.phone->send({0x4A, 0x01, 0x00});
  REQUIRE(b.phone->next());  // ACK
  b.sim.add_tag("tag", kNdef);
  auto r = b.phone->next();
  REQUIRE(r);
  CHECK(r->data[1] == 0x01);
}

TEST_CASE("bad frames: checksum errors get no answer, unknown commands an error frame, NACK a resend") {
  Bench b;
  Bytes bad = encode_frame(kTfiHostToChip, Bytes{0x02});
  bad[bad.size() - 2] ^= 0xFF;
  b.phone->send_raw(bad);
  CHECK_FALSE(b.phone->next(std::chrono::milliseconds(50)));

  b.phone->send({0xEE});
  auto ack = b.phone->next();
  REQUIRE(ack);
  CHECK(ack->kind == FrameEvent::Kind::Ack);
  // The application-level error frame parses as an information frame with TFI 7F... it has LEN 01.
  auto err = b.phone->next();
  REQUIRE(err);
  CHECK(err->kind == FrameEvent::Kind::Information);
  CHECK(err->tfi == 0x7F);

  const Bytes fw = b.phone->call({0x02});
  b.phone->send_raw(nack_frame());
  auto again = b.phone->next();
  REQUIRE(again);
  CHECK(again->data == fw);
  const auto log = b.sim.log().dump();
  CHECK(log.find("bad DCS") != std::string::npos);
  CHECK(log.find("NACK") != std::string::npos);
}

TEST_CASE("long R-APDUs come back in MI-chained parts and a chained command is reassembled") {
  Bench b(false);
  tapbench::nfc::Type4TagConfig cfg;
  cfg.mle = 256;
  Bytes big(1000, 0xAB);
  b.sim.add_tag("tag", big, cfg);
  b.phone->call({0x12, 0x14});
  REQUIRE(b.phone->call({0x4A, 0x01, 0x00})[1] == 0x01);
  apdu_exchange(*b.phone, {0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00});
  apdu_exchange(*b.phone, {0x00, 0xA4, 0x00, 0x0C, 0x02, 0xE1, 0x04});
  // READ BINARY of 256 bytes: 258-byte R-APDU fits one frame (262 max); chained parts follow MI.
  const Bytes r = apdu_exchange(*b.phone, {0x00, 0xB0, 0x00, 0x02, 0x00});
  CHECK(r.size() == 2 + 258);
  CHECK(r[1] == 0x00);
  // Host-side chaining: SELECT split in two InDataExchange with MI set on the first.
  CHECK(b.phone->call({0x40, 0x41, 0x00, 0xA4, 0x04, 0x00}) == Bytes{0x41, 0x00});
  CHECK(b.phone->call({0x40, 0x01, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00}) ==
        Bytes{0x41, 0x00, 0x90, 0x00});
}

TEST_CASE("two chips: a target chip is activated by the initiator and relays APDUs through its host") {
  Simulator sim;
  int a[2], t[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, t) == 0);
  sim.add_chip_on_fd("phone", a[0]);
  sim.add_chip_on_fd("printer", t[0]);
  Host phone(a[1]), printer(t[1]);
  phone.call({0x12, 0x14});
  // TgInitAsTarget: mode 05 (PICC only, passive), SENS_RES 04 00, NFCID1t 12 34 56, SEL_RES 20.
  Bytes init{0x8C, 0x05, 0x04, 0x00, 0x12, 0x34, 0x56, 0x20};
  init.resize(36, 0x00);
  init.push_back(0x00);  // no general bytes
  init.push_back(0x00);  // no historical bytes
  printer.send(init);
  REQUIRE(printer.next()->kind == FrameEvent::Kind::Ack);
  const Bytes list = phone.call({0x4A, 0x01, 0x00});
  REQUIRE(list[1] == 0x01);
  CHECK(list[3] == 0x00);  // ATQA as an initiator reports it: 00 04
  CHECK(list[4] == 0x04);
  CHECK(Bytes(list.begin() + 7, list.begin() + 11) == Bytes{0x08, 0x12, 0x34, 0x56});
  auto activated = printer.next();
  REQUIRE(activated);
  CHECK(activated->data[0] == 0x8D);
  CHECK(activated->data[1] == 0x08);

  phone.send(
      {0x40, 0x01, 0x00, 0xB0, 0x00, 0x00, 0x0F});  // the phone's exchange waits for the printer's host
  REQUIRE(phone.next()->kind == FrameEvent::Kind::Ack);
  CHECK(printer.call({0x86}) == Bytes{0x87, 0x00, 0x00, 0xB0, 0x00, 0x00, 0x0F});
  CHECK(printer.call({0x8E, 0x6A, 0x82}) == Bytes{0x8F, 0x00});
  auto answer = phone.next();
  REQUIRE(answer);
  CHECK(answer->data == Bytes{0x41, 0x00, 0x6A, 0x82});
  CHECK(phone.call({0x44, 0x00}) == Bytes{0x45, 0x00});
  CHECK(printer.call({0x86}) == Bytes{0x87, 0x29});  // released
}

TEST_CASE("random bytes on the line never crash or wedge the chip") {
  Bench b;
  std::uint32_t x = 12345;
  Bytes noise(4000);
  for (auto& v : noise) {
    x = x * 1103515245 + 12345;
    v = static_cast<std::uint8_t>(x >> 16);
  }
  b.phone->send_raw(noise);
  // Whatever the noise triggered, the chip answers a fresh command once the line is quiet.
  while (b.phone->next(std::chrono::milliseconds(150))) {
  }
  // Zeros complete or break any partial frame the noise left; drain what that provokes.
  b.phone->send_raw(Bytes(300, 0x00));
  while (b.phone->next(std::chrono::milliseconds(150))) {
  }
  CHECK(b.phone->call({0x02}) == Bytes{0x03, 0x32, 0x01, 0x06, 0x07});
}

TEST_CASE("pacing: UART bytes and 106 kbit/s air time are spent through the injected sleeper") {
  std::mutex m;
  std::chrono::nanoseconds slept{0};
  ChipOptions opts;
  opts.uart_baud = 115200;
  opts.air_pacing = true;
  opts.sleeper = [&](std::chrono::nanoseconds d) {
    std::lock_guard lock(m);
    slept += d;
  };
  Simulator sim(opts);
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  sim.add_chip_on_fd("phone", sv[0]);
  sim.add_tag("tag", kNdef);
  Host host(sv[1]);
  host.call({0x12, 0x14});
  REQUIRE(host.call({0x4A, 0x01, 0x00})[1] == 0x01);
  {
    std::lock_guard lock(m);
    slept = std::chrono::nanoseconds{0};
  }
  const Bytes select{0x40, 0x01, 0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2,
                     0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00};
  CHECK(host.call(select) == Bytes{0x41, 0x00, 0x90, 0x00});
  // Wire: the command frame (15 data + 8), the ACK (6), the answer frame (4 data + 8); air: 13 bytes out, 2
  // back.
  const auto expected =
      uart_time(15 + 8, 115200) + uart_time(6, 115200) + uart_time(4 + 8, 115200) + air_time_106(13, 2);
  // The answer is sent after the sleeper accounted for it; allow the last burst to still be in flight.
  REQUIRE(eventually_true([&] {
    std::lock_guard lock(m);
    return slept >= expected - std::chrono::microseconds(1);
  }));
  std::lock_guard lock(m);
  CHECK(slept <= expected + std::chrono::microseconds(1));
  CHECK(uart_time(1, 115200) == std::chrono::nanoseconds(86805));  // 10 bit times at 115200 baud
  CHECK(air_time_106(13, 2) > std::chrono::microseconds(1900));
  CHECK(air_time_106(13, 2) < std::chrono::microseconds(2100));
}

TEST_CASE("a host that vanished mid-frame does not wedge the chip for the next host") {
  Bench b;
  const Bytes f = encode_frame(kTfiHostToChip, Bytes{0x40, 0x01, 0x00, 0xA4, 0x04, 0x00, 0x07});
  b.phone->send_raw(Bytes(f.begin(), f.begin() + 8));  // the host dies after 8 bytes
  // The next host starts talking after a pause; it retries until the chip has dropped the partial frame.
  bool answered = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!answered && std::chrono::steady_clock::now() < deadline) {
    b.phone->send({0x02});
    while (auto e = b.phone->next(std::chrono::milliseconds(60)))
      if (e->kind == FrameEvent::Kind::Information && e->data == Bytes{0x03, 0x32, 0x01, 0x06, 0x07})
        answered = true;
  }
  CHECK(answered);
  // The remnant was either dropped after the pause or swallowed the first retry as a bad-checksum frame.
  const auto log = b.sim.log().dump();
  CHECK((log.find("partial frame dropped") != std::string::npos || log.find("bad DCS") != std::string::npos));
}

TEST_CASE(
    "an ACK while the chip is idle is harmless; DEP and out-of-mode target commands get status answers") {
  Bench b(false);
  b.phone->send_raw(ack_frame());
  CHECK(b.phone->call({0x02}) == Bytes{0x03, 0x32, 0x01, 0x06, 0x07});
  CHECK(b.phone->call({0x56, 0x01, 0x00, 0x00}) == Bytes{0x57, 0x01});  // InJumpForDEP: nobody there
  CHECK(b.phone->call({0x8A}) == Bytes{0x8B, 0x00, 0x00});              // TgGetTargetStatus: free
  CHECK(b.phone->call({0x86}) == Bytes{0x87, 0x25});                    // TgGetData outside target mode
}

TEST_CASE("set-ndef during a reader's session waits for the session's end: no torn reads") {
  Bench b;
  b.phone->call({0x12, 0x14});
  REQUIRE(b.phone->call({0x4A, 0x01, 0x00})[1] == 0x01);
  apdu_exchange(*b.phone, {0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00});
  apdu_exchange(*b.phone, {0x00, 0xA4, 0x00, 0x0C, 0x02, 0xE1, 0x04});
  REQUIRE(b.sim.execute("set-ndef tag d1 01 01 54 00") == "ok 5\n");
  CHECK(b.sim.execute("get-ndef tag") == "d1 01 01 54 00\nok\n");  // what the next tap reads
  // The running session still reads the old message.
  CHECK(apdu_exchange(*b.phone, {0x00, 0xB0, 0x00, 0x00, 0x02}) ==
        Bytes{0x41, 0x00, 0x00, static_cast<std::uint8_t>(kNdef.size()), 0x90, 0x00});
  CHECK(b.phone->call({0x44, 0x00}) == Bytes{0x45, 0x00});
  b.phone->call({0x32, 0x01, 0x00});  // field off: the HALTed card resets
  REQUIRE(b.phone->call({0x4A, 0x01, 0x00})[1] == 0x01);
  apdu_exchange(*b.phone, {0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00});
  apdu_exchange(*b.phone, {0x00, 0xA4, 0x00, 0x0C, 0x02, 0xE1, 0x04});
  CHECK(apdu_exchange(*b.phone, {0x00, 0xB0, 0x00, 0x00, 0x07}) ==
        Bytes{0x41, 0x00, 0x00, 0x05, 0xD1, 0x01, 0x01, 0x54, 0x00, 0x90, 0x00});
  const auto log = b.sim.log().dump();
  CHECK(log.find("phone air C-APDU to tag 00 a4 04 00") != std::string::npos);
  CHECK(log.find("phone air R-APDU from tag 90 00") != std::string::npos);
}

TEST_CASE("ISO 14443-3 HALT: a deselected card ignores polls until the field resets; the next card answers") {
  Bench b;
  b.sim.add_tag("second", kNdef);
  b.phone->call({0x32, 0x05, 0xFF, 0x01, 0x02});  // bounded activation attempts
  const Bytes first = b.phone->call({0x4A, 0x01, 0x00});
  REQUIRE(first[1] == 0x01);
  CHECK(b.phone->call({0x44, 0x00}) == Bytes{0x45, 0x00});
  const Bytes second = b.phone->call({0x4A, 0x01, 0x00});
  REQUIRE(second[1] == 0x01);
  CHECK(Bytes(first.begin() + 7, first.begin() + 14) != Bytes(second.begin() + 7, second.begin() + 14));
  CHECK(b.phone->call({0x44, 0x00}) == Bytes{0x45, 0x00});
  CHECK(b.phone->call({0x4A, 0x01, 0x00}) == Bytes{0x4B, 0x00});  // both HALTed
  b.phone->call({0x32, 0x01, 0x00});                              // field off and on again
  CHECK(b.phone->call({0x4A, 0x01, 0x00}) == first);
}
