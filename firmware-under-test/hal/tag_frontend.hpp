// HAL role: the NFC tag frontend (card emulation, or a dynamic tag chip). The printer is the tag; the
// terminal's reader taps it (S17/S18). The frontend serves whatever NDEF message it was last given and tells
// the core when a reader arrives, so the core can judge the state (S19) and refresh the content (S21/S116)
// before the reader reads it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "firmware-under-test/hal/status.hpp"

namespace tapbench::firmware::hal {

// S18: a reader came into the field (card emulation: field on / NDEF application selected).
struct TapEvent {
  std::string reader_hint;  // NFCID or similar when the frontend knows one (for logs only); may be empty
};

class TapListener {
 public:
  virtual ~TapListener() = default;
  // Called on the frontend's thread; the port serialises it with every other core call.
  virtual void on_tap(const TapEvent& event) = 0;
};

class TagFrontend {
 public:
  virtual ~TagFrontend() = default;
  // Replaces the NDEF message served from now on (an encoded message; empty span = no NDEF). Must not block
  // longer than a frame time; the bytes are copied.
  virtual Status set_ndef(std::span<const std::uint8_t> message) = 0;
  // Where tap notifications go (nullptr detaches). The listener outlives the frontend's use of it.
  virtual void set_tap_listener(TapListener* listener) = 0;
};

}  // namespace tapbench::firmware::hal
