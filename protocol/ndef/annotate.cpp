#include "protocol/ndef/annotate.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "protocol/ndef/aar.hpp"
#include "protocol/ndef/detail.hpp"
#include "protocol/ndef/handover_select.hpp"
#include "protocol/ndef/media.hpp"
#include "protocol/ndef/p2p.hpp"
#include "protocol/ndef/printer_record.hpp"
#include "protocol/ndef/record.hpp"
#include "protocol/ndef/uri.hpp"
#include "protocol/ndef/wsc.hpp"

namespace tapbench::ndef {

namespace {

using detail::printable;

constexpr std::size_t kPerLine = 16;

class Dumper {
 public:
  // Bytes in lines of 16; the comment on the first line, "(cont.)" on the others.
  void emit(ByteView bytes, int depth, const std::string& comment) {
    for (std::size_t i = 0; i == 0 || i < bytes.size(); i += kPerLine) {
      const ByteView part = bytes.subspan(i, std::min(kPerLine, bytes.size() - i));
      std::string hex;
      for (std::uint8_t b : part) {
        if (!hex.empty()) hex += ' ';
        hex += to_hex(ByteView(&b, 1));
      }
      hex.resize(kPerLine * 3 - 1, ' ');
      out_ += hex + " | " + std::string(static_cast<std::size_t>(depth) * 2, ' ') +
              (i == 0 ? comment : std::string("(cont.)")) + "\n";
      if (bytes.empty()) break;
    }
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string quoted(ByteView b) {
  return "\"" + printable(b) + "\"";
}

void message(Dumper& d, ByteView b, int depth);

void wsc_attrs(Dumper& d, ByteView b, int depth) {
  std::size_t pos = 0;
  while (b.size() - pos >= 4) {
    const std::uint16_t type = detail::be16(b, pos);
    const std::size_t len = detail::be16(b, pos + 2);
    if (len > b.size() - pos - 4) break;
    const char* name = wsc_attribute_name(type);
    d.emit(b.subspan(pos, 4), depth,
           std::string(name ? name : "attribute") + " (" + detail::hex16(type) + "), length " +
               std::to_string(len));
    const ByteView v = b.subspan(pos + 4, len);
    std::string what;
    switch (type) {
      case wsc_attr::credential:
        wsc_attrs(d, v, depth + 1);
        pos += 4 + len;
        continue;
      case wsc_attr::ssid:
      case wsc_attr::network_key:
      case wsc_attr::device_name:
        what = quoted(v);
        break;
      case wsc_attr::auth_type:
        what = len == 2 ? wsc_auth_type_names(detail::be16(v, 0)) : "value";
        break;
      case wsc_attr::encr_type:
        what = len == 2 ? wsc_encr_type_names(detail::be16(v, 0)) : "value";
        break;
      case wsc_attr::network_index:
        what = len == 1 ? "network index " + std::to_string(v[0]) : "value";
        break;
      case wsc_attr::rf_bands:
        what = len == 1 ? std::string(v[0] == 1 ? "2.4 GHz" : "band bits") : "value";
        break;
      case wsc_attr::ap_channel:
        what = len == 2 ? "channel " + std::to_string(detail::be16(v, 0)) : "value";
        break;
      case wsc_attr::mac_address:
        if (len == 6) {
          MacAddress m{};
          std::copy(v.begin(), v.end(), m.begin());
          what = "MAC address " + format_mac(m);
        } else {
          what = "value";
        }
        break;
      case wsc_attr::vendor_extension:
        what = len == 6 && v[0] == 0x00 && v[1] == 0x37 && v[2] == 0x2A && v[3] == 0x00 && v[4] == 0x01
                   ? "WFA (00 37 2A): Version2, length 1, " + detail::hex8(v[5])
                   : "vendor data";
        break;
      default:
        what = "value";
    }
    if (len > 0) d.emit(v, depth + 1, what);
    pos += 4 + len;
  }
  if (pos < b.size()) d.emit(b.subspan(pos), depth, "unparsed bytes");
}

void payload(Dumper& d, const Record& r, ByteView p, int depth) {
  if (p.empty()) return;
  if (r.is(Tnf::well_known, "Hs") && decode_handover_select(r).ok()) {
    d.emit(p.subspan(0, 1), depth,
           "Hs version " + std::to_string(p[0] >> 4) + "." + std::to_string(p[0] & 0x0F));
    if (p.size() > 1) message(d, p.subspan(1), depth + 1);
    return;
  }
  if (r.is(Tnf::well_known, "ac")) {
    // Collect the fields with bounds checks first; a malformed ac is dumped as plain payload.
    std::vector<std::pair<ByteView, std::string>> fields;
    std::size_t pos = 0;
    bool ok = true;
    auto take = [&](std::size_t n, std::string what) {
      if (!ok || p.size() - pos < n) {
        ok = false;
        return ByteView{};
      }
      const ByteView v = p.subspan(pos, n);
      fields.emplace_back(v, std::move(what));
      pos += n;
      return v;
    };
    const ByteView cps = take(1, "");
    if (ok)
      fields.back().second = std::string("carrier power state: ") +
                             carrier_power_state_name(static_cast<CarrierPowerState>(cps[0] & 3));
    const ByteView cdr_len = take(1, "");
    if (ok) {
      fields.back().second = "carrier data reference length " + std::to_string(cdr_len[0]);
      const ByteView cdr = take(cdr_len[0], "");
      if (ok) fields.back().second = "carrier data reference " + quoted(cdr);
    }
    const ByteView count = take(1, "");
    if (ok) {
      fields.back().second = "auxiliary data reference count " + std::to_string(count[0]);
      for (std::size_t i = 0; ok && i < count[0]; ++i) {
        const ByteView len = take(1, "");
        if (!ok) break;
        fields.back().second = "auxiliary data reference length " + std::to_string(len[0]);
        const ByteView ref = take(len[0], "");
        if (ok) fields.back().second = "auxiliary data reference " + quoted(ref);
      }
    }
    if (ok && pos == p.size()) {
      for (const auto& [bytes, what] : fields)
        d.emit(bytes, depth, what);
    } else {
      d.emit(p, depth, "payload (malformed ac)");
    }
    return;
  }
  if (r.is(Tnf::well_known, "U") && decode_uri(r).ok()) {
    d.emit(p.subspan(0, 1), depth, "URI prefix " + detail::hex8(p[0]) + " \"" + uri_prefix(p[0]) + "\"");
    if (p.size() > 1) d.emit(p.subspan(1), depth, quoted(p.subspan(1)));
    return;
  }
  if (is_media_type(r, kWscMediaType)) {
    if (auto w = decode_wsc(r)) {
      ByteView attrs = p;
      if (w->form == WscForm::length_prefixed) {
        d.emit(p.subspan(0, 2), depth, "WSC length " + std::to_string(p.size() - 2));
        attrs = p.subspan(2);
      }
      wsc_attrs(d, attrs, depth);
      return;
    }
  }
  if (is_media_type(r, kP2pMediaType) && decode_p2p(r).ok()) {
    const std::size_t wsc_len = detail::be16(p, 0);
    d.emit(p.subspan(0, 2), depth, "WSC length " + std::to_string(wsc_len));
    wsc_attrs(d, p.subspan(2, wsc_len), depth + 1);
    std::size_t pos = 2 + wsc_len;
    d.emit(p.subspan(pos, 2), depth, "P2P length " + std::to_string(detail::be16(p, pos)));
    pos += 2;
    while (pos < p.size()) {
      const std::size_t len = detail::le16(p, pos + 1);
      const char* name = p2p_attribute_name(p[pos]);
      d.emit(p.subspan(pos, 3), depth + 1,
             std::string(name ? name : "attribute") + " (" + std::to_string(p[pos]) + "), length " +
                 std::to_string(len) + " (little-endian)");
      if (len > 0) d.emit(p.subspan(pos + 3, len), depth + 2, "value");
      pos += 3 + len;
    }
    return;
  }
  if (r.is(Tnf::external, kAarType)) {
    d.emit(p, depth, "package " + quoted(p));
    return;
  }
  if (r.is(Tnf::external, kPrinterRecordType) && decode_printer_record(r).ok()) {
    d.emit(p.subspan(0, 1), depth, "printer record version " + std::to_string(p[0]));
    std::size_t pos = 1;
    while (pos < p.size()) {
      const std::uint8_t type = p[pos];
      const std::size_t len = p[pos + 1];
      const ByteView v = p.subspan(pos + 2, len);
      std::string name, what = "value";
      switch (type) {
        case printer_tlv::state:
          name = "state";
          what = printer_state_name(static_cast<PrinterState>(v[0]));
          break;
        case printer_tlv::pwt:
          name = "PWT";
          what = quoted(v);
          break;
        case printer_tlv::instruction:
          name = "instruction";
          what = instruction_name(static_cast<Instruction>(v[0]));
          break;
        case printer_tlv::svwt:
          name = "SVWT";
          what = quoted(v);
          break;
        case printer_tlv::pages:
          name = "pages";
          what = std::to_string(detail::be32(v, 0)) + " printable pages";
          break;
        default:
          name = "unknown (skipped by readers)";
      }
      d.emit(p.subspan(pos, 2), depth,
             "TLV " + detail::hex8(type) + " " + name + ", length " + std::to_string(len));
      if (len > 0) d.emit(v, depth + 1, what);
      pos += 2 + len;
    }
    return;
  }
  d.emit(p, depth, "payload");
}

std::string flags_text(std::uint8_t h) {
  std::string s;
  if (h & 0x80) s += " MB";
  if (h & 0x40) s += " ME";
  if (h & 0x20) s += " CF";
  if (h & 0x10) s += " SR";
  if (h & 0x08) s += " IL";
  return (s.empty() ? std::string("no flags") : s.substr(1)) + ", TNF " + detail::hex8(h & 7) + " " +
         tnf_name(static_cast<Tnf>(h & 7));
}

// Precondition: `b` decodes as a message (so every read below is in bounds).
void message(Dumper& d, ByteView b, int depth) {
  std::size_t pos = 0;
  while (pos < b.size()) {
    const std::uint8_t h = b[pos];
    d.emit(b.subspan(pos, 1), depth, "record header: " + flags_text(h));
    const std::size_t type_len = b[pos + 1];
    d.emit(b.subspan(pos + 1, 1), depth, "type length " + std::to_string(type_len));
    pos += 2;
    std::size_t payload_len;
    if (h & 0x10) {
      payload_len = b[pos];
      d.emit(b.subspan(pos, 1), depth, "payload length " + std::to_string(payload_len));
      pos += 1;
    } else {
      payload_len = detail::be32(b, pos);
      d.emit(b.subspan(pos, 4), depth, "payload length " + std::to_string(payload_len) + " (32-bit)");
      pos += 4;
    }
    std::size_t id_len = 0;
    if (h & 0x08) {
      id_len = b[pos];
      d.emit(b.subspan(pos, 1), depth, "ID length " + std::to_string(id_len));
      pos += 1;
    }
    Record r;
    r.tnf = static_cast<Tnf>(h & 7);
    r.type.assign(b.begin() + pos, b.begin() + pos + type_len);
    if (type_len) d.emit(b.subspan(pos, type_len), depth, "type " + quoted(b.subspan(pos, type_len)));
    pos += type_len;
    if (id_len) d.emit(b.subspan(pos, id_len), depth, "ID " + quoted(b.subspan(pos, id_len)));
    pos += id_len;
    const ByteView p = b.subspan(pos, payload_len);
    r.payload.assign(p.begin(), p.end());
    if (h & 0x20) {
      d.emit(p, depth + 1, "chunk payload");
    } else {
      payload(d, r, p, depth + 1);
    }
    pos += payload_len;
  }
}

}  // namespace

Result<std::string> annotate(ByteView bytes) {
  auto decoded = decode_message(bytes);
  if (!decoded) return decoded.error();
  Dumper d;
  message(d, bytes, 0);
  return d.take();
}

}  // namespace tapbench::ndef
