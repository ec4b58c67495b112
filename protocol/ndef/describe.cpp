#include "protocol/ndef/describe.hpp"

#include "protocol/ndef/aar.hpp"
#include "protocol/ndef/detail.hpp"
#include "protocol/ndef/handover_select.hpp"
#include "protocol/ndef/media.hpp"
#include "protocol/ndef/p2p.hpp"
#include "protocol/ndef/printer_record.hpp"
#include "protocol/ndef/uri.hpp"
#include "protocol/ndef/wsc.hpp"

namespace tapbench::ndef {

namespace {

using detail::printable;

struct Out {
  std::string text;
  void line(int indent, const std::string& s) {
    text.append(static_cast<std::size_t>(indent) * 2, ' ');
    text += s;
    text += '\n';
  }
};

std::string quoted(ByteView b) {
  return "\"" + printable(b) + "\"";
}
std::string quoted(const std::string& s) {
  return quoted(detail::view(s));
}

void invalid(Out& o, int indent, const char* kind, const Record& r, const Error& e) {
  o.line(indent, std::string("invalid ") + kind + ": " + e.to_string());
  o.line(indent, "payload hex: " + to_hex(r.payload));
}

std::string rf_bands_text(std::uint8_t bands) {
  std::string s;
  if (bands & 0x01) s += " 2.4GHz";
  if (bands & 0x02) s += " 5GHz";
  if (bands & 0x04) s += " 60GHz";
  return detail::hex8(bands) + (s.empty() ? "" : " (" + s.substr(1) + ")");
}

void wsc_attributes(Out& o, int indent, const std::vector<WscAttribute>& attrs) {
  for (const WscAttribute& a : attrs) {
    const char* name = wsc_attribute_name(a.type);
    std::string value;
    if (a.type == wsc_attr::ssid || a.type == wsc_attr::device_name || a.type == wsc_attr::network_key) {
      value = quoted(a.value);
    } else if (a.type == wsc_attr::mac_address && a.value.size() == 6) {
      MacAddress m{};
      std::copy(a.value.begin(), a.value.end(), m.begin());
      value = format_mac(m);
    } else if (a.type == wsc_attr::oob_device_password && a.value.size() >= 22) {
      // Public key hash (20), password ID (2), device password (rest).
      value = "public key hash " + to_hex(ByteView(a.value).subspan(0, 20)) + ", password ID " +
              detail::hex16(static_cast<std::uint16_t>((a.value[20] << 8) | a.value[21])) +
              (a.value.size() > 22 ? ", password " + to_hex(ByteView(a.value).subspan(22)) : "");
    } else {
      value = to_hex(a.value);
    }
    o.line(indent, (name ? std::string(name) : std::string("attribute")) + " (" + detail::hex16(a.type) +
                       "): " + value);
  }
}

void describe_wsc(Out& o, const Record& r) {
  if (auto token = decode_wsc_config_token(r)) {
    const WscCredential& c = token->credential;
    o.line(1, "Wi-Fi Simple Configuration: configuration token (credential)");
    o.line(2, "SSID: " + quoted(c.ssid));
    o.line(2,
           "authentication: " + wsc_auth_type_names(c.auth_type) + " (" + detail::hex16(c.auth_type) + ")");
    o.line(2, "encryption: " + wsc_encr_type_names(c.encr_type) + " (" + detail::hex16(c.encr_type) + ")");
    o.line(2, std::string(c.network_key.size() == 64 ? "PSK" : "passphrase") + ": " + quoted(c.network_key));
    o.line(2, "MAC address: " + format_mac(c.mac));
    if (c.network_index) o.line(2, "network index: " + std::to_string(*c.network_index));
    wsc_attributes(o, 2, c.extra);
    if (token->rf_bands) o.line(2, "RF bands: " + rf_bands_text(*token->rf_bands));
    if (token->ap_channel) o.line(2, "AP channel: " + std::to_string(*token->ap_channel));
    if (token->mac) o.line(2, "MAC address (outside credential): " + format_mac(*token->mac));
    wsc_attributes(o, 2, token->extra);
    if (token->version2) {
      o.line(2, "WSC version: " + std::to_string(*token->version2 >> 4) + "." +
                    std::to_string(*token->version2 & 0x0F));
    }
    return;
  }
  auto payload = decode_wsc(r);
  if (!payload) return invalid(o, 1, "WSC record", r, payload.error());
  o.line(1, std::string("Wi-Fi Simple Configuration: ") + (payload->form == WscForm::length_prefixed
                                                               ? "handover carrier (length-prefixed)"
                                                               : "attributes"));
  wsc_attributes(o, 2, payload->attributes);
}

void describe_p2p(Out& o, const Record& r) {
  auto payload = decode_p2p(r);
  if (!payload) return invalid(o, 1, "P2P record", r, payload.error());
  auto info = decode_p2p_info(r);
  if (!info) return invalid(o, 1, "P2P record", r, info.error());
  o.line(1, "Wi-Fi P2P carrier");
  o.line(2, "WSC attributes:");
  wsc_attributes(o, 3, payload->wsc);
  o.line(2, "P2P attributes:");
  for (const P2pAttribute& a : payload->p2p) {
    const char* name = p2p_attribute_name(a.id);
    o.line(3, (name ? std::string(name) : std::string("attribute")) + " (" + std::to_string(a.id) +
                  "): " + std::to_string(a.value.size()) + " byte(s) " + to_hex(a.value));
  }
  if (info->device_info) {
    o.line(2, "device address: " + format_mac(info->device_info->device_address) +
                  ", device name: " + quoted(info->device_info->device_name));
  }
  if (info->group_id) {
    o.line(2,
           "group: " + format_mac(info->group_id->device_address) + " SSID " + quoted(info->group_id->ssid));
  }
  if (info->oob_go_channel) {
    o.line(2, "OOB GO negotiation channel: operating class " +
                  std::to_string(info->oob_go_channel->operating_class) + ", channel " +
                  std::to_string(info->oob_go_channel->channel) + ", role " +
                  std::to_string(info->oob_go_channel->role));
  }
}

void describe_hs(Out& o, const Record& r) {
  auto hs = decode_handover_select(r);
  if (!hs) return invalid(o, 1, "Hs record", r, hs.error());
  o.line(1, "Handover Select " + std::to_string(hs->version >> 4) + "." + std::to_string(hs->version & 0x0F) +
                ", " + std::to_string(hs->carriers.size()) + " alternative carrier(s)");
  for (std::size_t i = 0; i < hs->carriers.size(); ++i) {
    const AlternativeCarrier& ac = hs->carriers[i];
    std::string aux;
    for (const Bytes& ref : ac.auxiliary_data_references)
      aux += (aux.empty() ? "" : ", ") + quoted(ref);
    o.line(2, "ac " + std::to_string(i + 1) + ": power " + carrier_power_state_name(ac.power_state) +
                  ", carrier data reference " + quoted(ac.carrier_data_reference) +
                  ", auxiliary data references: " + (aux.empty() ? "none" : aux));
  }
  if (hs->error) {
    o.line(2, "err: reason " + detail::hex8(hs->error->reason) + ", data " + to_hex(hs->error->data));
  }
  for (const Record& other : hs->other_records) {
    o.line(2, std::string("local record: ") + tnf_name(other.tnf) + " " + quoted(other.type) + ", " +
                  std::to_string(other.payload.size()) + " byte(s)");
  }
}

void describe_printer(Out& o, const Record& r) {
  auto p = decode_printer_record(r);
  if (!p) return invalid(o, 1, "printer record", r, p.error());
  o.line(1, "tapbench printer record v1");
  o.line(2, std::string("state: ") + printer_state_name(p->state));
  if (p->instruction) o.line(2, std::string("instruction: ") + instruction_name(*p->instruction));
  if (p->pwt) o.line(2, "PWT: " + *p->pwt);
  if (p->svwt) o.line(2, "SVWT: " + *p->svwt);
  if (p->pages) o.line(2, "printable pages: " + std::to_string(*p->pages));
  for (std::uint8_t t : p->skipped_tlv_types)
    o.line(2, "skipped unknown TLV " + detail::hex8(t));
}

}  // namespace

std::string describe_record(const Record& r, std::size_t index) {
  Out o;
  std::string head = "record " + std::to_string(index) + ": " + tnf_name(r.tnf);
  if (!r.type.empty()) head += " " + quoted(r.type);
  if (!r.id.empty()) head += ", id " + quoted(r.id);
  head += ", payload " + std::to_string(r.payload.size()) + " byte(s)";
  o.line(0, head);
  if (r.is(Tnf::well_known, "Hs")) {
    describe_hs(o, r);
  } else if (r.is(Tnf::well_known, "U")) {
    if (auto u = decode_uri(r)) {
      o.line(1, "URI: " + u->full() + " (prefix code " + detail::hex8(u->prefix_code) + ")");
    } else {
      invalid(o, 1, "URI record", r, u.error());
    }
  } else if (is_media_type(r, kWscMediaType)) {
    describe_wsc(o, r);
  } else if (is_media_type(r, kP2pMediaType)) {
    describe_p2p(o, r);
  } else if (r.is(Tnf::external, kAarType)) {
    if (auto a = decode_aar(r)) {
      o.line(1, "Android application: " + a->package);
    } else {
      invalid(o, 1, "AAR", r, a.error());
    }
  } else if (r.is(Tnf::external, kPrinterRecordType)) {
    describe_printer(o, r);
  } else if (!r.payload.empty()) {
    o.line(1, "payload hex: " + to_hex(r.payload));
  }
  return o.text;
}

std::string describe(const Message& message) {
  std::string out = "NDEF message, " + std::to_string(message.records.size()) + " record(s)\n";
  for (std::size_t i = 0; i < message.records.size(); ++i)
    out += describe_record(message.records[i], i + 1);
  return out;
}

}  // namespace tapbench::ndef
