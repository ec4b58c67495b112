// NfcReader and TagFrontend through Debian's libnfc (pn532_uart driver) against emulated PN532s on ptys, in
// process: the same driver code the lab runs against real readers.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "drivers/nfc/nfc_factory.hpp"
#include "sim/pn532/simulator.hpp"
#include "tests/integration/nfc/nfc_test_support.hpp"

using namespace tapbench::nfc;
using namespace nfc_test;
using tapbench::sim::pn532::Simulator;

namespace {

struct SimBench {
  TempDir dir;
  Simulator sim;
  std::string phone, printer;
  SimBench() {
    quiet_libnfc();
    phone = "pn532_uart:" + dir / "phone";
    printer = "pn532_uart:" + dir / "printer";
    sim.add_chip_on_pty(dir / "phone");
  }
  void add_printer_chip() { sim.add_chip_on_pty(dir / "printer"); }
};

NfcError error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const NfcException& e) {
    return e.code();
  }
  FAIL("no NfcException thrown");
  return NfcError::Unsupported;
}

}  // namespace

TEST_CASE("NfcReader reads the built-in tag's handover message through libnfc, timestamped") {
  SimBench b;
  const Bytes msg = handover_message();
  b.sim.add_tag("tag", msg);
  auto reader = make_nfc_reader("libnfc:" + b.phone);
  CHECK(reader->description().find("pn532_uart:" + b.dir / "phone") == 0);
  const auto r = reader->read_ndef(std::chrono::seconds(2));
  CHECK(r.ndef == msg);
  CHECK(r.target.iso_dep());
  CHECK(r.target.uid.size() == 7);
  CHECK(r.cc.mle == 0xFF);
  CHECK(r.apdus == 7);  // 2 READ BINARY chunks for 432 bytes with MLe 255
  REQUIRE(r.times.field_on);
  REQUIRE(r.times.target_found);
  REQUIRE(r.times.ndef_read);
  CHECK(*r.times.field_on <= *r.times.target_found);
  CHECK(*r.times.target_found <= *r.times.ndef_read);
  const auto log = b.sim.log().dump();
  CHECK(log.find("InListPassiveTarget") != std::string::npos);
  CHECK(log.find("InDataExchange") != std::string::npos);
  CHECK(log.find("InDeselect") != std::string::npos);
}

TEST_CASE("a dynamic tag: content swapped between taps is what the next tap reads") {
  SimBench b;
  b.sim.add_tag("tag", uri_message());
  auto reader = make_nfc_reader(b.phone);
  CHECK(reader->read_ndef(std::chrono::seconds(2)).ndef == uri_message());
  const Bytes msg = handover_message();
  std::string hex;
  for (auto v : msg) {
    static const char* d = "0123456789abcdef";
    hex += d[v >> 4];
    hex += d[v & 15];
  }
  REQUIRE(b.sim.execute("set-ndef tag " + hex) == "ok 432\n");
  CHECK(reader->read_ndef(std::chrono::seconds(2)).ndef == msg);
}

TEST_CASE("two emulated chips: our reader reads the firmware's tag served by TagFrontend, byte-identical") {
  SimBench b;
  b.add_printer_chip();
  auto printer = make_tag_frontend("libnfc:" + b.printer);
  printer->set_ndef(uri_message());
  const Bytes msg = handover_message();
  std::mutex m;
  std::vector<TapEvent::Kind> events;
  printer->set_listener([&](const TapEvent& e) {
    std::lock_guard lock(m);
    events.push_back(e.kind);
    // S18/S19: the firmware composes the message for its current state when the reader taps.
    if (e.kind == TapEvent::Kind::Selected) printer->set_ndef(msg);
  });
  printer->start();
  REQUIRE(printer->running());
  auto reader = make_nfc_reader(b.phone);
  const auto r = reader->read_ndef(std::chrono::seconds(3));
  CHECK(r.ndef == msg);
  CHECK(r.target.uid == Bytes{0x08, 0x54, 0x42, 0x01});
  REQUIRE(eventually(
      [&] {
        std::lock_guard lock(m);
        return events.size() >= 2;
      },
      std::chrono::seconds(3)));
  {
    std::lock_guard lock(m);
    CHECK(events[0] == TapEvent::Kind::Selected);
    CHECK(events[1] == TapEvent::Kind::Released);
  }
  CHECK(printer->taps() == 1);
  // A second tap reads the same content; the frontend re-arms after each release.
  CHECK(reader->read_ndef(std::chrono::seconds(3)).ndef == msg);
  CHECK(printer->taps() == 2);
  printer->stop();
  CHECK_FALSE(printer->running());
}

