#include "drivers/nfc/nfc_error.hpp"

namespace tapbench::nfc {

std::string_view to_string(NfcError e) {
  switch (e) {
    case NfcError::DeviceMissing:
      return "device missing";
    case NfcError::Timeout:
      return "timeout";
    case NfcError::Protocol:
      return "protocol error";
    case NfcError::CardRemoved:
      return "card removed";
    case NfcError::Aborted:
      return "aborted";
    case NfcError::InvalidArgument:
      return "invalid argument";
    case NfcError::Unsupported:
      return "unsupported";
  }
  return "unknown";
}

FailureClass classify(NfcError e) {
  switch (e) {
    // The bench itself is broken or was interrupted: ERROR, retried by the rig.
    case NfcError::DeviceMissing:
    case NfcError::Aborted:
    case NfcError::InvalidArgument:
    case NfcError::Unsupported:
      return FailureClass::Infrastructure;
    // The device under test did not present a readable tag in time, spoke garbage, or the tap broke off.
    case NfcError::Timeout:
    case NfcError::Protocol:
    case NfcError::CardRemoved:
      return FailureClass::Device;
  }
  return FailureClass::Infrastructure;
}

}  // namespace tapbench::nfc
