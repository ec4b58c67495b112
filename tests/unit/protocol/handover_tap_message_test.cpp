// The patent's tap message: S19 state judgement, S21 / S116 composition, and the phone-side parse with its
// errors for missing, duplicate and unexpected parts.
#include <doctest/doctest.h>

#include <string>

#include "protocol/handover/tap_message.hpp"
#include "protocol/ndef/aar.hpp"
#include "protocol/ndef/handover_select.hpp"
#include "protocol/ndef/uri.hpp"

using namespace tapbench;
using namespace tapbench::handover;
using ndef::ErrorCode;
using ndef::Tnf;

namespace {

TapInputs base_inputs() {
  TapInputs in;
  in.wfd.ssid = "DIRECT-tb-printer";
  in.wfd.passphrase = "wfd-pass-1234";
  in.wfd.go_mac = ndef::MacAddress{0x02, 0x00, 0x00, 0x00, 0x01, 0x00};
  in.wfd.channel = 6;
  in.pwt = "BCDFGHJK";
  in.app_package = "dev.tapbench.manager";
  in.charge_url = "https://vendor.example/charge";
  in.exchange_url = "https://vendor.example/exchange";
  in.printable_pages = 50;
  in.page_threshold = 10;
  return in;
}

TapInputs in_state(PrinterState s) {
  TapInputs in = base_inputs();
  in.registered = s != PrinterState::unregistered;
  in.ink_low = s == PrinterState::ink_low;
  if (s == PrinterState::charge_needed) in.printable_pages = 10;
  if (s != PrinterState::unregistered) in.svwt = "svwt-0123456789abcdef0123456789abcdef";
  return in;
}

std::vector<std::string> types_of(const ndef::Message& m) {
  std::vector<std::string> out;
  for (const ndef::Record& r : m.records)
    out.push_back(r.type_string());
  return out;
}

ndef::Message composed(PrinterState s) {
  auto m = compose_tap_message(in_state(s));
  REQUIRE(m.ok());
  return *m;
}

void check_parse_error(const ndef::Message& m, ErrorCode code, std::string_view part) {
  auto v = parse_tap_message(m);
  REQUIRE_FALSE(v.ok());
  CAPTURE(v.error().reason);
  CHECK(std::string(ndef::error_code_name(v.error().code)) == ndef::error_code_name(code));
  CHECK(v.error().reason.find(part) != std::string::npos);
}

void check_compose_error(const TapInputs& in, std::string_view part) {
  auto m = compose_tap_message(in);
  REQUIRE_FALSE(m.ok());
  CAPTURE(m.error().reason);
  CHECK(m.error().code == ErrorCode::invalid_input);
  CHECK(m.error().reason.find(part) != std::string::npos);
}

}  // namespace

TEST_CASE("S19: state judgement") {
  TapInputs in = base_inputs();
  in.registered = false;
  in.ink_low = true;
  in.printable_pages = 0;
  CHECK(judge_state(in) == PrinterState::unregistered);  // registration first, whatever else holds
  in.registered = true;
  CHECK(judge_state(in) == PrinterState::ink_low);  // ink before pages
  in.ink_low = false;
  CHECK(judge_state(in) == PrinterState::charge_needed);
  in.printable_pages = 10;
  in.page_threshold = 10;
  CHECK(judge_state(in) == PrinterState::charge_needed);  // "equal to or less than"
  in.printable_pages = 11;
  CHECK(judge_state(in) == PrinterState::ready);
}

