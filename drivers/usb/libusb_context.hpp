// Thin RAII over libusb-1.0 (Debian's libusb-1.0-0): a context, a device list, an open handle, and the
// mapping of libusb error codes to UsbError. Shared by the libusb backends of the USB roles.
#pragma once

#include <libusb.h>

#include <memory>
#include <string>
#include <vector>

#include "drivers/usb/usb_error.hpp"
#include "drivers/usb/usb_topology.hpp"

namespace tapbench::usb {

// Maps a negative libusb return code to a UsbError whose message starts with `what` and ends with a hint.
[[noreturn]] void throw_libusb(int code, const std::string& what);
UsbErrc errc_from_libusb(int code);

class LibusbContext {
 public:
  // Throws UsbError(kIo) if libusb cannot start (e.g. no /dev/bus/usb and no udev).
  LibusbContext();
  ~LibusbContext();
  LibusbContext(const LibusbContext&) = delete;
  LibusbContext& operator=(const LibusbContext&) = delete;

  libusb_context* get() const { return ctx_; }

 private:
  libusb_context* ctx_ = nullptr;
};

struct DeviceUnref {
  void operator()(libusb_device* d) const { libusb_unref_device(d); }
};
using DevicePtr = std::unique_ptr<libusb_device, DeviceUnref>;

// A snapshot of the devices on all buses (each one referenced).
std::vector<DevicePtr> list_devices(libusb_context* ctx);

// The device's place on the bus, from libusb_get_port_numbers().
PortPath port_path_of(libusb_device* dev);
// "/dev/bus/usb/001/005": what to chmod or write a udev rule for.
std::string devnode_of(libusb_device* dev);

class DeviceHandle {
 public:
  // Throws kAccessDenied (with the devnode and the udev hint), kNoDevice, kIo.
  explicit DeviceHandle(libusb_device* dev);
  ~DeviceHandle();
  DeviceHandle(const DeviceHandle&) = delete;
  DeviceHandle& operator=(const DeviceHandle&) = delete;

  libusb_device_handle* get() const { return handle_; }
  // An ASCII string descriptor ("" for index 0). Throws on failure.
  std::string string_descriptor(std::uint8_t index);

 private:
  libusb_device_handle* handle_ = nullptr;
};

}  // namespace tapbench::usb
