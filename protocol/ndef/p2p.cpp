#include "protocol/ndef/p2p.hpp"

#include <algorithm>

#include "protocol/ndef/detail.hpp"
#include "protocol/ndef/media.hpp"

namespace tapbench::ndef {

using detail::make_error;

const char* p2p_attribute_name(std::uint8_t id) {
  switch (id) {
    case 0:
      return "Status";
    case 2:
      return "P2P Capability";
    case 3:
      return "P2P Device ID";
    case 4:
      return "Group Owner Intent";
    case 5:
      return "Configuration Timeout";
    case 6:
      return "Listen Channel";
    case 7:
      return "P2P Group BSSID";
    case 8:
      return "Extended Listen Timing";
    case 9:
      return "Intended P2P Interface Address";
    case 10:
      return "P2P Manageability";
    case 11:
      return "Channel List";
    case 12:
      return "Notice of Absence";
    case 13:
      return "P2P Device Info";
    case 14:
      return "P2P Group Info";
    case 15:
      return "P2P Group ID";
    case 16:
      return "P2P Interface";
    case 17:
      return "Operating Channel";
    case 18:
      return "Invitation Flags";
    case 19:
      return "OOB Group Owner Negotiation Channel";
    case 221:
      return "Vendor specific";
    default:
      return nullptr;
  }
}

const P2pAttribute* P2pPayload::find(std::uint8_t id) const {
  for (const P2pAttribute& a : p2p) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

namespace {

struct P2pAt {
  std::uint8_t id;
  ByteView value;
  std::size_t offset;
};

std::string p2p_text(std::uint8_t id) {
  const char* name = p2p_attribute_name(id);
  return std::to_string(id) + (name ? std::string(" (") + name + ")" : std::string());
}

struct Split {
  ByteView wsc;
  std::size_t wsc_offset;
  std::vector<P2pAt> p2p;
};

Result<Split> split(const Record& record) {
  if (!is_media_type(record, kP2pMediaType)) {
    return make_error(ErrorCode::wrong_record_type, record.payload_offset,
                      "not a Wi-Fi P2P record (media \"application/vnd.wfa.p2p\")");
  }
  const ByteView p = record.payload;
  const std::size_t base = record.payload_offset;
  if (p.size() < 2) {
    return make_error(ErrorCode::truncated_field, base, "P2P payload lacks the 2-byte WSC length");
  }
  const std::size_t wsc_len = detail::be16(p, 0);
  if (wsc_len > p.size() - 2) {
    return make_error(ErrorCode::length_past_end, base,
                      "P2P payload: WSC length " + std::to_string(wsc_len) + " runs past end (" +
                          std::to_string(p.size() - 2) + " byte(s) left)");
  }
  Split out{p.subspan(2, wsc_len), base + 2, {}};
  std::size_t pos = 2 + wsc_len;
  if (p.size() - pos < 2) {
    return make_error(ErrorCode::truncated_field, base + pos, "P2P payload lacks the 2-byte P2P length");
  }
  const std::size_t p2p_len = detail::be16(p, pos);
  if (p2p_len > p.size() - pos - 2) {
    return make_error(ErrorCode::length_past_end, base + pos,
                      "P2P payload: P2P length " + std::to_string(p2p_len) + " runs past end (" +
                          std::to_string(p.size() - pos - 2) + " byte(s) left)");
  }
  pos += 2;
  const std::size_t end = pos + p2p_len;
  if (end != p.size()) {
    return make_error(ErrorCode::trailing_data, base + end,
                      std::to_string(p.size() - end) + " byte(s) after the P2P attributes");
  }
  while (pos < end) {
    if (end - pos < 3) {
      return make_error(
          ErrorCode::truncated_field, base + pos,
          "P2P attribute header truncated: 3 bytes needed, " + std::to_string(end - pos) + " left");
    }
    const std::uint8_t id = p[pos];
    const std::size_t len = detail::le16(p, pos + 1);  // little-endian, as hostap writes it
    if (len > end - pos - 3) {
      return make_error(ErrorCode::length_past_end, base + pos + 1,
                        "P2P attribute " + p2p_text(id) + " length " + std::to_string(len) +
                            " (little-endian) runs past end (" + std::to_string(end - pos - 3) +
                            " byte(s) left)");
    }
    out.p2p.push_back(P2pAt{id, p.subspan(pos + 3, len), base + pos});
    pos += 3 + len;
  }
  return out;
}

Error wrong_size(const P2pAt& a, const std::string& expected) {
  return make_error(ErrorCode::bad_value, a.offset,
                    "P2P attribute " + p2p_text(a.id) + " has " + std::to_string(a.value.size()) +
                        " byte(s), expected " + expected);
}

}  // namespace

Result<P2pPayload> decode_p2p(const Record& record) {
  auto s = split(record);
  if (!s) return s.error();
  auto wsc = decode_wsc_attributes(s->wsc, s->wsc_offset);
  if (!wsc) return wsc.error();
  P2pPayload out;
  out.wsc = std::move(*wsc);
  for (const P2pAt& a : s->p2p)
    out.p2p.push_back(P2pAttribute{a.id, Bytes(a.value.begin(), a.value.end())});
  return out;
}

Result<Record> encode_p2p(const P2pPayload& payload, std::string_view id) {
  auto wsc = encode_wsc_attributes(payload.wsc);
  if (!wsc) return wsc.error();
  if (wsc->size() > 0xFFFF) return make_error(ErrorCode::field_too_long, 0, "WSC part exceeds 65535 bytes");
  Bytes p2p;
  for (const P2pAttribute& a : payload.p2p) {
    if (a.value.size() > 0xFFFF) {
      return make_error(ErrorCode::field_too_long, 0,
                        "P2P attribute " + p2p_text(a.id) + " value exceeds 65535 bytes");
    }
    p2p.push_back(a.id);
    detail::put_le16(p2p, static_cast<std::uint16_t>(a.value.size()));
    detail::append(p2p, a.value);
  }
  if (p2p.size() > 0xFFFF) return make_error(ErrorCode::field_too_long, 0, "P2P part exceeds 65535 bytes");
  Bytes out;
  detail::put_be16(out, static_cast<std::uint16_t>(wsc->size()));
  detail::append(out, *wsc);
  detail::put_be16(out, static_cast<std::uint16_t>(p2p.size()));
  detail::append(out, p2p);
  return make_record(Tnf::media, kP2pMediaType, std::move(out), id);
}

Result<P2pInfo> decode_p2p_info(const Record& record) {
  auto s = split(record);
  if (!s) return s.error();
  if (auto wsc = decode_wsc_attributes(s->wsc, s->wsc_offset); !wsc) return wsc.error();
  P2pInfo info;
  auto dup = [](const P2pAt& a) {
    return make_error(ErrorCode::duplicate_field, a.offset, "P2P attribute " + p2p_text(a.id) + " repeated");
  };
  for (const P2pAt& a : s->p2p) {
    const ByteView v = a.value;
    switch (a.id) {
      case p2p_attr::capability:
        if (info.capability) return dup(a);
        if (v.size() != 2) return wrong_size(a, "2");
        info.capability = std::array<std::uint8_t, 2>{v[0], v[1]};
        break;
      case p2p_attr::device_info: {
        if (info.device_info) return dup(a);
        if (v.size() < 17) return wrong_size(a, "at least 17");
        P2pDeviceInfo d;
        std::copy_n(v.begin(), 6, d.device_address.begin());
        d.config_methods = detail::be16(v, 6);
        std::copy_n(v.begin() + 8, 8, d.primary_device_type.begin());
        d.secondary_device_type_count = v[16];
        std::size_t pos = 17 + std::size_t{d.secondary_device_type_count} * 8;
        if (pos + 4 > v.size()) {
          return wrong_size(a, std::to_string(pos + 4) + " or more (secondary types + Device Name TLV)");
        }
        const std::uint16_t name_type = detail::be16(v, pos);
        const std::size_t name_len = detail::be16(v, pos + 2);
        if (name_type != wsc_attr::device_name) {
          return make_error(
              ErrorCode::bad_value, a.offset + 3 + pos,
              "P2P Device Info: expected WSC Device Name (0x1011), found " + detail::hex16(name_type));
        }
        if (name_len != v.size() - pos - 4) {
          return make_error(ErrorCode::length_past_end, a.offset + 3 + pos + 2,
                            "P2P Device Info: Device Name length " + std::to_string(name_len) + " but " +
                                std::to_string(v.size() - pos - 4) + " byte(s) remain in the attribute");
        }
        d.device_name = detail::text(v.subspan(pos + 4));
        info.device_info = std::move(d);
        break;
      }
      case p2p_attr::group_id: {
        if (info.group_id) return dup(a);
        if (v.size() < 6 || v.size() > 6 + 32) return wrong_size(a, "6-38");
        P2pGroupId g;
        std::copy_n(v.begin(), 6, g.device_address.begin());
        g.ssid = detail::text(v.subspan(6));
        info.group_id = std::move(g);
        break;
      }
      case p2p_attr::oob_go_negotiation_channel: {
        if (info.oob_go_channel) return dup(a);
        if (v.size() != 6) return wrong_size(a, "6");
        info.oob_go_channel = P2pChannel{detail::text(v.subspan(0, 3)), v[3], v[4], v[5]};
        break;
      }
      default:
        break;
    }
  }
  return info;
}

}  // namespace tapbench::ndef