TEST_CASE("S21 unregistered: Hs + WFD credential + PWT + register instruction + app launch") {
  const ndef::Message m = composed(PrinterState::unregistered);
  CHECK(types_of(m) ==
        std::vector<std::string>{"Hs", "application/vnd.wfa.wsc", "tapbench.dev:printer", "android.com:pkg"});
  CHECK(m.records[1].id_string() == "0");
  auto hs = ndef::decode_handover_select(m.records[0]);
  REQUIRE(hs.ok());
  CHECK(hs->version == 0x13);
  REQUIRE(hs->carriers.size() == 1);
  CHECK(hs->carriers[0].power_state == ndef::CarrierPowerState::active);
  CHECK(hs->carriers[0].carrier_data_reference == ndef::Bytes{'0'});
  // The credential Android reads: Credential attribute first, WPA2-Personal/AES, the GO's MAC and channel.
  auto token = ndef::decode_wsc_config_token(m.records[1]);
  REQUIRE(token.ok());
  CHECK(token->credential.ssid == "DIRECT-tb-printer");
  CHECK(token->credential.network_key == "wfd-pass-1234");
  CHECK(token->credential.auth_type == ndef::wsc_auth::wpa2_personal);
  CHECK(token->credential.encr_type == ndef::wsc_encr::aes);
  CHECK(ndef::format_mac(token->credential.mac) == "02:00:00:00:01:00");
  CHECK(token->ap_channel == 6);
  CHECK(token->rf_bands == 0x01);

  auto view = parse_tap_message(m);
  REQUIRE(view.ok());
  CHECK(view->state == PrinterState::unregistered);
  CHECK(view->hs_version == 0x13);
  REQUIRE(view->wfd);
  CHECK(*view->wfd == in_state(PrinterState::unregistered).wfd);
  CHECK(view->pwt == "BCDFGHJK");
  CHECK(view->instruction == Instruction::register_with_server);
  CHECK_FALSE(view->svwt.has_value());
  CHECK_FALSE(view->url.has_value());
  CHECK(view->app_package == "dev.tapbench.manager");
}

TEST_CASE("S116 ink low: exchange URL + app + SVWT") {
  const ndef::Message m = composed(PrinterState::ink_low);
  CHECK(types_of(m) == std::vector<std::string>{"U", "tapbench.dev:printer", "android.com:pkg"});
  auto view = parse_tap_message(m);
  REQUIRE(view.ok());
  CHECK(view->state == PrinterState::ink_low);
  CHECK(view->url == "https://vendor.example/exchange");
  CHECK(view->instruction == Instruction::exchange);
  CHECK(view->svwt == "svwt-0123456789abcdef0123456789abcdef");
  CHECK(view->app_package == "dev.tapbench.manager");
  CHECK(view->printable_pages == 50u);
  CHECK_FALSE(view->pwt.has_value());
  CHECK_FALSE(view->wfd.has_value());
  CHECK_FALSE(view->hs_version.has_value());
}

TEST_CASE("S116 pages at or below threshold: charge URL + app + SVWT") {
  const ndef::Message m = composed(PrinterState::charge_needed);
  CHECK(types_of(m) == std::vector<std::string>{"U", "tapbench.dev:printer", "android.com:pkg"});
  auto view = parse_tap_message(m);
  REQUIRE(view.ok());
  CHECK(view->state == PrinterState::charge_needed);
  CHECK(view->url == "https://vendor.example/charge");
  CHECK(view->instruction == Instruction::charge);
  CHECK(view->svwt == "svwt-0123456789abcdef0123456789abcdef");
  CHECK(view->printable_pages == 10u);
}

TEST_CASE("ready: WFD credential + PWT, SVWT when the printer has one, no app launch") {
  const ndef::Message m = composed(PrinterState::ready);
  CHECK(types_of(m) == std::vector<std::string>{"Hs", "application/vnd.wfa.wsc", "tapbench.dev:printer"});
  auto view = parse_tap_message(m);
  REQUIRE(view.ok());
  CHECK(view->state == PrinterState::ready);
  CHECK(view->pwt == "BCDFGHJK");
  CHECK(view->svwt == "svwt-0123456789abcdef0123456789abcdef");
  CHECK_FALSE(view->instruction.has_value());
  CHECK_FALSE(view->app_package.has_value());

  TapInputs no_svwt = in_state(PrinterState::ready);
  no_svwt.svwt.reset();
  auto m2 = compose_tap_message(no_svwt);
  REQUIRE(m2.ok());
  auto v2 = parse_tap_message(*m2);
  REQUIRE(v2.ok());
  CHECK_FALSE(v2->svwt.has_value());
}

