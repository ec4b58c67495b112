// NFC Forum Connection Handover 1.2 / 1.3: Handover Select record (well-known "Hs") and its local records
// (well-known "ac" Alternative Carrier, "err" Error). Hs payload: version byte (major<<4 | minor), then a
// complete NDEF message of local records (absent when there are none).
// ac payload: CPS (low 2 bits; upper 6 reserved), carrier data reference length + bytes, auxiliary data
// reference count, then per reference: length + bytes. References are IDs of records in the outer message.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/ndef/record.hpp"
#include "protocol/ndef/result.hpp"

namespace tapbench::ndef {

inline constexpr std::uint8_t kHandoverVersion12 = 0x12;
inline constexpr std::uint8_t kHandoverVersion13 = 0x13;

enum class CarrierPowerState : std::uint8_t { inactive = 0, active = 1, activating = 2, unknown = 3 };
const char* carrier_power_state_name(CarrierPowerState cps);

struct AlternativeCarrier {
  CarrierPowerState power_state = CarrierPowerState::active;
  Bytes carrier_data_reference;                  // ID of the carrier configuration record, 1–255 bytes
  std::vector<Bytes> auxiliary_data_references;  // IDs of auxiliary data records, ≤ 255 of them
  bool operator==(const AlternativeCarrier&) const = default;
};

struct HandoverError {
  std::uint8_t reason = 0;  // 1 temporary memory, 2 permanent memory, 3 carrier specific
  Bytes data;
  bool operator==(const HandoverError&) const = default;
};

struct HandoverSelect {
  std::uint8_t version = kHandoverVersion13;
  std::vector<AlternativeCarrier> carriers;  // in preference order
  std::optional<HandoverError> error;
  std::vector<Record> other_records;  // unknown local records (kept; readers ignore them)
  bool operator==(const HandoverSelect&) const = default;
};

// Rejects: not an Hs record, empty payload, major version != 1 or minor < 2 (unsupported_version),
// malformed local message (offsets point into the outer input), malformed ac/err, reserved CPS bits set.
Result<HandoverSelect> decode_handover_select(const Record& record, const DecodeOptions& options = {});
// Canonical local message order: ac records, err, other records.
Result<Record> encode_handover_select(const HandoverSelect& hs, std::string_view id = {});

}  // namespace tapbench::ndef
