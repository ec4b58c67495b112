// hal::TagFrontend on drivers/nfc's TagFrontend (libnfc card emulation on a PN532 — real, or pn532-sim's
// emulated chip on a pty: the same code path). A reader's activation (TapEvent::Selected) is the core's S18
// tap: the listener runs on the frontend's thread before the reader's first APDU, so the message the core
// publishes from on_tap() is what this very tap reads (S19/S21/S116).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "drivers/nfc/tag_frontend.hpp"
#include "firmware-under-test/hal/tag_frontend.hpp"

namespace tapbench::firmware::port {

class NfcTagFrontend final : public hal::TagFrontend {
 public:
  // Takes a frontend from nfc::make_tag_frontend(spec) (not started yet).
  explicit NfcTagFrontend(std::unique_ptr<nfc::TagFrontend> frontend);
  // Convenience: make_tag_frontend(spec, config). Throws NfcException(InvalidArgument) for an unknown spec.
  static std::unique_ptr<NfcTagFrontend> open(const std::string& spec, nfc::TagFrontendConfig config = {});
  ~NfcTagFrontend() override;

  hal::Status set_ndef(std::span<const std::uint8_t> message) override;
  void set_tap_listener(hal::TapListener* listener) override;

  // Opens the device and starts serving (the port calls this after the core published its first message).
  // unreachable (DeviceMissing) / io_error, never throws.
  hal::Status start();
  void stop();
  bool running() const { return frontend_->running(); }
  unsigned taps() const { return frontend_->taps(); }
  // The message served from the next tap on (what the core published last).
  std::vector<std::uint8_t> ndef() const { return frontend_->ndef(); }
  std::string description() const { return frontend_->description(); }
  // The last backend error reported through the event stream (e.g. the device vanished), empty if none.
  std::string last_error() const;

 private:
  std::unique_ptr<nfc::TagFrontend> frontend_;
  std::atomic<hal::TapListener*> listener_{nullptr};
};

}  // namespace tapbench::firmware::port
