#include "protocol/handover/tap_message.hpp"

#include "protocol/ndef/aar.hpp"
#include "protocol/ndef/handover_select.hpp"
#include "protocol/ndef/media.hpp"
#include "protocol/ndef/p2p.hpp"
#include "protocol/ndef/uri.hpp"

namespace tapbench::handover {

using ndef::Error;
using ndef::ErrorCode;
using ndef::Message;
using ndef::Record;
using ndef::Result;
using ndef::Tnf;

namespace {

Error input_error(std::string reason) {
  return Error{ErrorCode::invalid_input, 0, std::move(reason)};
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

std::optional<std::uint8_t> rf_band_of(std::uint16_t channel) {
  if (channel >= 1 && channel <= 14) return 0x01;
  if (channel >= 32 && channel <= 177) return 0x02;
  return std::nullopt;
}

std::optional<Error> check_wfd(const WfdCredential& w) {
  if (w.ssid.empty() || w.ssid.size() > 32) {
    return input_error("WFD SSID of " + std::to_string(w.ssid.size()) + " bytes (1-32 allowed)");
  }
  bool printable = true;
  for (char c : w.passphrase)
    printable = printable && c >= 0x20 && c <= 0x7E;
  if (!is_hex64(w.passphrase) && (w.passphrase.size() < 8 || w.passphrase.size() > 63 || !printable)) {
    return input_error("WFD passphrase must be 8-63 printable ASCII characters or 64 hex digits (got " +
                       std::to_string(w.passphrase.size()) + " bytes)");
  }
  if (w.channel != 0 && !rf_band_of(w.channel)) {
    return input_error("WFD channel " + std::to_string(w.channel) + " is not a 2.4 or 5 GHz channel");
  }
  return std::nullopt;
}

Result<Record> wfd_record(const WfdCredential& w) {
  ndef::WscConfigToken t;
  t.credential.network_index = 1;
  t.credential.ssid = w.ssid;
  t.credential.auth_type = ndef::wsc_auth::wpa2_personal;
  t.credential.encr_type = ndef::wsc_encr::aes;
  t.credential.network_key = w.passphrase;
  t.credential.mac = w.go_mac;
  if (w.channel != 0) {
    t.rf_bands = rf_band_of(w.channel);
    t.ap_channel = w.channel;
  }
  t.mac = w.go_mac;
  t.version2 = 0x20;
  return ndef::encode_wsc_config_token(t, kWfdCarrierId);
}

Result<Record> hs_record(std::uint8_t version) {
  ndef::HandoverSelect hs;
  hs.version = version;
  ndef::AlternativeCarrier ac;
  ac.power_state = ndef::CarrierPowerState::active;
  ac.carrier_data_reference.assign(kWfdCarrierId.begin(), kWfdCarrierId.end());
  hs.carriers.push_back(std::move(ac));
  return ndef::encode_handover_select(hs);
}

}  // namespace

PrinterState judge_state(const TapInputs& in) {
  if (!in.registered) return PrinterState::unregistered;
  if (in.ink_low) return PrinterState::ink_low;
  if (in.printable_pages <= in.page_threshold) return PrinterState::charge_needed;
  return PrinterState::ready;
}

Result<Message> compose_tap_message(const TapInputs& in) {
  const PrinterState state = judge_state(in);
  const char* state_name = ndef::printer_state_name(state);
  const bool wfd_state = state == PrinterState::unregistered || state == PrinterState::ready;
  if (in.hs_version != ndef::kHandoverVersion12 && in.hs_version != ndef::kHandoverVersion13) {
    return input_error("Hs version must be 0x12 or 0x13");
  }
  ndef::PrinterRecord printer;
  printer.state = state;
  Message m;
  auto push = [&](Result<Record> r) -> std::optional<Error> {
    if (!r) return Error{ErrorCode::invalid_input, 0, r.error().reason};
    m.records.push_back(std::move(*r));
    return std::nullopt;
  };
  if (wfd_state) {
    if (auto e = check_wfd(in.wfd)) return *e;
    if (!ndef::is_valid_token_text(in.pwt)) {
      return input_error(std::string("PWT required in state ") + state_name +
                         " (1-255 printable ASCII characters)");
    }
    printer.pwt = in.pwt;
    if (auto e = push(hs_record(in.hs_version))) return *e;
    if (auto e = push(wfd_record(in.wfd))) return *e;
  } else {
    if (!in.svwt || !ndef::is_valid_token_text(*in.svwt)) {
      return input_error(std::string("SVWT required in state ") + state_name +
                         " (1-255 printable ASCII characters)");
    }
    const std::string& url = state == PrinterState::ink_low ? in.exchange_url : in.charge_url;
    if (url.empty()) {
      return input_error(std::string(state == PrinterState::ink_low ? "exchange" : "charge") +
                         " URL required in state " + state_name);
    }
    if (auto e = push(ndef::encode_uri(ndef::make_uri(url)))) return *e;
  }
  switch (state) {
    case PrinterState::unregistered:
      printer.instruction = Instruction::register_with_server;
      break;
    case PrinterState::ink_low:
      printer.instruction = Instruction::exchange;
      printer.svwt = in.svwt;
      printer.pages = in.printable_pages;
      break;
    case PrinterState::charge_needed:
      printer.instruction = Instruction::charge;
      printer.svwt = in.svwt;
      printer.pages = in.printable_pages;
      break;
    case PrinterState::ready:
      if (in.svwt) {
        if (!ndef::is_valid_token_text(*in.svwt))
          return input_error("SVWT is not 1-255 printable ASCII characters");
        printer.svwt = in.svwt;
      }
      printer.pages = in.printable_pages;
      break;
  }
  if (auto e = push(ndef::encode_printer_record(printer))) return *e;
  if (state != PrinterState::ready) {
    if (!ndef::is_valid_package_name(in.app_package)) {
      return input_error(std::string("app package required in state ") + state_name + " (got \"" +
                         in.app_package + "\", not a valid Android package name)");
    }
    if (auto e = push(ndef::encode_aar(ndef::AndroidApp{in.app_package}))) return *e;
  }
  return m;
}

Result<ndef::Bytes> encode_tap_message(const TapInputs& inputs) {
  auto m = compose_tap_message(inputs);
  if (!m) return m.error();
  return ndef::encode_message(*m);
}

namespace {

struct Parts {
  const Record* hs = nullptr;
  const Record* wsc = nullptr;
  const Record* uri = nullptr;
  const Record* printer = nullptr;
  const Record* aar = nullptr;
  std::size_t hs_index = 0;
};

std::string record_label(std::size_t index, const char* what) {
  return "record " + std::to_string(index + 1) + " (" + what + ")";
}

}  // namespace

Result<TapView> parse_tap_message(const Message& message) {
  Parts parts;
  for (std::size_t i = 0; i < message.records.size(); ++i) {
    const Record& r = message.records[i];
    const Record** slot = nullptr;
    const char* what = nullptr;
    if (r.is(Tnf::well_known, "Hs")) {
      slot = &parts.hs;
      what = "Handover Select";
      parts.hs_index = i;
    } else if (ndef::is_media_type(r, ndef::kWscMediaType)) {
      slot = &parts.wsc;
      what = "WSC credential";
    } else if (r.is(Tnf::well_known, "U")) {
      slot = &parts.uri;
      what = "URI";
    } else if (r.is(Tnf::external, ndef::kPrinterRecordType)) {
      slot = &parts.printer;
      what = "printer record";
    } else if (r.is(Tnf::external, ndef::kAarType)) {
      slot = &parts.aar;
      what = "Android application record";
    } else {
      return Error{ErrorCode::unexpected_part, r.payload_offset,
                   "record " + std::to_string(i + 1) + " (" + ndef::tnf_name(r.tnf) + " \"" +
                       r.type_string() + "\") does not belong to a tap message"};
    }
    if (*slot) {
      return Error{ErrorCode::duplicate_part, r.payload_offset,
                   record_label(i, what) + " appears a second time"};
    }
    *slot = &r;
  }
  if (!parts.printer) {
    return Error{ErrorCode::missing_part, 0, "no printer record (external \"tapbench.dev:printer\")"};
  }
  auto printer = ndef::decode_printer_record(*parts.printer);
  if (!printer) return printer.error();
  TapView view;
  view.state = printer->state;
  view.pwt = printer->pwt;
  view.svwt = printer->svwt;
  view.instruction = printer->instruction;
  view.printable_pages = printer->pages;
  const char* state_name = ndef::printer_state_name(view.state);
  const bool wfd_state = view.state == PrinterState::unregistered || view.state == PrinterState::ready;

  auto missing = [&](const std::string& what) {
    return Error{ErrorCode::missing_part, 0, std::string("state ") + state_name + " requires " + what};
  };
  auto unexpected = [&](const Record* r, const std::string& what) {
    return Error{ErrorCode::unexpected_part, r ? r->payload_offset : parts.printer->payload_offset,
                 what + " does not belong to state " + state_name};
  };

  if (wfd_state) {
    if (!parts.hs) return missing("a Handover Select (Hs) record");
    if (!parts.wsc) return missing("a WSC credential record (application/vnd.wfa.wsc)");
    if (parts.uri) return unexpected(parts.uri, "a URI record");
    if (parts.hs_index != 0) {
      return Error{ErrorCode::bad_order, parts.hs->payload_offset, "the Hs record must be the first record"};
    }
    auto hs = ndef::decode_handover_select(*parts.hs);
    if (!hs) return hs.error();
    view.hs_version = hs->version;
    bool wsc_referenced = false;
    for (const ndef::AlternativeCarrier& ac : hs->carriers) {
      const Record* target = message.find_by_id(ac.carrier_data_reference);
      if (!target) {
        return Error{ErrorCode::dangling_reference, parts.hs->payload_offset,
                     "ac carrier data reference \"" +
                         std::string(ac.carrier_data_reference.begin(), ac.carrier_data_reference.end()) +
                         "\" names no record ID"};
      }
      wsc_referenced = wsc_referenced || target == parts.wsc;
      for (const ndef::Bytes& aux : ac.auxiliary_data_references) {
        if (!message.find_by_id(aux)) {
          return Error{ErrorCode::dangling_reference, parts.hs->payload_offset,
                       "ac auxiliary data reference \"" + std::string(aux.begin(), aux.end()) +
                           "\" names no record ID"};
        }
      }
    }
    if (!wsc_referenced) {
      return Error{ErrorCode::dangling_reference, parts.hs->payload_offset,
                   "no ac record of the Hs references the WSC credential record"};
    }
    auto token = ndef::decode_wsc_config_token(*parts.wsc);
    if (!token) return token.error();
    WfdCredential wfd;
    wfd.ssid = token->credential.ssid;
    wfd.passphrase = token->credential.network_key;
    wfd.go_mac = token->credential.mac;
    wfd.channel = token->ap_channel.value_or(0);
    view.wfd = std::move(wfd);
    if (!view.pwt) return missing("a PWT in the printer record");
  } else {
    if (parts.hs) return unexpected(parts.hs, "a Handover Select (Hs) record");
    if (parts.wsc) return unexpected(parts.wsc, "a WSC credential record");
    if (!parts.uri)
      return missing(view.state == PrinterState::ink_low ? "the exchange URL (URI record)"
                                                         : "the charge URL (URI record)");
    auto uri = ndef::decode_uri(*parts.uri);
    if (!uri) return uri.error();
    view.url = uri->full();
    if (!view.svwt) return missing("an SVWT in the printer record");
    if (view.pwt) return unexpected(parts.printer, "a PWT");
  }

  const std::optional<Instruction> expected_instruction =
      view.state == PrinterState::unregistered    ? std::optional(Instruction::register_with_server)
      : view.state == PrinterState::ink_low       ? std::optional(Instruction::exchange)
      : view.state == PrinterState::charge_needed ? std::optional(Instruction::charge)
                                                  : std::nullopt;
  if (view.instruction != expected_instruction) {
    if (!view.instruction)
      return missing(std::string("the instruction ") + ndef::instruction_name(*expected_instruction));
    return unexpected(parts.printer, std::string("instruction ") + ndef::instruction_name(*view.instruction));
  }
  if (view.state == PrinterState::unregistered && view.svwt) return unexpected(parts.printer, "an SVWT");

  if (view.state == PrinterState::ready) {
    if (parts.aar) return unexpected(parts.aar, "an Android application record");
  } else {
    if (!parts.aar) return missing("an Android application record (android.com:pkg)");
    auto app = ndef::decode_aar(*parts.aar);
    if (!app) return app.error();
    view.app_package = app->package;
  }
  return view;
}

std::string describe(const TapView& v) {
  std::string out = std::string("tap message: state ") + ndef::printer_state_name(v.state) + "\n";
  auto line = [&](const std::string& s) { out += "  " + s + "\n"; };
  if (v.hs_version) {
    line("handover select " + std::to_string(*v.hs_version >> 4) + "." +
         std::to_string(*v.hs_version & 0x0F));
  }
  if (v.wfd) {
    line("WFD: SSID \"" + v.wfd->ssid + "\", passphrase \"" + v.wfd->passphrase + "\", GO " +
         ndef::format_mac(v.wfd->go_mac) +
         (v.wfd->channel ? ", channel " + std::to_string(v.wfd->channel) : std::string()));
  }
  if (v.pwt) line("PWT: " + *v.pwt);
  if (v.instruction) line(std::string("instruction: ") + ndef::instruction_name(*v.instruction));
  if (v.url) line("URL: " + *v.url);
  if (v.svwt) line("SVWT: " + *v.svwt);
  if (v.app_package) line("app: " + *v.app_package);
  if (v.printable_pages) line("printable pages: " + std::to_string(*v.printable_pages));
  return out;
}

Result<TapView> parse_tap_message(ndef::ByteView bytes) {
  auto m = ndef::decode_message(bytes);
  if (!m) return m.error();
  return parse_tap_message(*m);
}

}  // namespace tapbench::handover
