// TagFrontend over libnfc's target mode (PN532 card emulation as an ISO/IEC 14443-4A PICC). A worker thread
// waits for a reader (TgInitAsTarget), then answers APDUs with the shared Type4Tag handler until the reader
// deselects; stop() interrupts a blocked wait with nfc_abort_command.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "drivers/nfc/libnfc_device.hpp"
#include "drivers/nfc/tag_frontend.hpp"

namespace tapbench::nfc {

class LibnfcTagFrontend final : public TagFrontend {
 public:
  // Validates the configuration; the device is opened by start().
  LibnfcTagFrontend(std::string connstring, TagFrontendConfig config = {});
  ~LibnfcTagFrontend() override;

  std::string description() const override;
  void set_ndef(std::span<const std::uint8_t> message) override;
  std::vector<std::uint8_t> ndef() const override;
  void set_listener(std::function<void(const TapEvent&)> listener) override;
  void start() override;
  void stop() override;
  bool running() const override { return running_; }
  unsigned taps() const override { return taps_; }
  std::optional<NfcError> last_error() const override;

 private:
  void worker();
  bool serve_one_tap();  // false: stop the worker
  void emit(TapEvent ev);

  std::string connstring_;
  TagFrontendConfig config_;
  const Clock& clock_;
  std::unique_ptr<LibnfcDevice> device_;
  Type4Tag tag_;  // used by the worker thread only

  mutable std::mutex mutex_;  // guards content_, listener_, last_error_
  std::vector<std::uint8_t> content_;
  bool content_dirty_ = true;
  std::function<void(const TapEvent&)> listener_;
  std::optional<NfcError> last_error_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::atomic<bool> worker_done_{true};
  std::atomic<unsigned> taps_{0};
};

}  // namespace tapbench::nfc
