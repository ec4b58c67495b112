#include "protocol/ndef/uri.hpp"

#include <array>

#include "protocol/ndef/detail.hpp"

namespace tapbench::ndef {

using detail::make_error;

namespace {

// NFC Forum URI RTD 1.0, Table 3 (URI identifier codes).
constexpr std::array<const char*, kUriPrefixCount> kPrefixes = {
    "",                            // 0x00
    "http://www.",                 // 0x01
    "https://www.",                // 0x02
    "http://",                     // 0x03
    "https://",                    // 0x04
    "tel:",                        // 0x05
    "mailto:",                     // 0x06
    "ftp://anonymous:anonymous@",  // 0x07
    "ftp://ftp.",                  // 0x08
    "ftps://",                     // 0x09
    "sftp://",                     // 0x0A
    "smb://",                      // 0x0B
    "nfs://",                      // 0x0C
    "ftp://",                      // 0x0D
    "dav://",                      // 0x0E
    "news:",                       // 0x0F
    "telnet://",                   // 0x10
    "imap:",                       // 0x11
    "rtsp://",                     // 0x12
    "urn:",                        // 0x13
    "pop:",                        // 0x14
    "sip:",                        // 0x15
    "sips:",                       // 0x16
    "tftp:",                       // 0x17
    "btspp://",                    // 0x18
    "btl2cap://",                  // 0x19
    "btgoep://",                   // 0x1A
    "tcpobex://",                  // 0x1B
    "irdaobex://",                 // 0x1C
    "file://",                     // 0x1D
    "urn:epc:id:",                 // 0x1E
    "urn:epc:tag:",                // 0x1F
    "urn:epc:pat:",                // 0x20
    "urn:epc:raw:",                // 0x21
    "urn:epc:",                    // 0x22
    "urn:nfc:",                    // 0x23
};

}  // namespace

const char* uri_prefix(std::uint8_t code) {
  return code < kUriPrefixCount ? kPrefixes[code] : nullptr;
}

std::string UriRecord::full() const {
  const char* p = uri_prefix(prefix_code);
  return std::string(p ? p : "") + rest;
}

UriRecord make_uri(std::string_view full_uri) {
  UriRecord best{0, std::string(full_uri)};
  std::size_t best_len = 0;
  for (std::uint8_t code = 1; code < kUriPrefixCount; ++code) {
    const std::string_view p = kPrefixes[code];
    if (p.size() > best_len && full_uri.starts_with(p)) {
      best_len = p.size();
      best = UriRecord{code, std::string(full_uri.substr(p.size()))};
    }
  }
  return best;
}

Result<UriRecord> decode_uri(const Record& record) {
  if (!record.is(Tnf::well_known, "U")) {
    return make_error(ErrorCode::wrong_record_type, record.payload_offset,
                      "not a URI record (well-known \"U\")");
  }
  if (record.payload.empty()) {
    return make_error(ErrorCode::empty_input, record.payload_offset,
                      "URI record with an empty payload (identifier code missing)");
  }
  const std::uint8_t code = record.payload[0];
  if (code >= kUriPrefixCount) {
    return make_error(ErrorCode::bad_value, record.payload_offset,
                      "URI identifier code " + detail::hex8(code) + " is reserved (valid: 0x00-0x23)");
  }
  const ByteView rest = ByteView(record.payload).subspan(1);
  const std::size_t bad = detail::utf8_invalid_at(rest);
  if (bad != rest.size()) {
    return make_error(ErrorCode::bad_value, record.payload_offset + 1 + bad, "URI is not valid UTF-8");
  }
  return UriRecord{code, detail::text(rest)};
}

Result<Record> encode_uri(const UriRecord& uri, std::string_view id) {
  if (uri.prefix_code >= kUriPrefixCount) {
    return make_error(
        ErrorCode::bad_value, 0,
        "URI identifier code " + detail::hex8(uri.prefix_code) + " is reserved (valid: 0x00-0x23)");
  }
  const ByteView rest = detail::view(uri.rest);
  if (detail::utf8_invalid_at(rest) != rest.size()) {
    return make_error(ErrorCode::bad_value, 0, "URI is not valid UTF-8");
  }
  Bytes payload;
  payload.push_back(uri.prefix_code);
  detail::append(payload, rest);
  return make_record(Tnf::well_known, "U", std::move(payload), id);
}

}  // namespace tapbench::ndef
