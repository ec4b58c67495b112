// TagFrontend: the printer's side of a tap (card emulation). Presents an NFC Forum Type 4 Tag whose NDEF
// message the firmware replaces between taps (a dynamic tag), tells the firmware when a reader taps (the
// S18/S19 trigger: the listener runs before the reader can read, so content set there is what it reads),
// and optionally accepts UPDATE BINARY. Backends: libnfc target mode (PN532 card emulation); a dynamic-tag
// chip backend (e.g. an I2C NTAG) can be added behind the same interface.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/type4_tag.hpp"
#include "protocol/clock/clock.hpp"

namespace tapbench::nfc {

struct TapEvent {
  enum class Kind {
    Selected,  // a reader activated the tag (the tap begins)
    Released,  // the reader deselected or left the field (the tap ends)
    Updated,   // a reader wrote a complete NDEF message (UPDATE BINARY); `ndef` holds it
    Error,     // the backend failed; `error` and `message` say why (DeviceMissing stops the frontend)
  };
  Kind kind = Kind::Selected;
  MonotonicTime at{};
  unsigned tap = 0;    // 1-based tap counter
  unsigned apdus = 0;  // APDUs answered in this tap (Released)
  std::vector<std::uint8_t> ndef;
  std::optional<NfcError> error;
  std::string message;
};

struct TagFrontendConfig {
  Type4TagConfig tag;                             // .writable = accept UPDATE BINARY
  std::uint8_t uid_tail[3] = {0x54, 0x42, 0x01};  // PN532 card emulation: UID 08 + these three bytes
  const Clock* clock = nullptr;                   // nullptr: RealClock
};

class TagFrontend {
 public:
  virtual ~TagFrontend() = default;
  virtual std::string description() const = 0;
  // New content, served from the next tap on (or from this tap, when called from the Selected event).
  // Throws NfcException(InvalidArgument) if it does not fit the tag.
  virtual void set_ndef(std::span<const std::uint8_t> message) = 0;
  virtual std::vector<std::uint8_t> ndef() const = 0;
  // Called on the frontend's own thread; keep it short (it delays the reader).
  virtual void set_listener(std::function<void(const TapEvent&)> listener) = 0;
  // Opens the device and starts presenting the tag. Throws NfcException (e.g. DeviceMissing).
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual bool running() const = 0;
  virtual unsigned taps() const = 0;
  virtual std::optional<NfcError> last_error() const = 0;
};

}  // namespace tapbench::nfc
