#include "drivers/usb/libusb_context.hpp"

#include <cstdio>

namespace tapbench::usb {

UsbErrc errc_from_libusb(int code) {
  switch (code) {
    case LIBUSB_ERROR_ACCESS:
      return UsbErrc::kAccessDenied;
    case LIBUSB_ERROR_NO_DEVICE:
    case LIBUSB_ERROR_NOT_FOUND:
      return UsbErrc::kNoDevice;
    default:
      return UsbErrc::kIo;
  }
}

void throw_libusb(int code, const std::string& what) {
  std::string message = what + ": " + libusb_strerror(code);
  switch (code) {
    case LIBUSB_ERROR_ACCESS:
      message +=
          " (no write permission on the device node: install the udev rule from docs/DRIVERS-USB.md "
          "or run the rig in the plugdev group)";
      break;
    case LIBUSB_ERROR_NO_DEVICE:
      message += " (the device was unplugged or re-enumerated)";
      break;
    case LIBUSB_ERROR_PIPE:
      message += " (the device stalled the request: it does not support it)";
      break;
    case LIBUSB_ERROR_TIMEOUT:
      message += " (no answer from the device)";
      break;
    default:
      break;
  }
  throw UsbError(errc_from_libusb(code), message);
}

LibusbContext::LibusbContext() {
  const int rc = libusb_init(&ctx_);
  if (rc < 0) throw_libusb(rc, "cannot initialise libusb");
}

LibusbContext::~LibusbContext() {
  libusb_exit(ctx_);
}

std::vector<DevicePtr> list_devices(libusb_context* ctx) {
  libusb_device** raw = nullptr;
  const ssize_t n = libusb_get_device_list(ctx, &raw);
  if (n < 0) throw_libusb(static_cast<int>(n), "cannot list USB devices");
  std::vector<DevicePtr> out;
  out.reserve(static_cast<std::size_t>(n));
  for (ssize_t i = 0; i < n; ++i)
    out.emplace_back(libusb_ref_device(raw[i]));
  libusb_free_device_list(raw, 1);
  return out;
}

PortPath port_path_of(libusb_device* dev) {
  PortPath path;
  path.bus = libusb_get_bus_number(dev);
  std::uint8_t ports[8];
  const int n = libusb_get_port_numbers(dev, ports, sizeof ports);
  if (n > 0) path.ports.assign(ports, ports + n);
  return path;
}

std::string devnode_of(libusb_device* dev) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "/dev/bus/usb/%03u/%03u", unsigned{libusb_get_bus_number(dev)},
                unsigned{libusb_get_device_address(dev)});
  return buf;
}

DeviceHandle::DeviceHandle(libusb_device* dev) {
  const int rc = libusb_open(dev, &handle_);
  if (rc < 0)
    throw_libusb(rc, "cannot open " + devnode_of(dev) + " (" + format_port_path(port_path_of(dev)) + ")");
}

DeviceHandle::~DeviceHandle() {
  libusb_close(handle_);
}

std::string DeviceHandle::string_descriptor(std::uint8_t index) {
  if (index == 0) return {};
  unsigned char buf[256];
  const int n = libusb_get_string_descriptor_ascii(handle_, index, buf, sizeof buf);
  if (n < 0) throw_libusb(n, "cannot read string descriptor " + std::to_string(index));
  return std::string(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

}  // namespace tapbench::usb
