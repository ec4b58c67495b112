#include "drivers/usb/libusb_hub_power.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <tuple>

namespace tapbench::usb {
namespace {

int control(libusb_device_handle* h, const ControlSetup& s, unsigned char* data,
            std::chrono::milliseconds timeout) {
  return libusb_control_transfer(h, s.request_type, s.request, s.value, s.index, data, s.length,
                                 static_cast<unsigned>(timeout.count()));
}

}  // namespace

struct LibusbHubPower::OpenHub {
  std::string path;
  std::unique_ptr<DeviceHandle> handle;
  HubInfo info;
};

LibusbHubPower::LibusbHubPower(LibusbHubPowerOptions options) : options_(options) {}
LibusbHubPower::~LibusbHubPower() = default;

LibusbHubPower::OpenHub LibusbHubPower::open_hub(const std::string& hub_path) {
  const PortPath wanted = parse_port_path(hub_path);
  const std::string canonical = format_port_path(wanted);
  DevicePtr found;
  for (auto& dev : list_devices(context_.get())) {
    if (port_path_of(dev.get()) == wanted) {
      found = std::move(dev);
      break;
    }
  }
  if (!found) throw UsbError(UsbErrc::kNoDevice, "no USB device at " + canonical + " (check `lsusb -t`)");
  libusb_device_descriptor desc{};
  const int rc = libusb_get_device_descriptor(found.get(), &desc);
  if (rc < 0) throw_libusb(rc, "cannot read the device descriptor of " + canonical);
  if (desc.bDeviceClass != kUsbClassHub) {
    char id[16];
    std::snprintf(id, sizeof id, "%04x:%04x", desc.idVendor, desc.idProduct);
    throw UsbError(UsbErrc::kNotAHub, "the device at " + canonical + " (" + id + ", class " +
                                          std::to_string(desc.bDeviceClass) + ") is not a USB hub");
  }
  OpenHub hub{canonical, std::make_unique<DeviceHandle>(found.get()), {}};
  hub.info.path = canonical;
  hub.info.vid = desc.idVendor;
  hub.info.pid = desc.idProduct;
  const bool superspeed = desc.bcdUSB >= 0x0300;
  std::array<unsigned char, 71> buf{};
  const auto request = get_hub_descriptor_request(superspeed);
  const int n = control(hub.handle->get(), request, buf.data(), options_.transfer_timeout);
  if (n < 0) throw_libusb(n, "cannot read the hub descriptor of " + canonical);
  try {
    hub.info.descriptor = parse_hub_descriptor(std::span(buf.data(), static_cast<std::size_t>(n)));
  } catch (const UsbError& e) {
    throw UsbError(e.code(), "hub " + canonical + ": " + e.what());
  }
  return hub;
}

PortStatus LibusbHubPower::read_status(OpenHub& hub, std::uint8_t port) {
  if (port == 0 || port > hub.info.descriptor.num_ports) {
    throw UsbError(UsbErrc::kPortOutOfRange, "hub " + hub.path + " has ports 1.." +
                                                 std::to_string(hub.info.descriptor.num_ports) + ", not " +
                                                 std::to_string(port));
  }
  std::array<unsigned char, 4> buf{};
  const int n = control(hub.handle->get(), port_status_request(port), buf.data(), options_.transfer_timeout);
  if (n < 0)
    throw_libusb(n, "cannot read the status of port " + std::to_string(port) + " of hub " + hub.path);
  try {
    return parse_port_status(std::span(buf.data(), static_cast<std::size_t>(n)));
  } catch (const UsbError& e) {
    throw UsbError(e.code(), "hub " + hub.path + ": " + e.what());
  }
}

HubInfo LibusbHubPower::describe(const std::string& hub_path) {
  return open_hub(hub_path).info;
}

bool LibusbHubPower::port_powered(const HubPort& port) {
  auto hub = open_hub(port.hub_path);
  return read_status(hub, port.port).powered(hub.info.descriptor.superspeed);
}

void LibusbHubPower::set_port_power(const HubPort& port, bool on) {
  auto hub = open_hub(port.hub_path);
  read_status(hub, port.port);  // range check before anything is switched
  const auto mode = hub.info.descriptor.switching();
  if (mode == PowerSwitching::kNone) {
    throw UsbError(UsbErrc::kNoPowerSwitching,
                   "hub " + hub.path +
                       " cannot switch port power (its hub descriptor declares no power "
                       "switching); use a hub with per-port power switching for " +
                       port.describe());
  }
  if (mode == PowerSwitching::kGanged && !options_.allow_ganged) {
    throw UsbError(
        UsbErrc::kGangedOnly,
        "hub " + hub.path + " switches all its ports together (ganged power switching): turning off " +
            port.describe() + " would also cut its " + std::to_string(hub.info.descriptor.num_ports - 1) +
            " other ports; allow ganged switching to do it anyway");
  }
  const int rc =
      control(hub.handle->get(), port_power_request(port.port, on), nullptr, options_.transfer_timeout);
  if (rc < 0) throw_libusb(rc, std::string("cannot switch ") + (on ? "on " : "off ") + port.describe());
  const bool powered = read_status(hub, port.port).powered(hub.info.descriptor.superspeed);
  if (powered != on) {
    throw UsbError(UsbErrc::kNotConfirmed,
                   "hub " + hub.path + " accepted the request but " + port.describe() + " is still " +
                       (powered ? "powered" : "unpowered") +
                       " (some hubs ignore power switching; on Linux the kernel hub driver may also "
                       "re-power the port, see docs/DRIVERS-USB.md)");
  }
}

std::vector<HubInfo> LibusbHubPower::list_hubs() {
  auto devices = list_devices(context_.get());
  // Root hubs first, then by the port chain: the order `lsusb -t` draws them in.
  std::sort(devices.begin(), devices.end(), [](const DevicePtr& a, const DevicePtr& b) {
    const auto pa = port_path_of(a.get()), pb = port_path_of(b.get());
    return std::tie(pa.bus, pa.ports) < std::tie(pb.bus, pb.ports);
  });
  std::vector<HubInfo> hubs;
  for (const auto& dev : devices) {
    libusb_device_descriptor desc{};
    if (libusb_get_device_descriptor(dev.get(), &desc) < 0 || desc.bDeviceClass != kUsbClassHub) continue;
    const auto path = format_port_path(port_path_of(dev.get()));
    try {
      hubs.push_back(describe(path));
    } catch (const UsbError& e) {
      if (e.code() == UsbErrc::kNoDevice) continue;  // gone meanwhile
      HubInfo info;
      info.path = path;
      info.vid = desc.idVendor;
      info.pid = desc.idProduct;
      info.problem = e.what();
      hubs.push_back(std::move(info));
    }
  }
  return hubs;
}

}  // namespace tapbench::usb
