#include <doctest/doctest.h>

#include <map>
#include <vector>

#include "drivers/usb/hub_power.hpp"
#include "drivers/usb/usb_error.hpp"

using namespace tapbench::usb;
using namespace std::chrono_literals;

TEST_CASE("Hub descriptor: LPSM bits 1..0 give the power switching mode") {
  // A 4-port USB 2 hub: bLength 9, type 0x29, 4 ports, wHubCharacteristics, 50 ms power-on-to-good.
  std::vector<std::uint8_t> d{0x09, 0x29, 0x04, 0x00, 0x00, 25, 100, 0x00, 0xff};
  struct Row {
    std::uint8_t low;
    PowerSwitching mode;
  };
  for (const Row& row : {Row{0x00, PowerSwitching::kGanged}, Row{0x01, PowerSwitching::kPerPort},
                         Row{0x02, PowerSwitching::kNone}, Row{0x03, PowerSwitching::kNone},
                         Row{0xe9, PowerSwitching::kPerPort}}) {
    d[3] = row.low;
    const auto hub = parse_hub_descriptor(d);
    CHECK(hub.switching() == row.mode);
    CHECK(hub.num_ports == 4);
    CHECK_FALSE(hub.superspeed);
    CHECK(hub.power_on_to_good == 50ms);
  }
  CHECK(to_string(PowerSwitching::kPerPort) == "per-port");
}

TEST_CASE("Hub descriptor: USB 3 hubs (type 0x2a) are recognised") {
  const std::vector<std::uint8_t> ss{12, 0x2a, 4, 0x09, 0x00, 50, 0, 0, 0, 0, 0, 0};
  const auto hub = parse_hub_descriptor(ss);
  CHECK(hub.superspeed);
  CHECK(hub.switching() == PowerSwitching::kPerPort);
  CHECK(hub.power_on_to_good == 100ms);
}

TEST_CASE("Hub descriptor: malformed replies are refused with a reason") {
  const std::vector<std::vector<std::uint8_t>> bad{
      {},
      {0x09, 0x29, 0x04},                                      // short
      {0x12, 0x01, 0x00, 0x02, 0x09, 0x00, 0x01, 0x40, 0x00},  // a device descriptor
      {0x09, 0x29, 0x00, 0x01, 0x00, 25, 100, 0x00, 0xff},     // zero ports
      {0x20, 0x29, 0x04, 0x01, 0x00, 25, 100},                 // bLength beyond the reply
  };
  for (const auto& bytes : bad) {
    CAPTURE(bytes.size());
    CHECK_THROWS_AS(parse_hub_descriptor(bytes), UsbError);
  }
}

TEST_CASE("Port power requests are the hub class SET/CLEAR_FEATURE(PORT_POWER) to the port") {
  CHECK(port_power_request(3, false) == ControlSetup{0x23, 1, 8, 3, 0});
  CHECK(port_power_request(3, true) == ControlSetup{0x23, 3, 8, 3, 0});
  CHECK(port_status_request(2) == ControlSetup{0xa3, 0, 0, 2, 4});
  CHECK(get_hub_descriptor_request(false) == ControlSetup{0xa0, 6, 0x2900, 0, 71});
  CHECK(get_hub_descriptor_request(true).value == 0x2a00);
}

TEST_CASE("Port status: the power bit is bit 8 on USB 2 hubs and bit 9 on USB 3 hubs") {
  const std::vector<std::uint8_t> usb2_on{0x03, 0x01, 0x00, 0x00};
  const auto s = parse_port_status(usb2_on);
  CHECK(s.connected());
  CHECK(s.enabled());
  CHECK(s.powered(false));
  CHECK_FALSE(s.powered(true));
  const std::vector<std::uint8_t> usb3_on{0x00, 0x02, 0x01, 0x00};
  CHECK(parse_port_status(usb3_on).powered(true));
  CHECK(parse_port_status(usb3_on).change == 1);
  CHECK_THROWS_AS(parse_port_status(std::vector<std::uint8_t>{1, 2, 3}), UsbError);
}

TEST_CASE("HubPort names the device behind the port") {
  CHECK(HubPort{"1-2", 3}.describe() == "port 3 of hub 1-2 (device 1-2.3)");
  CHECK(HubPort{"usb1", 4}.describe() == "port 4 of hub usb1 (device 1-4)");
}