TEST_CASE("every state's message round-trips through bytes; Hs 1.2 works too; no channel → no RF fields") {
  for (PrinterState s : {PrinterState::unregistered, PrinterState::ink_low, PrinterState::charge_needed,
                         PrinterState::ready}) {
    CAPTURE(ndef::printer_state_name(s));
    auto bytes = encode_tap_message(in_state(s));
    REQUIRE(bytes.ok());
    auto decoded = ndef::decode_message(*bytes);
    REQUIRE(decoded.ok());
    CHECK(*decoded == *compose_tap_message(in_state(s)));
    CHECK(*ndef::encode_message(*decoded) == *bytes);
    auto view = parse_tap_message(ndef::ByteView(*bytes));
    REQUIRE(view.ok());
    CHECK(view->state == s);
  }
  TapInputs v12 = in_state(PrinterState::unregistered);
  v12.hs_version = ndef::kHandoverVersion12;
  v12.wfd.channel = 0;
  auto view = parse_tap_message(ndef::ByteView(*encode_tap_message(v12)));
  REQUIRE(view.ok());
  CHECK(view->hs_version == 0x12);
  CHECK(view->wfd->channel == 0);
  auto m = compose_tap_message(v12);
  CHECK_FALSE(ndef::decode_wsc_config_token(m->records[1])->ap_channel.has_value());
}

TEST_CASE("compose rejects inputs the state needs but lacks") {
  TapInputs in = in_state(PrinterState::unregistered);
  in.wfd.ssid = "";
  check_compose_error(in, "WFD SSID of 0 bytes (1-32 allowed)");
  in.wfd.ssid = std::string(33, 's');
  check_compose_error(in, "WFD SSID of 33 bytes");
  in = in_state(PrinterState::unregistered);
  in.wfd.passphrase = "short";
  check_compose_error(
      in, "WFD passphrase must be 8-63 printable ASCII characters or 64 hex digits (got 5 bytes)");
  in.wfd.passphrase = std::string(64, 'z');
  check_compose_error(in, "(got 64 bytes)");
  in.wfd.passphrase = std::string(64, 'a');  // a hex PSK is fine
  CHECK(compose_tap_message(in).ok());
  in.wfd.channel = 15;
  check_compose_error(in, "WFD channel 15");
  in = in_state(PrinterState::unregistered);
  in.pwt = "";
  check_compose_error(in, "PWT required in state unregistered");
  in = in_state(PrinterState::unregistered);
  in.app_package = "";
  check_compose_error(in, "app package required in state unregistered");
  in = in_state(PrinterState::ink_low);
  in.svwt.reset();
  check_compose_error(in, "SVWT required in state ink-low");
  in = in_state(PrinterState::charge_needed);
  in.charge_url = "";
  check_compose_error(in, "charge URL required in state charge-needed");
  in = in_state(PrinterState::ink_low);
  in.exchange_url = "";
  check_compose_error(in, "exchange URL required in state ink-low");
  in = in_state(PrinterState::ready);
  in.svwt = "with space";
  check_compose_error(in, "SVWT is not 1-255 printable ASCII");
  in = in_state(PrinterState::ready);
  in.hs_version = 0x11;
  check_compose_error(in, "Hs version must be 0x12 or 0x13");
  // An SVWT left in the inputs of an unregistered printer is not sent.
  in = in_state(PrinterState::unregistered);
  in.svwt = "stale";
  CHECK_FALSE(parse_tap_message(*compose_tap_message(in))->svwt.has_value());
}

