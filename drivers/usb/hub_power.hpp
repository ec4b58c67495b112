// Role interface: switch the VBUS of one downstream port of a USB hub, to power-cycle a wedged reader.
// The technique is uhubctl's: the hub class requests SET_FEATURE / CLEAR_FEATURE(PORT_POWER) sent to the
// hub itself, confirmed with GET_STATUS(port). Whether a hub can do it is in its hub descriptor
// (wHubCharacteristics bits 1..0, "logical power switching mode"). The libusb backend is
// libusb_hub_power.hpp; the request building and descriptor parsing below are pure and shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/clock/clock.hpp"

namespace tapbench::usb {

// --- USB 2.0 spec 11.23 / USB 3.2 spec 10.15: what the hub says about itself -------------------------------

enum class PowerSwitching {
  kGanged,   // LPSM 00: all ports switch together
  kPerPort,  // LPSM 01: each port switches on its own
  kNone,     // LPSM 1x: no power switching (ports always powered)
};
std::string_view to_string(PowerSwitching mode);

struct HubDescriptor {
  bool superspeed = false;  // descriptor type 0x2A (USB 3 hub) rather than 0x29
  std::uint8_t num_ports = 0;
  std::uint16_t characteristics = 0;              // wHubCharacteristics
  std::chrono::milliseconds power_on_to_good{0};  // bPwrOn2PwrGood x 2 ms
  PowerSwitching switching() const;
};

// Parses a hub descriptor as returned by GET_DESCRIPTOR(0x29 or 0x2A). Throws UsbError(kBadDescriptor).
HubDescriptor parse_hub_descriptor(std::span<const std::uint8_t> bytes);

// A control transfer's setup packet.
struct ControlSetup {
  std::uint8_t request_type = 0;  // bmRequestType
  std::uint8_t request = 0;       // bRequest
  std::uint16_t value = 0;        // wValue
  std::uint16_t index = 0;        // wIndex
  std::uint16_t length = 0;       // wLength
  bool operator==(const ControlSetup&) const = default;
};

inline constexpr std::uint8_t kUsbClassHub = 0x09;
inline constexpr std::uint8_t kHubDescriptorType = 0x29;
inline constexpr std::uint8_t kSuperSpeedHubDescriptorType = 0x2a;
inline constexpr std::uint16_t kPortFeaturePower = 8;  // PORT_POWER
inline constexpr std::uint8_t kRequestGetStatus = 0;
inline constexpr std::uint8_t kRequestClearFeature = 1;
inline constexpr std::uint8_t kRequestSetFeature = 3;
inline constexpr std::uint8_t kRequestGetDescriptor = 6;

// Class request to the hub device: bmRequestType 0xA0, GET_DESCRIPTOR, wValue = type << 8.
ControlSetup get_hub_descriptor_request(bool superspeed);
// Class request to a port (bmRequestType 0x23): SET_FEATURE (on) / CLEAR_FEATURE (off), wValue PORT_POWER,
// wIndex = port (1-based).
ControlSetup port_power_request(std::uint8_t port, bool on);
// GET_STATUS of a port: bmRequestType 0xA3, wIndex = port, 4 bytes back (wPortStatus, wPortChange).
ControlSetup port_status_request(std::uint8_t port);

struct PortStatus {
  std::uint16_t status = 0;  // wPortStatus
  std::uint16_t change = 0;  // wPortChange
  bool connected() const { return status & 0x0001; }
  bool enabled() const { return status & 0x0002; }
  // The power bit moved between USB 2 (bit 8) and USB 3 hubs (bit 9).
  bool powered(bool superspeed) const { return status & (superspeed ? 0x0200 : 0x0100); }
};
// Throws UsbError(kBadDescriptor) unless exactly 4 bytes.
PortStatus parse_port_status(std::span<const std::uint8_t> bytes);

// --- the role
// -------------------------------------------------------------------------------------------------

struct HubPort {
  std::string hub_path;          // the hub's own port path: "1-2", or "usb1" for a root hub
  std::uint8_t port = 0;         // 1-based downstream port
  std::string describe() const;  // "port 3 of hub 1-2 (device 1-2.3)"
};

// The hub port a device hangs off: "1-2.3" -> port 3 of hub "1-2"; "1-4" -> port 4 of root hub "usb1".
// This is how a bench finds the port to power-cycle for the reader it pinned by port path.
// Throws UsbError(kBadArgument) for a malformed path or a root hub (which has no upstream port).
HubPort upstream_port(std::string_view device_path);

struct HubInfo {
  std::string path;
  std::uint16_t vid = 0, pid = 0;
  HubDescriptor descriptor;
  std::string problem;  // set by listings when the hub could not be opened or read; descriptor is then empty
};

// Waits until the clock reads at least `deadline`. Real code sleeps (sleep_on()); tests advance a
// ManualClock, so an off-time is exact and costs no wall time.
using WaitUntil = std::function<void(MonotonicTime deadline)>;
// A WaitUntil that sleeps on the real clock.
WaitUntil sleep_on(const Clock& clock);

struct PowerCycleResult {
  MonotonicTime off_at;  // when GET_STATUS first confirmed the port unpowered
  MonotonicTime on_at;   // when power was switched back on
};

class HubPower {
 public:
  virtual ~HubPower() = default;

  // Reads the hub's descriptor. Throws kNoDevice, kNotAHub, kAccessDenied, kIo.
  virtual HubInfo describe(const std::string& hub_path) = 0;
  // GET_STATUS of the port. Throws as describe(), plus kPortOutOfRange.
  virtual bool port_powered(const HubPort& port) = 0;
  // Switches the port and confirms with GET_STATUS. Throws as port_powered(), plus kNoPowerSwitching,
  // kGangedOnly (unless the backend was told ganged switching is fine) and kNotConfirmed.
  virtual void set_port_power(const HubPort& port, bool on) = 0;

  // Off, wait `off_time` by `clock`, on. If anything fails after the port went off, power is switched back
  // on before the error is rethrown, so a failed cycle never leaves a reader dark.
  PowerCycleResult power_cycle(const HubPort& port, std::chrono::milliseconds off_time, const Clock& clock,
                               const WaitUntil& wait_until);
};

}  // namespace tapbench::usb