TEST_CASE("TagFrontend accepts UPDATE BINARY when writable and reports the written message") {
  SimBench b;
  b.add_printer_chip();
  TagFrontendConfig cfg;
  cfg.tag.writable = true;
  auto printer = make_tag_frontend(b.printer, cfg);
  printer->set_ndef(uri_message());
  std::promise<Bytes> written;
  std::atomic<bool> once{false};
  printer->set_listener([&](const TapEvent& e) {
    if (e.kind == TapEvent::Kind::Updated && !once.exchange(true)) written.set_value(e.ndef);
  });
  printer->start();
  auto reader = make_nfc_reader(b.phone);
  reader->field_on();
  reader->wait_for_target(std::chrono::seconds(3));
  const Bytes msg = handover_message();
  reader->write_ndef(msg);
  reader->release();
  auto fut = written.get_future();
  REQUIRE(fut.wait_for(std::chrono::seconds(3)) == std::future_status::ready);
  CHECK(fut.get() == msg);
  CHECK(printer->ndef() == msg);
  CHECK(reader->read_ndef(std::chrono::seconds(3)).ndef == msg);
}

TEST_CASE("a read-only TagFrontend refuses writes with a protocol error") {
  SimBench b;
  b.add_printer_chip();
  auto printer = make_tag_frontend(b.printer);
  printer->set_ndef(uri_message());
  printer->start();
  auto reader = make_nfc_reader(b.phone);
  reader->wait_for_target(std::chrono::seconds(3));
  CHECK(error_of([&] { reader->write_ndef(handover_message()); }) == NfcError::Protocol);
  CHECK(printer->ndef() == uri_message());
}

TEST_CASE("no card in the field: wait_for_target gives Timeout after its deadline, like real hardware") {
  SimBench b;
  auto reader = make_nfc_reader(b.phone);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(error_of([&] { reader->wait_for_target(std::chrono::milliseconds(300)); }) == NfcError::Timeout);
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= std::chrono::milliseconds(300));
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE("card removed mid-read: the read fails with CardRemoved, and the reader recovers") {
  SimBench b;
  b.sim.add_tag("tag", handover_message());
  auto reader = make_nfc_reader(b.phone);
  REQUIRE(b.sim.execute("remove-after tag 4") == "ok\n");  // leaves after the CC read, before the NDEF file
  CHECK(error_of([&] { reader->read_ndef(std::chrono::seconds(2)); }) == NfcError::CardRemoved);
  CHECK(b.sim.execute("status").find("card tag kind=type4-tag removed") != std::string::npos);
  CHECK(error_of([&] { reader->wait_for_target(std::chrono::milliseconds(100)); }) == NfcError::Timeout);
  REQUIRE(b.sim.execute("place tag") == "ok\n");
  CHECK(reader->read_ndef(std::chrono::seconds(2)).ndef == handover_message());
}

TEST_CASE("the presence check follows the card leaving the field") {
  SimBench b;
  b.sim.add_tag("tag", uri_message());
  auto reader = make_nfc_reader(b.phone);
  reader->wait_for_target(std::chrono::seconds(2));
  CHECK(reader->target_present());
  REQUIRE(b.sim.execute("remove tag") == "ok\n");
  CHECK_FALSE(reader->target_present());
}

TEST_CASE("garbage on the line: a Protocol error, and the next tap works") {
  SimBench b;
  b.sim.add_tag("tag", uri_message());
  auto reader = make_nfc_reader(b.phone);
  reader->wait_for_target(std::chrono::seconds(2));
  const Bytes select{0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00};
  // Bytes that are no PN532 frame at all.
  REQUIRE(b.sim.execute("garbage phone de ad be ef 13 37 42 42") == "ok\n");
  CHECK(error_of([&] { reader->transceive(select); }) == NfcError::Protocol);
  // A valid header whose frame breaks off: the host waits for the rest, then times out.
  reader->wait_for_target(std::chrono::seconds(2));
  REQUIRE(b.sim.execute("garbage phone 00 00 ff 05 fb d5 41 13 37") == "ok\n");
  CHECK(error_of([&] { reader->transceive(select); }) == NfcError::Timeout);
  // A wrong data checksum.
  reader->wait_for_target(std::chrono::seconds(2));
  REQUIRE(b.sim.execute("garbage phone 00 00 ff 05 fb d5 41 00 90 00 00 00") == "ok\n");
  CHECK(error_of([&] { reader->transceive(select); }) == NfcError::Protocol);
  CHECK(reader->read_ndef(std::chrono::seconds(2)).ndef == uri_message());
}

