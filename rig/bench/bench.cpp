#include "rig/bench/bench.hpp"

#include <algorithm>

namespace tapbench::rig {

std::string_view to_string(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kNfc:
      return "nfc";
    case DeviceKind::kRadio:
      return "radio";
    case DeviceKind::kRadioLab:
      return "radio-lab";
    case DeviceKind::kServer:
      return "server";
    case DeviceKind::kPrinter:
      return "printer";
    case DeviceKind::kPower:
      return "power";
  }
  return "?";
}

std::string_view to_string(PhoneTraffic traffic) {
  return traffic == PhoneTraffic::kRadio ? "radio" : "loopback";
}

std::string_view to_string(PrinterTls tls) {
  switch (tls) {
    case PrinterTls::kAuto:
      return "auto";
    case PrinterTls::kAlways:
      return "always";
    case PrinterTls::kNever:
      return "never";
  }
  return "?";
}

bool printer_link_uses_tls(PrinterTls tls, std::string_view host) {
  if (tls != PrinterTls::kAuto) return tls == PrinterTls::kAlways;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const bool loopback =
      host == "localhost" || host == "::1" || host.starts_with("127.") || host.starts_with("::ffff:127.");
  return !loopback;
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kPhoneReader:
      return "phone-reader";
    case Role::kPrinterTag:
      return "printer-tag";
    case Role::kPhoneRadio:
      return "phone-radio";
    case Role::kPrinterRadio:
      return "printer-radio";
    case Role::kRouter:
      return "router";
    case Role::kServer:
      return "server";
    case Role::kPrinter:
      return "printer";
    case Role::kPrinterPower:
      return "printer-power";
  }
  return "?";
}

DeviceKind role_kind(Role role) {
  switch (role) {
    case Role::kPhoneReader:
    case Role::kPrinterTag:
      return DeviceKind::kNfc;
    case Role::kPhoneRadio:
    case Role::kPrinterRadio:
    case Role::kRouter:
      return DeviceKind::kRadio;
    case Role::kServer:
      return DeviceKind::kServer;
    case Role::kPrinter:
      return DeviceKind::kPrinter;
    case Role::kPrinterPower:
      return DeviceKind::kPower;
  }
  return DeviceKind::kNfc;
}

const Device* Bench::find_device(std::string_view device_name) const {
  const auto it =
      std::find_if(devices.begin(), devices.end(), [&](const Device& d) { return d.name == device_name; });
  return it == devices.end() ? nullptr : &*it;
}

const Device* Bench::device_for(Role role) const {
  const auto it = roles.find(role);
  return it == roles.end() ? nullptr : find_device(it->second);
}

bool Bench::simulated() const {
  return std::all_of(devices.begin(), devices.end(), [](const Device& d) {
    return std::holds_alternative<Pn532SimBackend>(d.config) ||
           std::holds_alternative<LinkModelBackend>(d.config) ||
           std::holds_alternative<VendordBackend>(d.config) ||
           std::holds_alternative<PrinterdBackend>(d.config) ||
           std::holds_alternative<NoPowerBackend>(d.config);
  });
}

}  // namespace tapbench::rig
