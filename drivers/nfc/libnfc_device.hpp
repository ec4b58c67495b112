// Shared plumbing of the libnfc backends: an owned context + device, and the mapping of libnfc's error
// codes onto NfcError.
#pragma once

#include <nfc/nfc.h>

#include <string>

#include "drivers/nfc/nfc_error.hpp"

namespace tapbench::nfc {

class LibnfcDevice {
 public:
  // Opens `connstring` (e.g. "pn532_uart:/tmp/bench/phone"). Throws NfcException(DeviceMissing).
  explicit LibnfcDevice(const std::string& connstring);
  ~LibnfcDevice();
  LibnfcDevice(const LibnfcDevice&) = delete;
  LibnfcDevice& operator=(const LibnfcDevice&) = delete;

  nfc_device* get() const { return device_; }
  const std::string& connstring() const { return connstring_; }
  std::string name() const;
  // The NfcError for a negative libnfc result. EIO is split: if the device node is gone or no longer opens,
  // the device vanished (DeviceMissing); otherwise the line carried something unparsable (Protocol).
  NfcError classify(int libnfc_result) const;
  // Throws NfcException for a negative result, naming the operation.
  [[noreturn]] void fail(const std::string& operation, int libnfc_result) const;
  bool device_node_alive() const;

 private:
  std::string connstring_;
  nfc_context* context_ = nullptr;
  nfc_device* device_ = nullptr;
};

}  // namespace tapbench::nfc
