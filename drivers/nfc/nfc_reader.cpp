#include "drivers/nfc/nfc_reader.hpp"

namespace tapbench::nfc {

NdefReadResult NfcReader::read_ndef(std::chrono::milliseconds wait_timeout) {
  times_ = {};
  NdefReadResult result;
  // A tap starts with a fresh field: cards the previous tap left HALTed (ISO/IEC 14443-3) answer again.
  field_off();
  field_on();
  result.target = wait_for_target(wait_timeout);
  if (!result.target.iso_dep())
    throw NfcException(NfcError::Protocol,
                       "target is not ISO/IEC 14443-4 (SAK without bit 0x20): not a Type 4 Tag");
  Type4ReadResult read;
  try {
    read = read_type4_ndef([this](std::span<const std::uint8_t> apdu) { return transceive(apdu); });
  } catch (const NfcException&) {
    try {
      release();  // best effort: leave the reader ready for the next tap
    } catch (const NfcException&) {
    }
    throw;
  }
  times_.ndef_read = clock_.monotonic_now();
  release();
  result.ndef = std::move(read.ndef);
  result.cc = read.cc;
  result.apdus = read.apdus;
  result.times = times_;
  return result;
}

void NfcReader::write_ndef(std::span<const std::uint8_t> message) {
  write_type4_ndef([this](std::span<const std::uint8_t> apdu) { return transceive(apdu); }, message);
}

}  // namespace tapbench::nfc