TEST_CASE("parse: missing, duplicate and unexpected parts are named") {
  ndef::Message m = composed(PrinterState::unregistered);
  ndef::Message no_printer = m;
  no_printer.records.erase(no_printer.records.begin() + 2);
  check_parse_error(no_printer, ErrorCode::missing_part, "no printer record");

  ndef::Message two_aar = m;
  two_aar.records.push_back(two_aar.records.back());
  two_aar.records.back().payload_offset = 321;
  auto e = parse_tap_message(two_aar);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().code == ErrorCode::duplicate_part);
  CHECK(e.error().offset == 321);
  CHECK(e.error().reason == "record 5 (Android application record) appears a second time");

  ndef::Message stranger = m;
  stranger.records.push_back(ndef::make_record(Tnf::well_known, "T", {0x02, 'e', 'n', 'x'}));
  check_parse_error(stranger, ErrorCode::unexpected_part,
                    "record 5 (well-known \"T\") does not belong to a tap message");

  ndef::Message no_aar = m;
  no_aar.records.pop_back();
  check_parse_error(no_aar, ErrorCode::missing_part,
                    "state unregistered requires an Android application record (android.com:pkg)");

  ndef::Message no_wsc = m;
  no_wsc.records.erase(no_wsc.records.begin() + 1);
  check_parse_error(no_wsc, ErrorCode::missing_part, "state unregistered requires a WSC credential record");

  ndef::Message no_hs = m;
  no_hs.records.erase(no_hs.records.begin());
  check_parse_error(no_hs, ErrorCode::missing_part, "requires a Handover Select (Hs) record");

  ndef::Message hs_late = m;
  std::swap(hs_late.records[0], hs_late.records[1]);
  check_parse_error(hs_late, ErrorCode::bad_order, "the Hs record must be the first record");

  ndef::Message dangling = m;
  dangling.records[1].id = {'9'};
  check_parse_error(dangling, ErrorCode::dangling_reference,
                    "ac carrier data reference \"0\" names no record ID");

  ndef::Message aux_dangling = m;
  ndef::HandoverSelect hs = *ndef::decode_handover_select(m.records[0]);
  hs.carriers[0].auxiliary_data_references.push_back({'x'});
  aux_dangling.records[0] = *ndef::encode_handover_select(hs);
  check_parse_error(aux_dangling, ErrorCode::dangling_reference,
                    "ac auxiliary data reference \"x\" names no record ID");

  ndef::Message not_referenced = m;
  hs = *ndef::decode_handover_select(m.records[0]);
  hs.carriers[0].carrier_data_reference = {'p'};
  not_referenced.records[0] = *ndef::encode_handover_select(hs);
  not_referenced.records[2].id = {'p'};
  check_parse_error(not_referenced, ErrorCode::dangling_reference,
                    "no ac record of the Hs references the WSC credential record");

  ndef::Message with_url = m;
  with_url.records.push_back(*ndef::encode_uri(ndef::make_uri("https://x.example/")));
  check_parse_error(with_url, ErrorCode::unexpected_part,
                    "a URI record does not belong to state unregistered");
}

