// tapbench's own NFC Forum external type "tapbench.dev:printer": the printer's tokens and instructions in
// the tap message (patent S21 / S116).
//
// Payload: version byte (0x01), then TLVs: type (1 byte), length (1 byte), value. Canonical order is by
// ascending type. Unknown types are skipped (new optional fields get new types without a version bump);
// a known type twice, a TLV running past the end, a wrong fixed size or a missing state is rejected.
//   0x01 state        1 byte  PrinterState (required)
//   0x02 PWT          1–255   printer one-time token, printable ASCII (0x21–0x7E)
//   0x03 instruction  1 byte  Instruction
//   0x04 SVWT         1–255   service one-time token, printable ASCII
//   0x05 pages        4 bytes printable pages left, big-endian
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/ndef/record.hpp"
#include "protocol/ndef/result.hpp"

namespace tapbench::ndef {

inline constexpr std::string_view kPrinterRecordType = "tapbench.dev:printer";
inline constexpr std::uint8_t kPrinterRecordVersion = 0x01;

namespace printer_tlv {
inline constexpr std::uint8_t state = 0x01;
inline constexpr std::uint8_t pwt = 0x02;
inline constexpr std::uint8_t instruction = 0x03;
inline constexpr std::uint8_t svwt = 0x04;
inline constexpr std::uint8_t pages = 0x05;
}  // namespace printer_tlv

// The printer's state as judged at the tap (S19).
enum class PrinterState : std::uint8_t {
  unregistered = 0,   // not yet registered with the server: provisioning tap (S21)
  ink_low = 1,        // registered, ink below threshold: exchange request (S116)
  charge_needed = 2,  // registered, printable pages ≤ threshold: charge (S116)
  ready = 3,          // registered, nothing to ask: tap to print (S120)
};
const char* printer_state_name(PrinterState state);  // "unregistered", "ink-low", "charge-needed", "ready"

// What the printer asks the management app to do.
enum class Instruction : std::uint8_t {
  register_with_server = 1,  // S21: register this printer with the server (S53…)
  charge = 2,                // S116: open the charge page/screen
  exchange = 3,              // S116: open the ink exchange request page/screen
};
const char* instruction_name(Instruction instruction);  // "register", "charge", "exchange"

struct PrinterRecord {
  PrinterState state = PrinterState::ready;
  std::optional<std::string> pwt;
  std::optional<Instruction> instruction;
  std::optional<std::string> svwt;
  std::optional<std::uint32_t> pages;
  // Decoder only: types of unknown TLVs that were skipped, in order (the encoder writes none).
  std::vector<std::uint8_t> skipped_tlv_types;
  bool operator==(const PrinterRecord&) const = default;
};

// A token as carried in the record: 1–255 bytes of printable ASCII.
bool is_valid_token_text(std::string_view token);

Result<PrinterRecord> decode_printer_record(const Record& record);
Result<Record> encode_printer_record(const PrinterRecord& printer, std::string_view id = {});

}  // namespace tapbench::ndef
