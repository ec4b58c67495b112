#include "protocol/ndef/wsc.hpp"

#include <cstdio>

#include "protocol/ndef/detail.hpp"
#include "protocol/ndef/media.hpp"

namespace tapbench::ndef {

using detail::make_error;

std::string format_mac(const MacAddress& mac) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                mac[5]);
  return buf;
}

std::optional<MacAddress> parse_mac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddress mac{};
  for (std::size_t i = 0; i < 6; ++i) {
    int v = 0;
    for (std::size_t k = 0; k < 2; ++k) {
      const char c = text[i * 3 + k];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return std::nullopt;
      }
      v = v * 16 + d;
    }
    if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return std::nullopt;
    mac[i] = static_cast<std::uint8_t>(v);
  }
  return mac;
}

const char* wsc_attribute_name(std::uint16_t type) {
  switch (type) {
    case wsc_attr::ap_channel:
      return "AP Channel";
    case wsc_attr::auth_type:
      return "Authentication Type";
    case wsc_attr::credential:
      return "Credential";
    case wsc_attr::encr_type:
      return "Encryption Type";
    case wsc_attr::device_name:
      return "Device Name";
    case wsc_attr::mac_address:
      return "MAC Address";
    case wsc_attr::network_index:
      return "Network Index";
    case wsc_attr::network_key:
      return "Network Key";
    case wsc_attr::network_key_index:
      return "Network Key Index";
    case wsc_attr::oob_device_password:
      return "OOB Device Password";
    case wsc_attr::rf_bands:
      return "RF Bands";
    case wsc_attr::ssid:
      return "SSID";
    case wsc_attr::uuid_e:
      return "UUID-E";
    case wsc_attr::uuid_r:
      return "UUID-R";
    case wsc_attr::vendor_extension:
      return "Vendor Extension";
    case wsc_attr::version:
      return "Version";
    default:
      return nullptr;
  }
}

