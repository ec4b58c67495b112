#include <doctest/doctest.h>

#include "drivers/usb/reader_inventory.hpp"
#include "drivers/usb/usb_error.hpp"

using namespace tapbench::usb;

namespace {

ReaderInfo reader(const char* path, std::uint8_t address, const char* serial = "") {
  ReaderInfo r;
  r.id = {0x072f, 0x2200};
  r.kind = "ACS ACR122U";
  r.driver = LibnfcDriver::kAcr122Usb;
  r.bus = 1;
  r.address = address;
  r.port_path = path;
  r.serial = serial;
  r.connstring = libnfc_connstring(r.driver, r.bus, r.address);
  return r;
}

using Kind = ReaderEvent::Kind;

ReaderSelector by_path(const char* path) {
  ReaderSelector s;
  s.port_path = path;
  return s;
}
ReaderSelector by_serial(const char* serial) {
  ReaderSelector s;
  s.serial = serial;
  return s;
}
ReaderSelector by_id(UsbId id) {
  ReaderSelector s;
  s.id = id;
  return s;
}

}  // namespace

TEST_CASE("Identity is the port path, plus the serial when the reader has one") {
  CHECK(reader("1-2.3", 5).identity() == "1-2.3");
  CHECK(reader("1-2.3", 5, "A1B2").identity() == "1-2.3#A1B2");
}

TEST_CASE("diff_readers: unchanged listings give no events") {
  const std::vector<ReaderInfo> list{reader("1-1", 4), reader("1-2", 7, "S")};
  CHECK(diff_readers(list, list).empty());
  CHECK(diff_readers({}, {}).empty());
}

TEST_CASE("diff_readers: arrivals and departures, departures first") {
  const auto a = reader("1-1", 4), b = reader("1-2", 7), c = reader("1-3", 9);
  const auto events = diff_readers({a, b}, {b, c});
  REQUIRE(events.size() == 2);
  CHECK(events[0] == ReaderEvent{Kind::kLeft, a});
  CHECK(events[1] == ReaderEvent{Kind::kArrived, c});

  const auto all_new = diff_readers({}, {a, b});
  REQUIRE(all_new.size() == 2);
  CHECK(all_new[0].kind == Kind::kArrived);
  CHECK(all_new[1].reader.port_path == "1-2");
}

TEST_CASE("diff_readers: a re-enumerated reader (new address) is left + arrived with its new connstring") {
  const auto before = reader("1-2.3", 5), after = reader("1-2.3", 6);
  const auto events = diff_readers({before}, {after});
  REQUIRE(events.size() == 2);
  CHECK(events[0] == ReaderEvent{Kind::kLeft, before});
  CHECK(events[1].kind == Kind::kArrived);
  CHECK(events[1].reader.connstring == "acr122_usb:001:006");
}

TEST_CASE("diff_readers: a different reader swapped into the same socket is noticed by its serial") {
  const auto events = diff_readers({reader("1-2", 5, "AAA")}, {reader("1-2", 5, "BBB")});
  REQUIRE(events.size() == 2);
  CHECK(events[0].reader.serial == "AAA");
  CHECK(events[1].reader.serial == "BBB");
}

TEST_CASE("select_reader picks exactly one reader or says why not") {
  const std::vector<ReaderInfo> list{reader("1-1", 4, "X1"), reader("1-2", 7, "X2"), reader("2-1", 3)};
  CHECK(select_reader(list, by_path("1-2")).address == 7);
  CHECK(select_reader(list, by_serial("X1")).port_path == "1-1");
  auto both = by_path("2-1");
  both.id = UsbId{0x072f, 0x2200};
  CHECK(select_reader(list, both).bus == 1);

  try {
    select_reader(list, by_path("1-9"));
    FAIL("selected");
  } catch (const UsbError& e) {
    CHECK(e.code() == UsbErrc::kNoDevice);
    const std::string msg = e.what();
    CHECK(msg.find("port 1-9") != std::string::npos);
    CHECK(msg.find("ACS ACR122U at 1-2#X2") != std::string::npos);  // what is there instead
  }
  try {
    select_reader(list, by_id({0x072f, 0x2200}));
    FAIL("selected");
  } catch (const UsbError& e) {
    CHECK(e.code() == UsbErrc::kBadArgument);
    CHECK(std::string(e.what()).find("ambiguous") != std::string::npos);
  }
  CHECK_THROWS_AS(select_reader(list, ReaderSelector{}), UsbError);
}
