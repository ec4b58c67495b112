// The libusb hub power backend on simulated hubs: real libusb sends the hub class control transfers to
// umockdev's fake /dev/bus/usb nodes, the hub models switch their ports.
#include <doctest/doctest.h>

#include "drivers/usb/libusb_hub_power.hpp"
#include "drivers/usb/libusb_reader_inventory.hpp"
#include "drivers/usb/usb_error.hpp"
#include "tests/integration/usb/umockdev_usb_bench.hpp"

using namespace tapbench::usb;
using tapbench::usb::testing::SimulatedHub;
using tapbench::usb::testing::UmockdevUsbBench;
using namespace std::chrono_literals;

namespace {

// usb1: 4-port root hub with ganged switching; 1-2: 4-port hub with per-port switching (ACR122U on port 1,
// PN533 on port 3); 1-4: 2-port hub without power switching; usb2: 4-port USB 3 root hub, per-port.
void add_lab(UmockdevUsbBench& bench) {
  bench.add("usb-hubs.umockdev");
  bench.add("acr122u.umockdev");
  bench.add("pn533.umockdev");
  bench.make_hub("usb1", {4, 0x0000, false});
  bench.make_hub("1-2", {4, 0x0001, false});
  bench.make_hub("1-4", {2, 0x0002, false});
  bench.make_hub("usb2", {4, 0x0001, false});
}

UsbErrc code_of(auto&& fn) {
  try {
    fn();
  } catch (const UsbError& e) {
    MESSAGE(std::string(e.what()));
    return e.code();
  }
  FAIL("no UsbError thrown");
  return UsbErrc::kIo;
}

bool is_power_switch(const ControlSetup& s) {
  return s.request_type == 0x23 && s.value == kPortFeaturePower;
}

}  // namespace

TEST_CASE("describe() reads each hub's descriptor through libusb") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbHubPower hubs;
  const auto hub = hubs.describe("1-2");
  CHECK(hub.path == "1-2");
  CHECK(hub.vid == 0x05e3);
  CHECK(hub.descriptor.num_ports == 4);
  CHECK(hub.descriptor.switching() == PowerSwitching::kPerPort);
  CHECK(hubs.describe("1").descriptor.switching() == PowerSwitching::kGanged);  // uhubctl's root hub name
  CHECK(hubs.describe("1-4").descriptor.switching() == PowerSwitching::kNone);

  const auto all = hubs.list_hubs();
  REQUIRE(all.size() == 4);
  CHECK(all[0].path == "usb1");
  CHECK(all[1].path == "1-2");
  CHECK(all[2].path == "1-4");
  CHECK(all[3].path == "usb2");
  CHECK(all[3].descriptor.superspeed);
  for (const auto& h : all)
    CHECK(h.problem.empty());
}

TEST_CASE("power_cycle() switches port 3 of 1-2 off for exactly the off-time, then on again") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbHubPower hubs;
  tapbench::ManualClock clock;
  const HubPort pn533{"1-2", 3};
  REQUIRE(hubs.port_powered(pn533));

  std::vector<bool> seen_during_off;
  auto wait = [&](tapbench::MonotonicTime deadline) {
    seen_during_off.push_back(bench.port_powered("1-2", 3));
    seen_during_off.push_back(bench.port_powered("1-2", 1));  // the neighbour keeps its power
    clock.advance(deadline - clock.monotonic_now());
  };
  const auto result = hubs.power_cycle(pn533, 1500ms, clock, wait);
  CHECK(result.on_at - result.off_at == 1500ms);
  CHECK(seen_during_off == std::vector<bool>{false, true});
  CHECK(bench.port_powered("1-2", 3));
  CHECK(hubs.port_powered(pn533));

  std::vector<ControlSetup> switches;
  for (const auto& s : bench.requests("1-2")) {
    if (is_power_switch(s)) switches.push_back(s);
  }
  CHECK(switches == std::vector<ControlSetup>{port_power_request(3, false), port_power_request(3, true)});
}

TEST_CASE("A USB 3 hub is asked for its SuperSpeed descriptor and its power bit is bit 9") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbHubPower hubs;
  const HubPort port{"usb2", 2};
  REQUIRE(hubs.port_powered(port));
  hubs.set_port_power(port, false);
  CHECK_FALSE(bench.port_powered("usb2", 2));
  CHECK(bench.port_powered("usb2", 1));
  CHECK_FALSE(hubs.port_powered(port));
  hubs.set_port_power(port, true);
  CHECK(bench.port_powered("usb2", 2));
  CHECK(bench.requests("usb2").front() == get_hub_descriptor_request(true));
}

