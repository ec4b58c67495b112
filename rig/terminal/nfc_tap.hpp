// The phone's tap (S17-S21, S116): its NFC reader switches a fresh field on, waits for the printer's tag,
// reads its Type 4 NDEF message through libnfc and parses it as the patent's tap message. The driver stamps
// field_on / target_found / ndef_read on the injected clock (NfcReader::timestamps); tap_and_mark() hands
// them to the cycle as those phase edges, so the latency is the driver's, not the case's bookkeeping.
// Every token the tag carries (PWT, SVWT) and the group passphrase are registered as secrets at once.
//
// Errors: an NFC error the driver classifies as the device's (the tag answered wrong) is a CaseFailure
// "nfc-<error>", the rest (reader gone, timeout of the rig's own chip) a BenchError; a message that does not
// parse as a tap message is a CaseFailure "tap-message-invalid" naming the offset and reason.
#pragma once

#include <chrono>
#include <cstddef>

#include "drivers/nfc/nfc_reader.hpp"
#include "protocol/handover/tap_message.hpp"
#include "rig/runner/cycle_context.hpp"

namespace tapbench::rig::terminal {

struct TapRead {
  handover::TapView view;
  nfc::TapTimestamps times;
  unsigned apdus = 0;
  std::size_t ndef_bytes = 0;
  unsigned empty_reads = 0;  // taps that found the NDEF file empty (NLEN 0) before this one read the message
};

// One tap inside a timed cycle: marks "field_on", "target_found" and "ndef_read" (the case must have those
// phases, in that order) and notes the APDU count and message size. Bounded by the cycle's deadline.
TapRead tap_and_mark(nfc::NfcReader& reader, CycleContext& cycle);

// The same tap outside a cycle (a case's setup bringing the printer into state): no marks.
TapRead tap(nfc::NfcReader& reader, const Clock& clock, std::chrono::milliseconds timeout,
            SecretRegistry& secrets);

}  // namespace tapbench::rig::terminal
