// NfcReader over libnfc's initiator API (any libnfc reader: PN532 UART, ACR122, PN533 USB, or the PN532
// emulator on a pty).
#pragma once

#include <memory>
#include <string>

#include "drivers/nfc/libnfc_device.hpp"
#include "drivers/nfc/nfc_reader.hpp"

namespace tapbench::nfc {

class LibnfcReader final : public NfcReader {
 public:
  // Opens and initialises the reader as an initiator. Throws NfcException(DeviceMissing).
  LibnfcReader(const std::string& connstring, ReaderOptions options = {});
  ~LibnfcReader() override;

  std::string description() const override { return device_.name(); }
  void field_on() override;
  void field_off() override;
  TargetInfo wait_for_target(std::chrono::milliseconds timeout) override;
  std::vector<std::uint8_t> transceive(std::span<const std::uint8_t> apdu) override;
  bool target_present() override;
  void release() override;

 private:
  LibnfcDevice device_;
  ReaderOptions options_;
  nfc_target target_{};
  bool selected_ = false;
  bool field_ = false;
};

}  // namespace tapbench::nfc
