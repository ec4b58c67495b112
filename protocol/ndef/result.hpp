// Error and Result types of the NDEF / handover codec. Decoders never throw and never read out of bounds:
// every rejection is an Error saying *where* (byte offset in the decoded input) and *why* (reason text plus
// a stable code for programs). The library never logs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "protocol/result/basic_result.hpp"

namespace tapbench::ndef {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Stable codes: values never change once released (they may appear in reports and JSON).
enum class ErrorCode : std::uint16_t {
  // NDEF message / record framing
  empty_input = 1,               // zero bytes where a message or payload was required
  truncated_header = 2,          // header, type length, payload length or ID length byte(s) missing
  length_past_end = 3,           // a declared length runs past the end of the input
  length_overflow = 4,           // a length (or a reassembled chunk sum) exceeds what can be represented
  missing_message_begin = 5,     // first record without MB
  unexpected_message_begin = 6,  // MB on a record that is not the first
  missing_message_end = 7,       // input ends before a record with ME
  trailing_data = 8,             // bytes after the record carrying ME
  reserved_tnf = 9,              // TNF 0x07
  tnf_field_rule = 10,           // a TNF rule broken (empty TNF with type/ID/payload, unknown with type …)
  type_missing = 11,             // TNF 0x01–0x04 with TYPE_LENGTH 0
  chunk_refused = 12,            // CF set while the options refuse chunked records
  chunk_malformed = 13,          // broken chunk sequence (NFC Forum NDEF 1.0 §2.3.3 rules)
  unexpected_unchanged = 14,     // TNF 0x06 outside a chunk sequence
  // typed records
  wrong_record_type = 20,    // asked to decode a record of another type
  bad_value = 21,            // a field has a value outside its allowed set or size
  truncated_field = 22,      // a typed payload ends inside a field / attribute / TLV
  duplicate_field = 23,      // an attribute / TLV that may appear once appears twice
  missing_field = 24,        // a required attribute / TLV is absent
  unsupported_version = 25,  // a version byte this decoder does not speak
  bad_order = 26,            // a field in a position interoperable readers mis-handle
  // encoder input checks
  field_too_long = 30,  // a value too long for its length field
  invalid_record = 31,  // a Record that cannot be encoded (TNF rules)
  // handover message model (protocol/handover)
  missing_part = 40,        // a record the state requires is absent
  duplicate_part = 41,      // a record that may appear once appears twice
  unexpected_part = 42,     // a record that does not belong to the state
  dangling_reference = 43,  // an ac record references an ID no record carries
  invalid_input = 44,       // compose_tap_message() inputs out of range
};

// Short stable name of a code, e.g. "length_past_end".
const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code{ErrorCode::bad_value};
  std::size_t offset = 0;  // byte offset in the outermost input given to the decoder (encoders: 0)
  std::string reason;      // one line, no trailing period, e.g. "payload length 300 runs past end (20 left)"

  // "offset N: reason" — what the tapbench CLI prints.
  std::string to_string() const;
  bool operator==(const Error&) const = default;
};

// Value or Error (protocol/result/basic_result.hpp; no exceptions: the firmware core links this).
template <class T>
using Result = BasicResult<T, Error>;

// For functions that only validate.
struct Ok {
  bool operator==(const Ok&) const = default;
};

}  // namespace tapbench::ndef
