// Names of things on a USB bus: VID:PID pairs, port paths ("1-2.3", the kernel's sysfs name) and the
// connstrings libnfc's USB drivers accept. Pure functions, no I/O.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tapbench::usb {

struct UsbId {
  std::uint16_t vid = 0;
  std::uint16_t pid = 0;
  auto operator<=>(const UsbId&) const = default;
};

// "072f:2200" (hex, case-insensitive, 1-4 digits each side). Throws UsbError(kBadArgument).
UsbId parse_usb_id(std::string_view text);
// Always 4 lowercase hex digits each side, as lsusb prints them.
std::string format_usb_id(UsbId id);

// Where a device sits: its bus and the chain of hub ports from the root hub down.
// This is what stays the same when a reader is re-plugged into the same socket (the device *address*
// does not: the kernel hands out the next free address on every enumeration).
struct PortPath {
  std::uint8_t bus = 0;
  std::vector<std::uint8_t> ports;  // empty for a root hub
  bool operator==(const PortPath&) const = default;
};

// "1-2.3" for bus 1, ports 2 then 3; "usb1" for the root hub of bus 1 (the kernel's sysfs names).
std::string format_port_path(const PortPath& path);
// Accepts "1-2.3", "usb1" and "1" (root hub, as uhubctl writes it). Throws UsbError(kBadArgument).
PortPath parse_port_path(std::string_view text);

// The libnfc USB drivers a reader can be opened with.
enum class LibnfcDriver { kPn53xUsb, kAcr122Usb };
std::string_view to_string(LibnfcDriver driver);  // "pn53x_usb" / "acr122_usb"
// Throws UsbError(kBadArgument) for any other name.
LibnfcDriver parse_libnfc_driver(std::string_view name);

// libnfc's USB drivers (built on libusb-0.1) name a device "<driver>:<bus dir>:<device file>", i.e. the
// zero-padded /dev/bus/usb/BBB/DDD components: "pn53x_usb:001:005". Valid until the device re-enumerates.
std::string libnfc_connstring(LibnfcDriver driver, std::uint8_t bus, std::uint8_t address);

}  // namespace tapbench::usb
