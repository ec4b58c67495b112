// Wi-Fi P2P carrier in NDEF: media type "application/vnd.wfa.p2p" (hostap `nfc_get_handover_sel NDEF
// P2P-CR`). Payload: 16-bit BIG-endian WSC length, WSC attributes (big-endian TLVs), 16-bit BIG-endian P2P
// length, P2P attributes: id (1 byte), length (16-bit LITTLE-endian, as the P2P spec and hostap write it),
// value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/ndef/record.hpp"
#include "protocol/ndef/result.hpp"
#include "protocol/ndef/wsc.hpp"

namespace tapbench::ndef {

inline constexpr std::string_view kP2pMediaType = "application/vnd.wfa.p2p";

namespace p2p_attr {
inline constexpr std::uint8_t capability = 2;
inline constexpr std::uint8_t device_info = 13;
inline constexpr std::uint8_t group_info = 14;
inline constexpr std::uint8_t group_id = 15;
inline constexpr std::uint8_t oob_go_negotiation_channel = 19;
}  // namespace p2p_attr

const char* p2p_attribute_name(std::uint8_t id);  // nullptr if unknown

struct P2pAttribute {
  std::uint8_t id = 0;
  Bytes value;
  bool operator==(const P2pAttribute&) const = default;
};

struct P2pPayload {
  std::vector<WscAttribute> wsc;
  std::vector<P2pAttribute> p2p;
  bool operator==(const P2pPayload&) const = default;
  const P2pAttribute* find(std::uint8_t id) const;
};

// Exact round trip for any well-formed payload.
Result<P2pPayload> decode_p2p(const Record& record);
Result<Record> encode_p2p(const P2pPayload& payload, std::string_view id = {});

// Typed view of the P2P attributes hostap writes.
struct P2pDeviceInfo {
  MacAddress device_address{};
  std::uint16_t config_methods = 0;                   // big-endian in the attribute
  std::array<std::uint8_t, 8> primary_device_type{};  // category(2) OUI(4) subcategory(2)
  std::uint8_t secondary_device_type_count = 0;
  std::string device_name;  // from the embedded WSC Device Name TLV
  bool operator==(const P2pDeviceInfo&) const = default;
};
struct P2pChannel {
  std::string country;  // 3 bytes, e.g. "XX\x04"
  std::uint8_t operating_class = 0;
  std::uint8_t channel = 0;
  std::uint8_t role = 0;  // OOB GO Negotiation Channel role indication: 0 none, 1 GO, 2 client
  bool operator==(const P2pChannel&) const = default;
};
struct P2pGroupId {
  MacAddress device_address{};
  std::string ssid;
  bool operator==(const P2pGroupId&) const = default;
};
struct P2pInfo {
  std::optional<std::array<std::uint8_t, 2>> capability;  // device capability, group capability
  std::optional<P2pDeviceInfo> device_info;
  std::optional<P2pChannel> oob_go_channel;
  std::optional<P2pGroupId> group_id;
  bool operator==(const P2pInfo&) const = default;
};
// Rejects truncated/mis-sized known attributes and duplicates; unknown attributes are ignored.
Result<P2pInfo> decode_p2p_info(const Record& record);

}  // namespace tapbench::ndef