TEST_CASE("A ganged hub is refused unless ganged switching is allowed, which then cuts every port") {
  UmockdevUsbBench bench;
  add_lab(bench);
  {
    LibusbHubPower hubs;
    CHECK(code_of([&] { hubs.set_port_power({"usb1", 2}, false); }) == UsbErrc::kGangedOnly);
    for (const auto& s : bench.requests("usb1"))
      CHECK_FALSE(is_power_switch(s));
    CHECK(bench.port_powered("usb1", 2));
  }
  LibusbHubPowerOptions options;
  options.allow_ganged = true;
  LibusbHubPower hubs(options);
  hubs.set_port_power({"usb1", 2}, false);
  CHECK_FALSE(bench.port_powered("usb1", 1));
  CHECK_FALSE(bench.port_powered("usb1", 4));
  hubs.set_port_power({"usb1", 2}, true);
  CHECK(bench.port_powered("usb1", 4));
}

TEST_CASE("Clear errors: no switching, port out of range, not a hub, nothing there, hub ignoring requests") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbHubPower hubs;
  CHECK(code_of([&] { hubs.set_port_power({"1-4", 1}, false); }) == UsbErrc::kNoPowerSwitching);
  for (const auto& s : bench.requests("1-4"))
    CHECK_FALSE(is_power_switch(s));
  CHECK(code_of([&] { hubs.set_port_power({"1-2", 5}, false); }) == UsbErrc::kPortOutOfRange);
  CHECK(code_of([&] { hubs.port_powered({"1-2", 0}); }) == UsbErrc::kPortOutOfRange);
  CHECK(code_of([&] { hubs.describe("1-2.1"); }) == UsbErrc::kNotAHub);
  CHECK(code_of([&] { hubs.describe("1-9"); }) == UsbErrc::kNoDevice);
  CHECK(code_of([&] { hubs.describe("1-2-3"); }) == UsbErrc::kBadArgument);

  bench.make_hub("1-2", {4, 0x0001, true});
  CHECK(code_of([&] { hubs.set_port_power({"1-2", 3}, false); }) == UsbErrc::kNotConfirmed);
}

TEST_CASE("Error messages say what to do") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbHubPower hubs;
  CHECK_THROWS_WITH_AS(hubs.set_port_power({"1-2", 5}, true), "hub 1-2 has ports 1..4, not 5", UsbError);
  CHECK_THROWS_WITH_AS(hubs.describe("1-2.1"), "the device at 1-2.1 (072f:2200, class 0) is not a USB hub",
                       UsbError);
  CHECK_THROWS_WITH_AS(
      hubs.set_port_power({"usb1", 2}, false),
      "hub usb1 switches all its ports together (ganged power switching): turning off port 2 of "
      "hub usb1 (device 1-2) would also cut its 3 other ports; allow ganged switching to do it "
      "anyway",
      UsbError);
}

TEST_CASE("Power-cycling a wedged reader: it goes dark, comes back re-enumerated, and is found by identity") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbHubPower hubs;
  LibusbReaderInventory inventory;
  ReaderSelector printer_reader;
  printer_reader.port_path = "1-2.3";
  REQUIRE(select_reader(inventory.list(), printer_reader).connstring == "pn53x_usb:001:007");

  tapbench::ManualClock clock;
  bool dark_while_off = false;
  auto wait = [&](tapbench::MonotonicTime deadline) {
    // What the kernel would see with VBUS cut: the reader disconnects.
    if (!bench.port_powered("1-2", 3)) bench.unplug("1-2.3");
    dark_while_off = inventory.list().size() == 1;
    clock.advance(deadline - clock.monotonic_now());
  };
  const HubPort port = upstream_port(select_reader(inventory.list(), printer_reader).port_path);
  hubs.power_cycle(port, 2s, clock, wait);
  CHECK(dark_while_off);
  bench.replug("1-2.3", 9);  // power back: it enumerates again, at a new address

  const auto& reader = select_reader(inventory.list(), printer_reader);
  CHECK(reader.identity() == "1-2.3#PN533BENCH07");
  CHECK(reader.connstring == "pn53x_usb:001:009");
}
