#include <doctest/doctest.h>

#include "drivers/usb/libusb_context.hpp"
#include "drivers/usb/usb_error.hpp"
#include "drivers/usb/usb_topology.hpp"

using namespace tapbench::usb;

namespace {
UsbErrc code_of(auto&& fn) {
  try {
    fn();
  } catch (const UsbError& e) {
    return e.code();
  }
  FAIL("no UsbError thrown");
  return UsbErrc::kIo;
}
}  // namespace

TEST_CASE("USB ids parse as lsusb prints them and round-trip") {
  CHECK(parse_usb_id("072f:2200") == UsbId{0x072f, 0x2200});
  CHECK(parse_usb_id("4CC:2533") == UsbId{0x04cc, 0x2533});
  CHECK(format_usb_id({0x054c, 0x02e1}) == "054c:02e1");
  for (const char* bad :
       {"", "072f", "072f:", ":2200", "072f:22000", "07 2f:2200", "xyz:2200", "072f:2200x"}) {
    CAPTURE(bad);
    CHECK(code_of([&] { parse_usb_id(bad); }) == UsbErrc::kBadArgument);
  }
}

TEST_CASE("Port paths use the kernel's sysfs names") {
  CHECK(format_port_path({1, {2, 3}}) == "1-2.3");
  CHECK(format_port_path({3, {10}}) == "3-10");
  CHECK(format_port_path({2, {}}) == "usb2");
  CHECK(parse_port_path("1-2.3") == PortPath{1, {2, 3}});
  CHECK(parse_port_path("usb1") == PortPath{1, {}});
  CHECK(parse_port_path("4") == PortPath{4, {}});  // uhubctl's name for a root hub
  CHECK(format_port_path(parse_port_path("12-1.4.2.7")) == "12-1.4.2.7");
}

TEST_CASE("Malformed port paths are refused with the expected form in the message") {
  for (const char* bad : {"", "0-1", "1-", "1-0", "1-2.", "1-2..3", "-2", "1-2.x", "usb", "usb0", "1-256",
                          "1-1.1.1.1.1.1.1.1"}) {
    CAPTURE(bad);
    try {
      parse_port_path(bad);
      FAIL("accepted");
    } catch (const UsbError& e) {
      CHECK(e.code() == UsbErrc::kBadArgument);
      CHECK(std::string(e.what()).find("like 1-2.3") != std::string::npos);
    }
  }
}

TEST_CASE("libnfc connstrings are driver:BBB:DDD as libnfc's USB drivers print them") {
  CHECK(libnfc_connstring(LibnfcDriver::kPn53xUsb, 1, 5) == "pn53x_usb:001:005");
  CHECK(libnfc_connstring(LibnfcDriver::kAcr122Usb, 2, 127) == "acr122_usb:002:127");
  CHECK(parse_libnfc_driver("acr122_usb") == LibnfcDriver::kAcr122Usb);
  CHECK(code_of([] { parse_libnfc_driver("pn532_uart"); }) == UsbErrc::kBadArgument);
}

TEST_CASE("libusb failures map to typed errors with a hint the user can act on") {
  try {
    throw_libusb(LIBUSB_ERROR_ACCESS, "cannot open /dev/bus/usb/001/005 (1-2.1)");
  } catch (const UsbError& e) {
    CHECK(e.code() == UsbErrc::kAccessDenied);
    const std::string msg = e.what();
    CHECK(msg.starts_with("cannot open /dev/bus/usb/001/005 (1-2.1): "));
    CHECK(msg.find("udev rule") != std::string::npos);
  }
  CHECK(errc_from_libusb(LIBUSB_ERROR_NO_DEVICE) == UsbErrc::kNoDevice);
  CHECK(errc_from_libusb(LIBUSB_ERROR_NOT_FOUND) == UsbErrc::kNoDevice);
  CHECK(errc_from_libusb(LIBUSB_ERROR_TIMEOUT) == UsbErrc::kIo);
  CHECK(errc_from_libusb(LIBUSB_ERROR_PIPE) == UsbErrc::kIo);
  CHECK_THROWS_WITH_AS(throw_libusb(LIBUSB_ERROR_PIPE, "cannot read the hub descriptor of 1-2"),
                       doctest::Contains("stalled"), UsbError);
  CHECK(to_string(UsbErrc::kGangedOnly) == "ganged-only");
}
