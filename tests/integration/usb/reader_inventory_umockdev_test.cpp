// The libusb reader inventory on simulated devices: real libusb enumerates umockdev's fake sysfs and opens
// the fake /dev/bus/usb nodes; the device models answer its control transfers.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "drivers/usb/libusb_reader_inventory.hpp"
#include "drivers/usb/usb_error.hpp"
#include "tests/integration/usb/umockdev_usb_bench.hpp"

using namespace tapbench::usb;
using tapbench::usb::testing::UmockdevUsbBench;
using namespace std::chrono_literals;

namespace {

void add_lab(UmockdevUsbBench& bench) {
  bench.add("usb-hubs.umockdev");  // root hub usb1, hubs at 1-2 and 1-4
  bench.add("keyboard.umockdev");  // 046d:c31c at 1-1: not a reader
  bench.add("acr122u.umockdev");   // 072f:2200 at 1-2.1, no serial number
  bench.add("pn533.umockdev");     // 04cc:2533 at 1-2.3, serial PN533BENCH07
}

// Collects subscription callbacks (they run on the inventory's thread) and waits for them with a deadline.
class EventLog {
 public:
  ReaderCallbacks callbacks() {
    return {[this](const ReaderInfo& r) { push("arrived " + r.identity() + " " + r.connstring); },
            [this](const ReaderInfo& r) { push("left " + r.identity() + " " + r.connstring); }};
  }
  // True once `count` events were seen; false after 10 s.
  bool wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 10s, [&] { return events_.size() >= count; });
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  void push(std::string e) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(e));
    }
    cv_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

}  // namespace

TEST_CASE("list() finds the ACR122U and the PN533 with identity, kind and libnfc connstring, not the rest") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbReaderInventory inventory;
  const auto readers = inventory.list();
  REQUIRE(readers.size() == 2);

  const auto& acr = readers[0];
  CHECK(acr.kind == "ACS ACR122U");
  CHECK(acr.id == UsbId{0x072f, 0x2200});
  CHECK(acr.driver == LibnfcDriver::kAcr122Usb);
  CHECK(acr.bus == 1);
  CHECK(acr.address == 5);
  CHECK(acr.port_path == "1-2.1");
  CHECK(acr.serial.empty());
  CHECK(acr.identity() == "1-2.1");
  CHECK(acr.manufacturer == "ACS");
  CHECK(acr.product == "ACR122U PICC Interface");
  CHECK(acr.connstring == "acr122_usb:001:005");
  CHECK_FALSE(acr.kernel_driver_bound);
  CHECK(acr.problem.empty());

  const auto& pn = readers[1];
  CHECK(pn.kind == "NXP PN533");
  CHECK(pn.driver == LibnfcDriver::kPn53xUsb);
  CHECK(pn.port_path == "1-2.3");
  CHECK(pn.serial == "PN533BENCH07");
  CHECK(pn.identity() == "1-2.3#PN533BENCH07");
  CHECK(pn.manufacturer == "NXP");
  CHECK(pn.connstring == "pn53x_usb:001:007");

  // The keyboard was never opened: only readers are asked for their strings.
  CHECK(bench.requests("1-1").empty());
  CHECK_FALSE(bench.requests("1-2.3").empty());
}

TEST_CASE("Extra reader table entries from config are found through libusb too") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbInventoryOptions options;
  options.table.add_entries({"046d:c31c pn53x_usb Bench test keyboard"});
  LibusbReaderInventory inventory(options);
  const auto readers = inventory.list();
  REQUIRE(readers.size() == 3);
  CHECK(readers[0].port_path == "1-1");
  CHECK(readers[0].kind == "Bench test keyboard");
  CHECK(readers[0].connstring == "pn53x_usb:001:003");
}

TEST_CASE("Without string reading the readers are not opened and identity is the port path") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbInventoryOptions options;
  options.read_strings = false;
  LibusbReaderInventory inventory(options);
  const auto readers = inventory.list();
  REQUIRE(readers.size() == 2);
  CHECK(readers[1].identity() == "1-2.3");
  CHECK(bench.requests("1-2.3").empty());
}

