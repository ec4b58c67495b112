#include "drivers/usb/usb_error.hpp"

namespace tapbench::usb {

std::string_view to_string(UsbErrc code) {
  switch (code) {
    case UsbErrc::kNoDevice:
      return "no-device";
    case UsbErrc::kAccessDenied:
      return "access-denied";
    case UsbErrc::kNotAHub:
      return "not-a-hub";
    case UsbErrc::kNoPowerSwitching:
      return "no-power-switching";
    case UsbErrc::kGangedOnly:
      return "ganged-only";
    case UsbErrc::kPortOutOfRange:
      return "port-out-of-range";
    case UsbErrc::kNotConfirmed:
      return "not-confirmed";
    case UsbErrc::kBadDescriptor:
      return "bad-descriptor";
    case UsbErrc::kBadArgument:
      return "bad-argument";
    case UsbErrc::kIo:
      return "io-error";
  }
  return "unknown";
}

}  // namespace tapbench::usb