TEST_CASE("parse: the printer record must carry what its state calls for") {
  auto with_printer = [](ndef::Message m, const ndef::PrinterRecord& p) {
    for (ndef::Record& r : m.records) {
      if (r.type_string() == ndef::kPrinterRecordType) r = *ndef::encode_printer_record(p);
    }
    return m;
  };
  const ndef::Message unreg = composed(PrinterState::unregistered);
  const ndef::PrinterRecord p_unreg = *ndef::decode_printer_record(unreg.records[2]);

  ndef::PrinterRecord p = p_unreg;
  p.pwt.reset();
  check_parse_error(with_printer(unreg, p), ErrorCode::missing_part, "requires a PWT in the printer record");
  p = p_unreg;
  p.instruction.reset();
  check_parse_error(with_printer(unreg, p), ErrorCode::missing_part, "requires the instruction register");
  p = p_unreg;
  p.instruction = Instruction::charge;
  check_parse_error(with_printer(unreg, p), ErrorCode::unexpected_part,
                    "instruction charge does not belong to state unregistered");
  p = p_unreg;
  p.svwt = "sv";
  check_parse_error(with_printer(unreg, p), ErrorCode::unexpected_part,
                    "an SVWT does not belong to state unregistered");
  p = p_unreg;
  p.state = PrinterState::ready;  // a ready printer's message would have no AAR and no instruction
  check_parse_error(with_printer(unreg, p), ErrorCode::unexpected_part,
                    "instruction register does not belong to state ready");
  p.instruction.reset();
  check_parse_error(with_printer(unreg, p), ErrorCode::unexpected_part,
                    "an Android application record does not belong to state ready");

  const ndef::Message ink = composed(PrinterState::ink_low);
  const ndef::PrinterRecord p_ink = *ndef::decode_printer_record(ink.records[1]);
  p = p_ink;
  p.svwt.reset();
  check_parse_error(with_printer(ink, p), ErrorCode::missing_part,
                    "state ink-low requires an SVWT in the printer record");
  p = p_ink;
  p.pwt = "BCDFGHJK";
  check_parse_error(with_printer(ink, p), ErrorCode::unexpected_part,
                    "a PWT does not belong to state ink-low");
  ndef::Message ink_no_url = ink;
  ink_no_url.records.erase(ink_no_url.records.begin());
  check_parse_error(ink_no_url, ErrorCode::missing_part,
                    "state ink-low requires the exchange URL (URI record)");
  p = p_ink;
  p.state = PrinterState::charge_needed;
  check_parse_error(with_printer(ink, p), ErrorCode::unexpected_part,
                    "instruction exchange does not belong to state charge-needed");
  ndef::Message ink_with_hs = ink;
  ink_with_hs.records.insert(ink_with_hs.records.begin(), unreg.records[0]);
  check_parse_error(ink_with_hs, ErrorCode::unexpected_part,
                    "a Handover Select (Hs) record does not belong to state ink-low");
}

TEST_CASE("parse from bytes: framing errors come back with their offset") {
  auto bytes = *encode_tap_message(in_state(PrinterState::charge_needed));
  bytes.pop_back();
  auto v = parse_tap_message(ndef::ByteView(bytes));
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().code == ErrorCode::length_past_end);
  CHECK(v.error().to_string().starts_with("offset "));
  // A typed decoder's error inside a tap message points into the whole message.
  auto good = *encode_tap_message(in_state(PrinterState::charge_needed));
  ndef::Message m = *ndef::decode_message(good);
  const std::size_t printer_payload = m.records[1].payload_offset;
  good[printer_payload] = 0x07;  // printer record version byte
  auto bad_version = parse_tap_message(ndef::ByteView(good));
  REQUIRE_FALSE(bad_version.ok());
  CHECK(bad_version.error().code == ErrorCode::unsupported_version);
  CHECK(bad_version.error().offset == printer_payload);
}

TEST_CASE("describe(TapView): what the phone got, one line per part") {
  auto view = parse_tap_message(composed(PrinterState::unregistered));
  REQUIRE(view.ok());
  CHECK(describe(*view) ==
        "tap message: state unregistered\n"
        "  handover select 1.3\n"
        "  WFD: SSID \"DIRECT-tb-printer\", passphrase \"wfd-pass-1234\", GO 02:00:00:00:01:00, channel 6\n"
        "  PWT: BCDFGHJK\n"
        "  instruction: register\n"
        "  app: dev.tapbench.manager\n");
  auto charge = parse_tap_message(composed(PrinterState::charge_needed));
  REQUIRE(charge.ok());
  CHECK(describe(*charge) ==
        "tap message: state charge-needed\n"
        "  instruction: charge\n"
        "  URL: https://vendor.example/charge\n"
        "  SVWT: svwt-0123456789abcdef0123456789abcdef\n"
        "  app: dev.tapbench.manager\n"
        "  printable pages: 10\n");
}