TEST_CASE("A bench pins roles to readers by port path or serial on the live listing") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbReaderInventory inventory;
  const auto readers = inventory.list();
  ReaderSelector phone;
  phone.port_path = "1-2.1";
  CHECK(select_reader(readers, phone).connstring == "acr122_usb:001:005");
  ReaderSelector printer;
  printer.serial = "PN533BENCH07";
  CHECK(select_reader(readers, printer).port_path == "1-2.3");
  ReaderSelector missing;
  missing.port_path = "1-2.4";
  CHECK_THROWS_WITH_AS(
      select_reader(readers, missing),
      "no NFC reader matches port 1-2.4; readers present: ACS ACR122U at 1-2.1, NXP PN533 at "
      "1-2.3#PN533BENCH07",
      UsbError);
}

TEST_CASE("A reader held by the kernel's pn533_usb driver is listed with the problem spelled out") {
  UmockdevUsbBench bench;
  add_lab(bench);
  bench.bind_kernel_driver("1-2.3", "pn533_usb");
  LibusbReaderInventory inventory;
  const auto readers = inventory.list();
  REQUIRE(readers.size() == 2);
  CHECK_FALSE(readers[0].kernel_driver_bound);
  CHECK(readers[1].kernel_driver_bound);
  CHECK(readers[1].serial == "PN533BENCH07");  // everything else is still known
  CHECK(readers[1].problem.find("blacklist pn533_usb") != std::string::npos);
}

TEST_CASE("An empty bench lists no readers") {
  UmockdevUsbBench bench;
  bench.add("usb-hubs.umockdev");
  LibusbReaderInventory inventory;
  CHECK(inventory.list().empty());
}

TEST_CASE("Hot-plug: present readers, then an arrival and a departure") {
  for (const bool polling : {false, true}) {
    CAPTURE(polling);
    UmockdevUsbBench bench;
    bench.add("usb-hubs.umockdev");
    bench.add("acr122u.umockdev");
    LibusbInventoryOptions options;
    options.force_polling = polling;
    options.poll_period = 20ms;
    LibusbReaderInventory inventory(options);
    if (!polling) REQUIRE(inventory.native_hotplug());
    EventLog log;
    auto subscription = inventory.subscribe(log.callbacks());
    REQUIRE(log.wait_for(1));

    bench.add("pn533.umockdev");
    REQUIRE(log.wait_for(2));
    bench.unplug("1-2.1");
    REQUIRE(log.wait_for(3));
    subscription.reset();
    CHECK(log.events() == std::vector<std::string>{"arrived 1-2.1 acr122_usb:001:005",
                                                   "arrived 1-2.3#PN533BENCH07 pn53x_usb:001:007",
                                                   "left 1-2.1 acr122_usb:001:005"});
    CHECK(inventory.list().size() == 1);
  }
}

TEST_CASE("A reader re-plugged into the same socket keeps its identity and gets a new connstring") {
  UmockdevUsbBench bench;
  add_lab(bench);
  LibusbReaderInventory inventory;
  EventLog log;
  auto subscription = inventory.subscribe(log.callbacks());
  REQUIRE(log.wait_for(2));
  bench.unplug("1-2.3");
  REQUIRE(log.wait_for(3));
  bench.replug("1-2.3", 8);
  REQUIRE(log.wait_for(4));
  subscription.reset();
  const auto events = log.events();
  CHECK(events[2] == "left 1-2.3#PN533BENCH07 pn53x_usb:001:007");
  CHECK(events[3] == "arrived 1-2.3#PN533BENCH07 pn53x_usb:001:008");

  ReaderSelector printer;
  printer.port_path = "1-2.3";
  printer.serial = "PN533BENCH07";
  CHECK(select_reader(inventory.list(), printer).connstring == "pn53x_usb:001:008");
}
