// Wi-Fi Simple Configuration (WSC 2.0) in NDEF: media type "application/vnd.wfa.wsc".
//
// WSC attributes are TLVs with 16-bit big-endian type and length. The payload comes in two forms:
//  - bare: attributes directly (configuration token: `wps_nfc_config_token NDEF`, password token);
//  - length-prefixed: a 16-bit big-endian length, then attributes (carrier record of hostap's
//    `nfc_get_handover_sel/req NDEF WPS-CR`).
// A configuration token carries the Credential attribute (0x100E) FIRST: Android's parser misreads
// anything else. Canonical configuration token layout is hostap's: Credential{Network Index, SSID,
// Authentication Type, Encryption Type, Network Key, MAC Address}, RF Bands, AP Channel, MAC Address,
// WFA Vendor Extension {Version2}.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/ndef/record.hpp"
#include "protocol/ndef/result.hpp"

namespace tapbench::ndef {

inline constexpr std::string_view kWscMediaType = "application/vnd.wfa.wsc";

using MacAddress = std::array<std::uint8_t, 6>;
std::string format_mac(const MacAddress& mac);               // "02:00:00:00:01:00"
std::optional<MacAddress> parse_mac(std::string_view text);  // accepts ':' or '-' separators

namespace wsc_attr {
inline constexpr std::uint16_t ap_channel = 0x1001;
inline constexpr std::uint16_t auth_type = 0x1003;
inline constexpr std::uint16_t credential = 0x100E;
inline constexpr std::uint16_t encr_type = 0x100F;
inline constexpr std::uint16_t device_name = 0x1011;
inline constexpr std::uint16_t mac_address = 0x1020;
inline constexpr std::uint16_t network_index = 0x1026;
inline constexpr std::uint16_t network_key = 0x1027;
inline constexpr std::uint16_t network_key_index = 0x1028;
inline constexpr std::uint16_t oob_device_password = 0x102C;
inline constexpr std::uint16_t rf_bands = 0x103C;
inline constexpr std::uint16_t ssid = 0x1045;
inline constexpr std::uint16_t uuid_e = 0x1047;
inline constexpr std::uint16_t uuid_r = 0x1048;
inline constexpr std::uint16_t vendor_extension = 0x1049;
inline constexpr std::uint16_t version = 0x104A;
}  // namespace wsc_attr

namespace wsc_auth {  // Authentication Type bits
inline constexpr std::uint16_t open = 0x0001;
inline constexpr std::uint16_t wpa_personal = 0x0002;
inline constexpr std::uint16_t shared = 0x0004;
inline constexpr std::uint16_t wpa_enterprise = 0x0008;
inline constexpr std::uint16_t wpa2_enterprise = 0x0010;
inline constexpr std::uint16_t wpa2_personal = 0x0020;
}  // namespace wsc_auth

namespace wsc_encr {  // Encryption Type bits
inline constexpr std::uint16_t none = 0x0001;
inline constexpr std::uint16_t wep = 0x0002;
inline constexpr std::uint16_t tkip = 0x0004;
inline constexpr std::uint16_t aes = 0x0008;
}  // namespace wsc_encr

const char* wsc_attribute_name(std::uint16_t type);   // "SSID", …; nullptr if unknown
std::string wsc_auth_type_names(std::uint16_t bits);  // "WPA2-Personal", "WPA-Personal|WPA2-Personal"
std::string wsc_encr_type_names(std::uint16_t bits);  // "AES", "TKIP|AES"

struct WscAttribute {
  std::uint16_t type = 0;
  Bytes value;
  bool operator==(const WscAttribute&) const = default;
};

// Parses a run of WSC TLVs filling all of `bytes`; offsets reported relative to base_offset.
Result<std::vector<WscAttribute>> decode_wsc_attributes(ByteView bytes, std::size_t base_offset = 0);
// Fails (field_too_long) for a value > 65535 bytes.
Result<Bytes> encode_wsc_attributes(const std::vector<WscAttribute>& attributes);

enum class WscForm : std::uint8_t { bare, length_prefixed };

// Generic view of an application/vnd.wfa.wsc record (exact round trip for any well-formed payload).
struct WscPayload {
  WscForm form = WscForm::bare;
  std::vector<WscAttribute> attributes;
  bool operator==(const WscPayload&) const = default;
  const WscAttribute* find(std::uint16_t type) const;  // first attribute of this type
};
// The form is length-prefixed when the first two bytes equal the remaining length (an attribute type is
// always ≥ 0x1000, so only a bare payload of ≥ 4098 bytes could be mistaken for the prefixed form).
Result<WscPayload> decode_wsc(const Record& record);
Result<Record> encode_wsc(const WscPayload& payload, std::string_view id = {});

struct WscCredential {
  std::optional<std::uint8_t> network_index = 1;  // hostap writes 1
  std::string ssid;                               // 1–32 bytes
  std::uint16_t auth_type = wsc_auth::wpa2_personal;
  std::uint16_t encr_type = wsc_encr::aes;
  std::string network_key;          // passphrase 8–63 chars, or 64 hex digits (PSK); at most 64 bytes
  MacAddress mac{};                 // AP / P2P GO interface address (hostap writes the enrollee's or 00…00)
  std::vector<WscAttribute> extra;  // other attributes inside the Credential, after MAC on encode
  bool operator==(const WscCredential&) const = default;
};

struct WscConfigToken {
  WscCredential credential;
  std::optional<std::uint8_t> rf_bands;     // 0x01 2.4 GHz, 0x02 5 GHz, 0x04 60 GHz
  std::optional<std::uint16_t> ap_channel;  // channel number
  std::optional<MacAddress> mac;            // MAC Address attribute outside the Credential
  std::vector<WscAttribute> extra;          // other top-level attributes, in order
  std::optional<std::uint8_t> version2;     // WFA Vendor Extension Version2 (0x20 = 2.0); last on encode
  bool operator==(const WscConfigToken&) const = default;
};

// Typed configuration token (bare form). Rejects: Credential missing or not first (bad_order), missing
// SSID/auth/encr/key/MAC in the Credential, duplicates, SSID > 32, key > 64 bytes or 64 non-hex, bad sizes.
Result<WscConfigToken> decode_wsc_config_token(const Record& record);
Result<Record> encode_wsc_config_token(const WscConfigToken& token, std::string_view id = {});

}  // namespace tapbench::ndef
