// Typed NFC errors. Every backend reports failures as NfcException carrying one NfcError, so the rig can tell
// an infrastructure ERROR (retry, mark the bench bad) from a device FAIL (the system under test did wrong).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tapbench::nfc {

enum class NfcError {
  DeviceMissing,    // the reader/chip cannot be opened, or vanished (emulator killed, USB unplugged)
  Timeout,          // nothing answered within the deadline (no card in the field, reader silent)
  Protocol,         // malformed frames, unexpected status words, a tag that breaks the T4T rules
  CardRemoved,      // the card left the field during a session
  Aborted,          // the operation was cancelled by our side (stop(), shutdown)
  InvalidArgument,  // the caller asked for something impossible (bad connstring, oversized APDU)
  Unsupported,      // the backend cannot do this (driver or chip without the feature)
};

// Which verdict a failure leads to, per docs/DRIVERS-NFC.md.
enum class FailureClass { Infrastructure, Device };

std::string_view to_string(NfcError e);
FailureClass classify(NfcError e);

class NfcException : public std::runtime_error {
 public:
  NfcException(NfcError code, const std::string& message)
      : std::runtime_error(std::string(to_string(code)) + ": " + message), code_(code) {}
  NfcError code() const { return code_; }

 private:
  NfcError code_;
};

}  // namespace tapbench::nfc
