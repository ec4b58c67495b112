// NFC Forum URI RTD (well-known type "U"): payload = identifier code (1 byte) + UTF-8 rest of the URI.
// The identifier code abbreviates a prefix from the table 0x00–0x23 ("http://www.", "https://", "tel:", …).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/ndef/record.hpp"
#include "protocol/ndef/result.hpp"

namespace tapbench::ndef {

inline constexpr std::uint8_t kUriPrefixCount = 0x24;  // codes 0x00–0x23; 0x24–0xFF are reserved

// The prefix a code stands for ("" for 0x00); nullptr for reserved codes.
const char* uri_prefix(std::uint8_t code);

struct UriRecord {
  std::uint8_t prefix_code = 0;
  std::string rest;  // UTF-8, everything after the prefix

  std::string full() const;  // prefix + rest
  bool operator==(const UriRecord&) const = default;
};

// Splits a full URI with the longest matching prefix (what encode uses for canonical output).
UriRecord make_uri(std::string_view full_uri);

// Rejects: other record types, empty payload, reserved identifier code, invalid UTF-8.
Result<UriRecord> decode_uri(const Record& record);
// Rejects a reserved prefix code or invalid UTF-8 in rest.
Result<Record> encode_uri(const UriRecord& uri, std::string_view id = {});

}  // namespace tapbench::ndef
