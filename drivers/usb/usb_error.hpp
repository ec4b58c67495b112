// Typed errors of the USB driver layer. Every failure a lab user can meet (reader unplugged, no udev rule,
// wrong hub path, hub without power switching, ...) has its own code and a message that says what to do.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tapbench::usb {

enum class UsbErrc {
  kNoDevice,          // nothing at that bus path / the device went away
  kAccessDenied,      // /dev/bus/usb node not writable: missing udev rule or group
  kNotAHub,           // the device at the path is not a USB hub (bDeviceClass != 9)
  kNoPowerSwitching,  // hub descriptor says no power switching at all (LPSM 1x)
  kGangedOnly,        // hub switches all ports together (LPSM 00) and that was not allowed
  kPortOutOfRange,    // port number 0 or above bNbrPorts
  kNotConfirmed,      // the hub accepted the request but GET_STATUS shows no change
  kBadDescriptor,     // a descriptor or status reply that does not parse
  kBadArgument,       // malformed user input (port path, VID:PID, table entry)
  kIo,                // any other libusb failure (timeout, pipe stall, overflow, ...)
};

std::string_view to_string(UsbErrc code);

class UsbError : public std::runtime_error {
 public:
  UsbError(UsbErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  UsbErrc code() const { return code_; }

 private:
  UsbErrc code_;
};

}  // namespace tapbench::usb
