#include "drivers/usb/usb_topology.hpp"

#include <charconv>
#include <cstdio>

#include "drivers/usb/usb_error.hpp"

namespace tapbench::usb {
namespace {

bool parse_hex16(std::string_view s, std::uint16_t& out) {
  if (s.empty() || s.size() > 4) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
  if (ec != std::errc{} || end != s.data() + s.size()) return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

// A decimal number in [min, max]; rejects signs, blanks and trailing text.
bool parse_dec(std::string_view s, unsigned min, unsigned max, unsigned& out) {
  if (s.empty() || s.size() > 3) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 10);
  return ec == std::errc{} && end == s.data() + s.size() && out >= min && out <= max;
}

[[noreturn]] void bad_path(std::string_view text, std::string_view why) {
  throw UsbError(UsbErrc::kBadArgument,
                 "bad USB port path '" + std::string(text) + "': " + std::string(why) +
                     " (expected BUS-PORT[.PORT...] like 1-2.3, or usbBUS for a root hub)");
}

}  // namespace

UsbId parse_usb_id(std::string_view text) {
  const auto colon = text.find(':');
  UsbId id;
  if (colon == std::string_view::npos || !parse_hex16(text.substr(0, colon), id.vid) ||
      !parse_hex16(text.substr(colon + 1), id.pid)) {
    throw UsbError(UsbErrc::kBadArgument,
                   "bad USB id '" + std::string(text) + "': expected VID:PID in hex, like 072f:2200");
  }
  return id;
}

std::string format_usb_id(UsbId id) {
  char buf[10];
  std::snprintf(buf, sizeof buf, "%04x:%04x", id.vid, id.pid);
  return buf;
}

std::string format_port_path(const PortPath& path) {
  if (path.ports.empty()) return "usb" + std::to_string(path.bus);
  std::string out = std::to_string(path.bus) + "-";
  for (std::size_t i = 0; i < path.ports.size(); ++i) {
    if (i) out += '.';
    out += std::to_string(path.ports[i]);
  }
  return out;
}

PortPath parse_port_path(std::string_view text) {
  PortPath path;
  unsigned n = 0;
  std::string_view rest = text;
  if (rest.starts_with("usb")) {
    if (!parse_dec(rest.substr(3), 1, 255, n)) bad_path(text, "root hub bus number must be 1..255");
    path.bus = static_cast<std::uint8_t>(n);
    return path;
  }
  const auto dash = rest.find('-');
  if (!parse_dec(rest.substr(0, dash), 1, 255, n)) bad_path(text, "bus number must be 1..255");
  path.bus = static_cast<std::uint8_t>(n);
  if (dash == std::string_view::npos) return path;  // "1": root hub, uhubctl style
  rest = rest.substr(dash + 1);
  while (true) {
    const auto dot = rest.find('.');
    if (!parse_dec(rest.substr(0, dot), 1, 255, n)) bad_path(text, "each port must be 1..255");
    path.ports.push_back(static_cast<std::uint8_t>(n));
    if (dot == std::string_view::npos) break;
    rest = rest.substr(dot + 1);
  }
  // USB 3 allows at most 7 tiers: a root hub plus 6 hub ports above any device.
  if (path.ports.size() > 7) bad_path(text, "more than 7 tiers");
  return path;
}

std::string_view to_string(LibnfcDriver driver) {
  switch (driver) {
    case LibnfcDriver::kPn53xUsb:
      return "pn53x_usb";
    case LibnfcDriver::kAcr122Usb:
      return "acr122_usb";
  }
  return "unknown";
}

LibnfcDriver parse_libnfc_driver(std::string_view name) {
  if (name == "pn53x_usb") return LibnfcDriver::kPn53xUsb;
  if (name == "acr122_usb") return LibnfcDriver::kAcr122Usb;
  throw UsbError(UsbErrc::kBadArgument,
                 "unknown libnfc USB driver '" + std::string(name) + "': expected pn53x_usb or acr122_usb");
}

std::string libnfc_connstring(LibnfcDriver driver, std::uint8_t bus, std::uint8_t address) {
  char buf[16];
  std::snprintf(buf, sizeof buf, ":%03u:%03u", unsigned{bus}, unsigned{address});
  return std::string(to_string(driver)) + buf;
}

}  // namespace tapbench::usb