TEST_CASE("upstream_port finds the hub port that powers a device") {
  const auto a = upstream_port("1-2.3");
  CHECK(a.hub_path == "1-2");
  CHECK(a.port == 3);
  const auto b = upstream_port("2-4");
  CHECK(b.hub_path == "usb2");
  CHECK(b.port == 4);
  CHECK(upstream_port("1-1.4.2").hub_path == "1-1.4");
  CHECK_THROWS_WITH_AS(upstream_port("usb1"), doctest::Contains("root hub"), UsbError);
  CHECK_THROWS_AS(upstream_port("1-x"), UsbError);
}

namespace {

// In-process stand-in for a hub, to test power_cycle()'s sequencing only (unit test; the libusb backend is
// exercised against a simulated hub under real libusb in tests/integration/usb).
class FakeHubPower final : public HubPower {
 public:
  explicit FakeHubPower(tapbench::ManualClock& clock) : clock_(clock) {}
  HubInfo describe(const std::string& path) override { return {path, 0, 0, {}, {}}; }
  bool port_powered(const HubPort& p) override { return powered_[p.port]; }
  void set_port_power(const HubPort& p, bool on) override {
    log.push_back({on, clock_.monotonic_now()});
    if (!on && fail_off) throw UsbError(UsbErrc::kGangedOnly, "ganged");
    if (on && fail_on) throw UsbError(UsbErrc::kIo, "timeout");
    powered_[p.port] = on;
  }
  struct Call {
    bool on;
    tapbench::MonotonicTime at;
  };
  std::vector<Call> log;
  bool fail_off = false, fail_on = false;

 private:
  tapbench::ManualClock& clock_;
  std::map<int, bool> powered_;
};

}  // namespace

TEST_CASE("power_cycle: off, exactly the off-time on the injected clock, on") {
  tapbench::ManualClock clock;
  FakeHubPower hub(clock);
  int waits = 0;
  // Advances the clock in 300 ms steps, as a coarse sleeper would: power_cycle must keep waiting.
  auto wait = [&](tapbench::MonotonicTime deadline) {
    ++waits;
    clock.advance(std::min<std::chrono::nanoseconds>(300ms, deadline - clock.monotonic_now()));
  };
  const auto t0 = clock.monotonic_now();
  const auto result = hub.power_cycle({"1-2", 3}, 2s, clock, wait);
  REQUIRE(hub.log.size() == 2);
  CHECK_FALSE(hub.log[0].on);
  CHECK(hub.log[1].on);
  CHECK(result.off_at == t0);
  CHECK(result.on_at - result.off_at == 2s);
  CHECK(hub.log[1].at - hub.log[0].at == 2s);
  CHECK(waits == 7);  // ceil(2000 / 300)
  CHECK(hub.port_powered({"1-2", 3}));
}

TEST_CASE("power_cycle: a hub that refuses to switch off is never waited on") {
  tapbench::ManualClock clock;
  FakeHubPower hub(clock);
  hub.fail_off = true;
  bool waited = false;
  CHECK_THROWS_AS(hub.power_cycle({"1-2", 1}, 1s, clock, [&](auto) { waited = true; }), UsbError);
  CHECK_FALSE(waited);
}

TEST_CASE("power_cycle: an interrupted wait still switches the port back on") {
  tapbench::ManualClock clock;
  FakeHubPower hub(clock);
  CHECK_THROWS_AS(hub.power_cycle({"1-2", 1}, 1s, clock, [](auto) { throw std::runtime_error("cancelled"); }),
                  std::runtime_error);
  REQUIRE(hub.log.size() == 2);
  CHECK(hub.log[1].on);
  CHECK(hub.port_powered({"1-2", 1}));
}

TEST_CASE("power_cycle: failing to switch back on says the port was left off") {
  tapbench::ManualClock clock;
  FakeHubPower hub(clock);
  hub.fail_on = true;
  try {
    hub.power_cycle({"1-2", 4}, 1s, clock, [&](auto d) { clock.advance(d - clock.monotonic_now()); });
    FAIL("no error");
  } catch (const UsbError& e) {
    CHECK(e.code() == UsbErrc::kIo);
    CHECK(std::string(e.what()).find("left the port OFF") != std::string::npos);
    CHECK(std::string(e.what()).find("device 1-2.4") != std::string::npos);
  }
}