namespace {

std::string names_of(std::uint16_t bits, std::initializer_list<std::pair<std::uint16_t, const char*>> table) {
  std::string out;
  std::uint16_t rest = bits;
  for (const auto& [bit, name] : table) {
    if (bits & bit) {
      if (!out.empty()) out += '|';
      out += name;
      rest = static_cast<std::uint16_t>(rest & ~bit);
    }
  }
  if (rest != 0 || out.empty()) {
    if (!out.empty()) out += '|';
    out += detail::hex16(rest);
  }
  return out;
}

std::string attr_text(std::uint16_t type) {
  const char* name = wsc_attribute_name(type);
  return detail::hex16(type) + (name ? std::string(" (") + name + ")" : std::string());
}

struct AttrAt {
  std::uint16_t type;
  ByteView value;
  std::size_t offset;  // of the attribute's type field
};

Result<std::vector<AttrAt>> parse_attrs(ByteView b, std::size_t base) {
  std::vector<AttrAt> out;
  std::size_t pos = 0;
  while (pos < b.size()) {
    if (b.size() - pos < 4) {
      return make_error(
          ErrorCode::truncated_field, base + pos,
          "WSC attribute header truncated: 4 bytes needed, " + std::to_string(b.size() - pos) + " left");
    }
    const std::uint16_t type = detail::be16(b, pos);
    const std::uint16_t len = detail::be16(b, pos + 2);
    if (len > b.size() - pos - 4) {
      return make_error(ErrorCode::length_past_end, base + pos + 2,
                        "WSC attribute " + attr_text(type) + " length " + std::to_string(len) +
                            " runs past end (" + std::to_string(b.size() - pos - 4) + " byte(s) left)");
    }
    out.push_back(AttrAt{type, b.subspan(pos + 4, len), base + pos});
    pos += 4 + std::size_t{len};
  }
  return out;
}

bool is_length_prefixed(ByteView p) {
  return p.size() >= 2 && detail::be16(p, 0) == p.size() - 2;
}

Error wrong_size(const AttrAt& a, const char* expected) {
  return make_error(ErrorCode::bad_value, a.offset,
                    "WSC attribute " + attr_text(a.type) + " has " + std::to_string(a.value.size()) +
                        " byte(s), expected " + expected);
}

Error duplicate(const AttrAt& a) {
  return make_error(ErrorCode::duplicate_field, a.offset, "WSC attribute " + attr_text(a.type) + " repeated");
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// Shared by decode and encode: the rules of a credential's values. Returns "" when fine.
std::string credential_problem(const WscCredential& c) {
  if (c.ssid.empty() || c.ssid.size() > 32) {
    return "SSID of " + std::to_string(c.ssid.size()) + " bytes (1-32 allowed)";
  }
  if (c.network_key.size() > 64) {
    return "network key of " + std::to_string(c.network_key.size()) + " bytes (PSK at most 64)";
  }
  if (c.network_key.size() == 64 && !is_hex(c.network_key)) {
    return "64-byte network key is not a hex PSK";
  }
  const bool personal = c.auth_type & (wsc_auth::wpa_personal | wsc_auth::wpa2_personal);
  if (personal && c.network_key.size() < 8) {
    return "WPA passphrase of " + std::to_string(c.network_key.size()) + " bytes (8-63 allowed, or 64 hex)";
  }
  return "";
}

constexpr std::uint8_t kWfaOui[3] = {0x00, 0x37, 0x2A};

}  // namespace

std::string wsc_auth_type_names(std::uint16_t bits) {
  return names_of(bits, {{wsc_auth::open, "Open"},
                         {wsc_auth::wpa_personal, "WPA-Personal"},
                         {wsc_auth::shared, "Shared"},
                         {wsc_auth::wpa_enterprise, "WPA-Enterprise"},
                         {wsc_auth::wpa2_enterprise, "WPA2-Enterprise"},
                         {wsc_auth::wpa2_personal, "WPA2-Personal"}});
}

std::string wsc_encr_type_names(std::uint16_t bits) {
  return names_of(
      bits,
      {{wsc_encr::none, "None"}, {wsc_encr::wep, "WEP"}, {wsc_encr::tkip, "TKIP"}, {wsc_encr::aes, "AES"}});
}

Result<std::vector<WscAttribute>> decode_wsc_attributes(ByteView bytes, std::size_t base_offset) {
  auto parsed = parse_attrs(bytes, base_offset);
  if (!parsed) return parsed.error();
  std::vector<WscAttribute> out;
  for (const AttrAt& a : *parsed)
    out.push_back(WscAttribute{a.type, Bytes(a.value.begin(), a.value.end())});
  return out;
}

Result<Bytes> encode_wsc_attributes(const std::vector<WscAttribute>& attributes) {
  Bytes out;
  for (const WscAttribute& a : attributes) {
    if (a.value.size() > 0xFFFF) {
      return make_error(ErrorCode::field_too_long, 0,
                        "WSC attribute " + attr_text(a.type) + " value of " + std::to_string(a.value.size()) +
                            " bytes (at most 65535)");
    }
    detail::put_be16(out, a.type);
    detail::put_be16(out, static_cast<std::uint16_t>(a.value.size()));
    detail::append(out, a.value);
  }
  return out;
}

const WscAttribute* WscPayload::find(std::uint16_t type) const {
  for (const WscAttribute& a : attributes) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

Result<WscPayload> decode_wsc(const Record& record) {
  if (!is_media_type(record, kWscMediaType)) {
    return make_error(ErrorCode::wrong_record_type, record.payload_offset,
                      "not a WSC record (media \"application/vnd.wfa.wsc\")");
  }
  const ByteView p = record.payload;
  if (p.empty())
    return make_error(ErrorCode::empty_input, record.payload_offset, "WSC record with empty payload");
  WscPayload out;
  std::size_t skip = 0;
  if (is_length_prefixed(p)) {
    out.form = WscForm::length_prefixed;
    skip = 2;
  }
  auto attrs = decode_wsc_attributes(p.subspan(skip), record.payload_offset + skip);
  if (!attrs) return attrs.error();
  out.attributes = std::move(*attrs);
  return out;
}

Result<Record> encode_wsc(const WscPayload& payload, std::string_view id) {
  auto attrs = encode_wsc_attributes(payload.attributes);
  if (!attrs) return attrs.error();
  Bytes out;
  if (payload.form == WscForm::length_prefixed) {
    if (attrs->size() > 0xFFFF) {
      return make_error(ErrorCode::field_too_long, 0, "WSC attributes exceed the 16-bit length prefix");
    }
    detail::put_be16(out, static_cast<std::uint16_t>(attrs->size()));
  }
  detail::append(out, *attrs);
  return make_record(Tnf::media, kWscMediaType, std::move(out), id);
}

Result<WscConfigToken> decode_wsc_config_token(const Record& record) {
  if (!is_media_type(record, kWscMediaType)) {
    return make_error(ErrorCode::wrong_record_type, record.payload_offset,
                      "not a WSC record (media \"application/vnd.wfa.wsc\")");
  }
  const ByteView p = record.payload;
  const std::size_t base = record.payload_offset;
  if (p.empty()) return make_error(ErrorCode::empty_input, base, "WSC record with empty payload");
  if (is_length_prefixed(p)) {
    return make_error(ErrorCode::bad_order, base,
                      "WSC payload starts with a length prefix (handover form); a configuration token starts "
                      "with the Credential attribute (0x100E)");
  }
  auto attrs = parse_attrs(p, base);
  if (!attrs) return attrs.error();
  if (attrs->front().type != wsc_attr::credential) {
    return make_error(
        ErrorCode::bad_order, attrs->front().offset,
        "first WSC attribute is " + attr_text(attrs->front().type) +
            "; the Credential (0x100E) must come first (Android's parser misreads anything else)");
  }
  WscConfigToken token;
  bool have_cred = false;
  for (const AttrAt& a : *attrs) {
    switch (a.type) {
      case wsc_attr::credential: {
        if (have_cred) return duplicate(a);
        have_cred = true;
        auto inner = parse_attrs(a.value, a.offset + 4);
        if (!inner) return inner.error();
        WscCredential& c = token.credential;
        c.network_index.reset();
        bool ssid = false, auth = false, encr = false, key = false, mac = false;
        for (const AttrAt& f : *inner) {
          switch (f.type) {
            case wsc_attr::network_index:
              if (c.network_index) return duplicate(f);
              if (f.value.size() != 1) return wrong_size(f, "1");
              c.network_index = f.value[0];
              break;
            case wsc_attr::ssid:
              if (ssid) return duplicate(f);
              if (f.value.empty() || f.value.size() > 32) return wrong_size(f, "1-32");
              ssid = true;
              c.ssid = detail::text(f.value);
              break;
            case wsc_attr::auth_type:
              if (auth) return duplicate(f);
              if (f.value.size() != 2) return wrong_size(f, "2");
              auth = true;
              c.auth_type = detail::be16(f.value, 0);
              break;
            case wsc_attr::encr_type:
              if (encr) return duplicate(f);
              if (f.value.size() != 2) return wrong_size(f, "2");
              encr = true;
              c.encr_type = detail::be16(f.value, 0);
              break;
            case wsc_attr::network_key:
              if (key) return duplicate(f);
              if (f.value.size() > 64) return wrong_size(f, "at most 64 (PSK at most 64 bytes)");
              key = true;
              c.network_key = detail::text(f.value);
              break;
            case wsc_attr::mac_address:
              if (mac) return duplicate(f);
              if (f.value.size() != 6) return wrong_size(f, "6");
              mac = true;
              std::copy(f.value.begin(), f.value.end(), c.mac.begin());
              break;
            default:
              c.extra.push_back(WscAttribute{f.type, Bytes(f.value.begin(), f.value.end())});
          }
        }
        const std::pair<bool, std::uint16_t> required[] = {{ssid, wsc_attr::ssid},
                                                           {auth, wsc_attr::auth_type},
                                                           {encr, wsc_attr::encr_type},
                                                           {key, wsc_attr::network_key},
                                                           {mac, wsc_attr::mac_address}};
        for (const auto& [present, type] : required) {
          if (!present) {
            return make_error(ErrorCode::missing_field, a.offset, "Credential lacks " + attr_text(type));
          }
        }
        if (std::string problem = credential_problem(c); !problem.empty()) {
          return make_error(ErrorCode::bad_value, a.offset, "Credential: " + problem);
        }
        break;
      }
      case wsc_attr::rf_bands:
        if (token.rf_bands) return duplicate(a);
        if (a.value.size() != 1) return wrong_size(a, "1");
        token.rf_bands = a.value[0];
        break;
      case wsc_attr::ap_channel:
        if (token.ap_channel) return duplicate(a);
        if (a.value.size() != 2) return wrong_size(a, "2");
        token.ap_channel = detail::be16(a.value, 0);
        break;
      case wsc_attr::mac_address:
        if (token.mac) return duplicate(a);
        if (a.value.size() != 6) return wrong_size(a, "6");
        token.mac.emplace();
        std::copy(a.value.begin(), a.value.end(), token.mac->begin());
        break;
      case wsc_attr::vendor_extension:
        // WFA vendor extension holding only Version2: typed; anything else is kept as is.
        if (!token.version2 && a.value.size() == 6 && a.value[0] == kWfaOui[0] && a.value[1] == kWfaOui[1] &&
            a.value[2] == kWfaOui[2] && a.value[3] == 0x00 && a.value[4] == 0x01) {
          token.version2 = a.value[5];
          break;
        }
        [[fallthrough]];
      default:
        token.extra.push_back(WscAttribute{a.type, Bytes(a.value.begin(), a.value.end())});
    }
  }
  return token;
}

Result<Record> encode_wsc_config_token(const WscConfigToken& token, std::string_view id) {
  const WscCredential& c = token.credential;
  if (std::string problem = credential_problem(c); !problem.empty()) {
    return make_error(ErrorCode::bad_value, 0, "Credential: " + problem);
  }
  std::vector<WscAttribute> cred;
  if (c.network_index) cred.push_back({wsc_attr::network_index, {*c.network_index}});
  cred.push_back({wsc_attr::ssid, Bytes(c.ssid.begin(), c.ssid.end())});
  cred.push_back({wsc_attr::auth_type,
                  {static_cast<std::uint8_t>(c.auth_type >> 8), static_cast<std::uint8_t>(c.auth_type)}});
  cred.push_back({wsc_attr::encr_type,
                  {static_cast<std::uint8_t>(c.encr_type >> 8), static_cast<std::uint8_t>(c.encr_type)}});
  cred.push_back({wsc_attr::network_key, Bytes(c.network_key.begin(), c.network_key.end())});
  cred.push_back({wsc_attr::mac_address, Bytes(c.mac.begin(), c.mac.end())});
  cred.insert(cred.end(), c.extra.begin(), c.extra.end());
  auto cred_bytes = encode_wsc_attributes(cred);
  if (!cred_bytes) return cred_bytes.error();

  WscPayload payload;
  payload.attributes.push_back({wsc_attr::credential, std::move(*cred_bytes)});
  if (token.rf_bands) payload.attributes.push_back({wsc_attr::rf_bands, {*token.rf_bands}});
  if (token.ap_channel) {
    payload.attributes.push_back(
        {wsc_attr::ap_channel,
         {static_cast<std::uint8_t>(*token.ap_channel >> 8), static_cast<std::uint8_t>(*token.ap_channel)}});
  }
  if (token.mac)
    payload.attributes.push_back({wsc_attr::mac_address, Bytes(token.mac->begin(), token.mac->end())});
  payload.attributes.insert(payload.attributes.end(), token.extra.begin(), token.extra.end());
  if (token.version2) {
    payload.attributes.push_back(
        {wsc_attr::vendor_extension, {kWfaOui[0], kWfaOui[1], kWfaOui[2], 0x00, 0x01, *token.version2}});
  }
  return encode_wsc(payload, id);
}

}  // namespace tapbench::ndef
