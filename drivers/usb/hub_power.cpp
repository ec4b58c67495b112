#include "drivers/usb/hub_power.hpp"

#include <thread>

#include "drivers/usb/usb_error.hpp"
#include "drivers/usb/usb_topology.hpp"

namespace tapbench::usb {

std::string_view to_string(PowerSwitching mode) {
  switch (mode) {
    case PowerSwitching::kGanged:
      return "ganged";
    case PowerSwitching::kPerPort:
      return "per-port";
    case PowerSwitching::kNone:
      return "none";
  }
  return "unknown";
}

PowerSwitching HubDescriptor::switching() const {
  switch (characteristics & 0x0003) {
    case 0:
      return PowerSwitching::kGanged;
    case 1:
      return PowerSwitching::kPerPort;
    default:
      return PowerSwitching::kNone;
  }
}

HubDescriptor parse_hub_descriptor(std::span<const std::uint8_t> bytes) {
  // Both layouts share the first 7 bytes: bLength, bDescriptorType, bNbrPorts, wHubCharacteristics,
  // bPwrOn2PwrGood, bHubContrCurrent.
  if (bytes.size() < 7) {
    throw UsbError(UsbErrc::kBadDescriptor,
                   "hub descriptor too short: " + std::to_string(bytes.size()) + " bytes, need at least 7");
  }
  const auto type = bytes[1];
  if (type != kHubDescriptorType && type != kSuperSpeedHubDescriptorType) {
    throw UsbError(UsbErrc::kBadDescriptor, "not a hub descriptor: type " + std::to_string(type) +
                                                " (expected 0x29 or 0x2a); the device may not be a hub");
  }
  if (bytes[0] < 7 || bytes[0] > bytes.size()) {
    throw UsbError(UsbErrc::kBadDescriptor, "hub descriptor bLength " + std::to_string(bytes[0]) +
                                                " does not fit the " + std::to_string(bytes.size()) +
                                                " bytes received");
  }
  HubDescriptor d;
  d.superspeed = type == kSuperSpeedHubDescriptorType;
  d.num_ports = bytes[2];
  d.characteristics = static_cast<std::uint16_t>(bytes[3] | (bytes[4] << 8));
  d.power_on_to_good = std::chrono::milliseconds{2 * bytes[5]};
  if (d.num_ports == 0) throw UsbError(UsbErrc::kBadDescriptor, "hub descriptor reports 0 ports");
  return d;
}

ControlSetup get_hub_descriptor_request(bool superspeed) {
  const std::uint8_t type = superspeed ? kSuperSpeedHubDescriptorType : kHubDescriptorType;
  // USB 2.0 11.24.2.5: wLength may exceed the descriptor; the hub returns what it has (at most 71 bytes).
  return {0xa0, kRequestGetDescriptor, static_cast<std::uint16_t>(type << 8), 0, 71};
}

ControlSetup port_power_request(std::uint8_t port, bool on) {
  return {0x23, on ? kRequestSetFeature : kRequestClearFeature, kPortFeaturePower, port, 0};
}

ControlSetup port_status_request(std::uint8_t port) {
  return {0xa3, kRequestGetStatus, 0, port, 4};
}

PortStatus parse_port_status(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != 4) {
    throw UsbError(UsbErrc::kBadDescriptor,
                   "port status reply has " + std::to_string(bytes.size()) + " bytes, expected 4");
  }
  return {static_cast<std::uint16_t>(bytes[0] | (bytes[1] << 8)),
          static_cast<std::uint16_t>(bytes[2] | (bytes[3] << 8))};
}

std::string HubPort::describe() const {
  std::string device = hub_path.starts_with("usb") ? hub_path.substr(3) + "-" + std::to_string(port)
                                                   : hub_path + "." + std::to_string(port);
  return "port " + std::to_string(port) + " of hub " + hub_path + " (device " + device + ")";
}

HubPort upstream_port(std::string_view device_path) {
  PortPath path = parse_port_path(device_path);
  if (path.ports.empty()) {
    throw UsbError(
        UsbErrc::kBadArgument,
        "'" + std::string(device_path) + "' is a root hub: it hangs off no hub port that could be switched");
  }
  const std::uint8_t port = path.ports.back();
  path.ports.pop_back();
  return {format_port_path(path), port};
}

WaitUntil sleep_on(const Clock& clock) {
  return [&clock](MonotonicTime deadline) {
    const auto left = deadline - clock.monotonic_now();
    if (left > MonotonicTime::duration::zero()) std::this_thread::sleep_for(left);
  };
}

PowerCycleResult HubPower::power_cycle(const HubPort& port, std::chrono::milliseconds off_time,
                                       const Clock& clock, const WaitUntil& wait_until) {
  set_port_power(port, false);
  PowerCycleResult result;
  result.off_at = clock.monotonic_now();
  const auto deadline = result.off_at + off_time;
  try {
    while (clock.monotonic_now() < deadline)
      wait_until(deadline);
  } catch (...) {
    set_port_power(port, true);
    throw;
  }
  try {
    set_port_power(port, true);
  } catch (const UsbError& e) {
    throw UsbError(e.code(), "power cycle of " + port.describe() + " left the port OFF: " + e.what());
  }
  result.on_at = clock.monotonic_now();
  return result;
}

}  // namespace tapbench::usb
