// A simulated USB bench *under* the real libusb: umockdev fakes /sys and /dev/bus/usb (the process must run
// with libumockdev-preload, see CMakeLists.txt), devices come from umockdev-record format files, and an
// in-process device model answers the usbdevfs ioctls libusb sends (URB submit/reap for control
// transfers): standard string descriptors for every device, and the hub class requests (hub descriptor,
// port GET_STATUS, SET/CLEAR_FEATURE PORT_POWER) for the hubs told to behave as hubs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "drivers/usb/hub_power.hpp"

namespace tapbench::usb::testing {

// How a simulated hub behaves.
struct SimulatedHub {
  std::uint8_t ports = 4;
  std::uint16_t characteristics = 0x0001;  // wHubCharacteristics; bits 1..0 are the power switching mode
  bool ignores_power_requests = false;     // accepts CLEAR_FEATURE(PORT_POWER) but keeps the port powered
};

class UmockdevUsbBench {
 public:
  // Fails (throws std::runtime_error) unless running under libumockdev-preload.
  UmockdevUsbBench();
  ~UmockdevUsbBench();
  UmockdevUsbBench(const UmockdevUsbBench&) = delete;
  UmockdevUsbBench& operator=(const UmockdevUsbBench&) = delete;

  // Adds the devices of a umockdev-record file (tests/integration/usb/devices/<name>), with a device model
  // behind each /dev/bus/usb node. Emits "add" uevents, so hot-plug listeners see the arrival.
  void add(const std::string& file_name);
  // Unplugs the device with that sysfs name ("1-2.1"): "remove" uevent, then gone from /sys and /dev.
  void unplug(const std::string& sysfs_name);
  // Plugs an unplugged device back into the same port. Give it a new address, as the kernel would.
  void replug(const std::string& sysfs_name, std::uint8_t address);

  // Makes the device at `sysfs_name` answer hub class requests. Ports start powered.
  void make_hub(const std::string& sysfs_name, SimulatedHub hub);
  bool port_powered(const std::string& hub_sysfs_name, std::uint8_t port);
  // Pretends a kernel driver (e.g. "pn533_usb") is bound to interface 0, as USBDEVFS_GETDRIVER reports.
  void bind_kernel_driver(const std::string& sysfs_name, const std::string& driver);
  // Every control request the device at `sysfs_name` received, in order.
  std::vector<ControlSetup> requests(const std::string& sysfs_name);

  struct Model;
  struct Shared;

 private:
  void add_record(const std::string& record, const std::string& origin);
  std::shared_ptr<Shared> shared_;
};

}  // namespace tapbench::usb::testing