TEST_CASE("oversized APDUs are refused before they reach the line") {
  SimBench b;
  b.sim.add_tag("tag", uri_message());
  auto reader = make_nfc_reader(b.phone);
  reader->wait_for_target(std::chrono::seconds(2));
  CHECK(error_of([&] { reader->transceive(Bytes(300, 0x00)); }) == NfcError::InvalidArgument);
  CHECK(error_of([&] { reader->transceive(Bytes{0x00, 0xA4}); }) == NfcError::InvalidArgument);
}

TEST_CASE("TagFrontend: stop() ends a wait for a tap promptly; a missing device is DeviceMissing") {
  SimBench b;
  b.add_printer_chip();
  auto printer = make_tag_frontend(b.printer);
  printer->set_ndef(uri_message());
  printer->start();
  REQUIRE(eventually(
      [&] { return b.sim.log().dump().find("listening as ISO14443-4A target") != std::string::npos; },
      std::chrono::seconds(3)));
  const auto t0 = std::chrono::steady_clock::now();
  printer->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  CHECK_FALSE(printer->running());
  CHECK(b.sim.log().dump().find("command aborted by host") != std::string::npos);

  auto missing = make_tag_frontend("pn532_uart:" + b.dir / "nothing-here");
  CHECK(error_of([&] { missing->start(); }) == NfcError::DeviceMissing);
}

TEST_CASE("proximity: swapping cards in the field changes which tag a tap reads") {
  SimBench b;
  b.sim.add_tag("first", uri_message());
  b.sim.add_tag("second", handover_message(), {}, {}, /*placed=*/false);
  auto reader = make_nfc_reader(b.phone);
  const auto a = reader->read_ndef(std::chrono::seconds(2));
  CHECK(a.ndef == uri_message());
  REQUIRE(b.sim.execute("swap second") == "ok\n");
  const auto c = reader->read_ndef(std::chrono::seconds(2));
  CHECK(c.ndef == handover_message());
  CHECK(c.target.uid != a.target.uid);
  REQUIRE(b.sim.execute("remove-all") == "ok\n");
  CHECK(error_of([&] { reader->wait_for_target(std::chrono::milliseconds(50)); }) == NfcError::Timeout);
}

TEST_CASE("taps racing card removal: each read gives the exact message or a typed error, never a hang") {
  SimBench b;
  const Bytes msg = handover_message();
  b.sim.add_tag("tag", msg);
  ReaderOptions opts;
  opts.apdu_timeout = std::chrono::milliseconds(500);
  auto reader = make_nfc_reader(b.phone, opts);
  std::atomic<bool> done{false};
  std::thread toggler([&] {
    while (!done) {
      b.sim.execute("remove tag");
      std::this_thread::yield();
      b.sim.execute("place tag");
      std::this_thread::yield();
    }
  });
  int ok = 0, removed = 0, timeouts = 0;
  for (int i = 0; i < 40; ++i) {
    try {
      const auto r = reader->read_ndef(std::chrono::milliseconds(200));
      CHECK(r.ndef == msg);  // a completed read is never partial or mixed
      ++ok;
    } catch (const NfcException& e) {
      if (e.code() == NfcError::CardRemoved) {
        ++removed;
      } else if (e.code() == NfcError::Timeout) {
        ++timeouts;
      } else {
        FAIL_CHECK("unexpected error: " << e.what());
      }
    }
  }
  done = true;
  toggler.join();
  MESSAGE("reads ok " << ok << ", card removed " << removed << ", timeouts " << timeouts);
  CHECK(ok + removed + timeouts == 40);
  b.sim.execute("place tag");
  CHECK(reader->read_ndef(std::chrono::seconds(2)).ndef == msg);
}
