// NFC Forum NDEF 1.0: records and messages, strict decoder and canonical encoder.
//
// Record header byte: MB(0x80) ME(0x40) CF(0x20) SR(0x10) IL(0x08) TNF(0x07), then TYPE_LENGTH (1 byte),
// PAYLOAD_LENGTH (1 byte if SR, else 4 bytes big-endian), ID_LENGTH (1 byte, only if IL), TYPE, ID, PAYLOAD.
//
// Decoder: never reads past the input, never throws; rejects with Error{offset, reason, code}. Chunked
// records (CF) are reassembled into one Record by default, or refused (DecodeOptions::chunks).
// Encoder: canonical form — SR whenever the payload is < 256 bytes, IL only when the ID is non-empty,
// MB on the first record, ME on the last, never chunks. So encode(decode(b)) == b for canonical b, and
// decode(encode(m)) == m for every encodable m.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/ndef/result.hpp"

namespace tapbench::ndef {

enum class Tnf : std::uint8_t {
  empty = 0x00,
  well_known = 0x01,    // NFC Forum RTD: "U", "Hs", "ac", …
  media = 0x02,         // RFC 2046 media type: "application/vnd.wfa.wsc"
  absolute_uri = 0x03,  // type is an absolute URI
  external = 0x04,      // NFC Forum external type: "android.com:pkg", "tapbench.dev:printer"
  unknown = 0x05,
  unchanged = 0x06,  // only in middle/terminating chunks; never in a decoded Record
  reserved = 0x07,
};

const char* tnf_name(Tnf tnf);  // "well-known", "media", …

struct Record {
  Tnf tnf = Tnf::empty;
  Bytes type;
  Bytes id;
  Bytes payload;
  // Offset of the payload's first byte in the input the record was decoded from (first chunk's payload
  // for a reassembled record). Lets typed decoders report absolute offsets. Not part of ==.
  std::size_t payload_offset = 0;

  bool operator==(const Record& o) const {
    return tnf == o.tnf && type == o.type && id == o.id && payload == o.payload;
  }

  std::string type_string() const { return std::string(type.begin(), type.end()); }
  std::string id_string() const { return std::string(id.begin(), id.end()); }
  bool is(Tnf t, std::string_view type_name) const;  // tnf == t && type == type_name
};

// Convenience constructor (payload_offset 0).
Record make_record(Tnf tnf, std::string_view type, Bytes payload, std::string_view id = {});

struct Message {
  std::vector<Record> records;
  bool operator==(const Message&) const = default;

  // First record with this ID (IDs are what Handover ac records reference); nullptr if none.
  const Record* find_by_id(ByteView id) const;
};

enum class ChunkPolicy : std::uint8_t {
  reassemble,  // NFC Forum rules: first chunk carries TNF+type(+ID), the rest TNF unchanged, no type/ID
  refuse,      // any CF=1 record is rejected with ErrorCode::chunk_refused
};

struct DecodeOptions {
  ChunkPolicy chunks = ChunkPolicy::reassemble;
  // Added to every reported offset (for messages nested in a payload, e.g. the Hs record's local
  // message), so errors always point into the outermost input.
  std::size_t base_offset = 0;
  // Upper bound for one (reassembled) payload. Inputs are already bounded by their size; this only bounds
  // the reassembly buffer when many chunks repeat.
  std::size_t max_payload = 1u << 24;
};

// Decodes exactly one NDEF message occupying all of `bytes`.
Result<Message> decode_message(ByteView bytes, const DecodeOptions& options = {});

// Encodes a message canonically. Rejects (ErrorCode::invalid_record / field_too_long) records that break
// the TNF rules: empty TNF with type/ID/payload, unknown TNF with a type, TNF 0x01–0x04 without a type,
// TNF unchanged or reserved, type or ID > 255 bytes, payload > 2^32-1 bytes, and an empty message.
Result<Bytes> encode_message(const Message& message);

// Hex helpers (lowercase, no separators); parse accepts upper/lower case and ignores whitespace and ':'.
std::string to_hex(ByteView bytes);
Result<Bytes> from_hex(std::string_view text);

}  // namespace tapbench::ndef
