// NfcReader: the phone's side of a tap (NFC initiator). Opens a reader, switches the RF field, waits for a
// target, exchanges ISO 7816-4 APDUs and reads an NFC Forum Type 4 Tag's NDEF message. Every step is
// timestamped on the injected Clock so the rig can record field_on -> target_found -> ndef_read.
// All failures are NfcException with a typed NfcError.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/type4_reader.hpp"
#include "protocol/clock/clock.hpp"

namespace tapbench::nfc {

struct TargetInfo {
  std::vector<std::uint8_t> uid;
  std::uint8_t atqa[2] = {0, 0};
  std::uint8_t sak = 0;
  std::vector<std::uint8_t> ats;  // without TL; empty if the target is not ISO-DEP
  bool iso_dep() const { return sak & 0x20; }
};

// Monotonic instants of one tap's phase edges (unset until reached).
struct TapTimestamps {
  std::optional<MonotonicTime> field_on, target_found, ndef_read;
};

struct NdefReadResult {
  std::vector<std::uint8_t> ndef;  // opaque NDEF message bytes
  TargetInfo target;
  CapabilityContainer cc;
  unsigned apdus = 0;
  TapTimestamps times;
};

struct ReaderOptions {
  std::chrono::milliseconds apdu_timeout{1000};            // one APDU round trip
  std::chrono::milliseconds poll_interval{20};             // pause between activation attempts while waiting
  const Clock* clock = nullptr;                            // nullptr: RealClock
  std::function<void(std::chrono::milliseconds)> sleeper;  // nullptr: real sleep (poll pauses only)
};

class NfcReader {
 public:
  virtual ~NfcReader() = default;
  virtual std::string description() const = 0;  // e.g. "pn532_uart:/tmp/x - PN532 v1.6"
  virtual void field_on() = 0;
  virtual void field_off() = 0;
  // Polls for an ISO/IEC 14443-A target until one answers or `timeout` passes (NfcError::Timeout).
  virtual TargetInfo wait_for_target(std::chrono::milliseconds timeout) = 0;
  // One C-APDU to the selected target, the R-APDU back (data + SW1 SW2).
  virtual std::vector<std::uint8_t> transceive(std::span<const std::uint8_t> apdu) = 0;
  // True while the selected target still answers (a presence check on the air).
  virtual bool target_present() = 0;
  // Deselects the target (S(DESELECT)); the reader stays open.
  virtual void release() = 0;

  const TapTimestamps& timestamps() const { return times_; }

  // A whole tap: a fresh field (off, then on: cards HALTed by a previous tap answer again), wait for the
  // target, NDEF read procedure, release.
  NdefReadResult read_ndef(std::chrono::milliseconds wait_timeout);
  // The T4T write procedure on the selected target (field and target must already be up).
  void write_ndef(std::span<const std::uint8_t> message);

 protected:
  explicit NfcReader(const Clock& clock) : clock_(clock) {}
  const Clock& clock_;
  TapTimestamps times_;
};

}  // namespace tapbench::nfc
