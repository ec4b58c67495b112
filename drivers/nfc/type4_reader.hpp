// The reader side of the NFC Forum Type 4 Tag NDEF read procedure (T4T 2.0 §5.4): select the NDEF
// application, read the CC, select the NDEF file, read NLEN, then READ BINARY in chunks of at most MLe.
// Pure: it talks through an ApduChannel, so the same code runs over libnfc and over an in-process fake.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace tapbench::nfc {

// Sends one C-APDU, returns the R-APDU (data + SW1 SW2). Throws NfcException on transport failure.
using ApduChannel = std::function<std::vector<std::uint8_t>(std::span<const std::uint8_t>)>;

struct CapabilityContainer {
  std::uint8_t version = 0;
  std::uint16_t mle = 0, mlc = 0;
  std::uint16_t ndef_file_id = 0;
  std::uint16_t ndef_max_size = 0;
  std::uint8_t read_access = 0, write_access = 0;
};

// Parses and validates a CC; throws NfcException(Protocol) with the reason when it is not usable.
CapabilityContainer parse_capability_container(std::span<const std::uint8_t> cc);

struct Type4ReadResult {
  CapabilityContainer cc;
  std::vector<std::uint8_t> ndef;  // the NDEF message, opaque bytes
  unsigned apdus = 0;              // C-APDUs exchanged
};

// Throws NfcException(Protocol) for status words or data that break the procedure; transport errors from
// the channel propagate unchanged.
Type4ReadResult read_type4_ndef(const ApduChannel& channel);

// Writes a message with the T4T update procedure (NLEN=0, data in MLc chunks, then NLEN).
void write_type4_ndef(const ApduChannel& channel, std::span<const std::uint8_t> message);

}  // namespace tapbench::nfc
