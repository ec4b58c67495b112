// Typed records: URI, AAR, WSC (with tokens written by Debian's hostapd 2.10), Wi-Fi P2P, Handover Select,
// the tapbench printer record, and describe().
#include <doctest/doctest.h>

#include <string>

#include "protocol/ndef/aar.hpp"
#include "protocol/ndef/describe.hpp"
#include "protocol/ndef/handover_select.hpp"
#include "protocol/ndef/p2p.hpp"
#include "protocol/ndef/printer_record.hpp"
#include "protocol/ndef/record.hpp"
#include "protocol/ndef/uri.hpp"
#include "protocol/ndef/wsc.hpp"

using namespace tapbench::ndef;

namespace {

Bytes hex(std::string_view text) {
  auto b = from_hex(text);
  REQUIRE(b.ok());
  return *b;
}

Record only_record(std::string_view text) {
  auto m = decode_message(hex(text));
  REQUIRE(m.ok());
  REQUIRE(m->records.size() == 1);
  return m->records[0];
}

template <class T>
void check_error(const Result<T>& r, ErrorCode code, std::size_t offset, std::string_view part) {
  REQUIRE_FALSE(r.ok());
  CAPTURE(r.error().reason);
  CHECK(std::string(error_code_name(r.error().code)) == error_code_name(code));
  CHECK(r.error().offset == offset);
  CHECK(r.error().reason.find(part) != std::string::npos);
}

std::string encoded_hex(const Record& r) {
  auto b = encode_message(Message{{r}});
  REQUIRE(b.ok());
  return to_hex(*b);
}

// Written by Debian's hostapd 2.10 (`wps_nfc_config_token NDEF`, `nfc_get_handover_sel NDEF WPS-CR`,
// `wps_nfc_token NDEF`) with ssid=tapbench-router, wpa_passphrase="correct horse battery"; the same bytes
// are the fuzz seeds in tests/fuzz/corpus/fuzz_ndef_decode/.
constexpr std::string_view kHostapdConfigToken =
    "d2176a6170706c69636174696f6e2f766e642e7766612e777363100e004710260001011045000f74617062656e63682d726f7574"
    "6572100300020020100f0002000810270015636f727265637420686f7273652062617474657279102000060000000000001"
    "03c000101100100020006102000060000000000001049000600372a000120";
constexpr std::string_view kHostapdHandoverSelWpsCr =
    "d217436170706c69636174696f6e2f766e642e7766612e7773630041102c00161d413324033032ab673ae15e3f5645ef28df"
    "b2bf00071045000f74617062656e63682d726f75746572102000060000000000001049000600372a000120";
constexpr std::string_view kHostapdPasswordToken =
    "d217446170706c69636174696f6e2f766e642e7766612e777363102c00368a6aa38889f154fec1c67b697a0d0ee36d2b4e54"
    "7ca64d7499215ac4fda777ed504d77abc5c4f59510bf9149dc02981be7e3bd5dadf61049000600372a000120";

}  // namespace

TEST_CASE("URI: the full NFC Forum prefix table 0x00-0x23 round-trips") {
  CHECK(std::string(uri_prefix(0x00)) == "");
  CHECK(std::string(uri_prefix(0x01)) == "http://www.");
  CHECK(std::string(uri_prefix(0x04)) == "https://");
  CHECK(std::string(uri_prefix(0x07)) == "ftp://anonymous:anonymous@");
  CHECK(std::string(uri_prefix(0x1D)) == "file://");
  CHECK(std::string(uri_prefix(0x23)) == "urn:nfc:");
  CHECK(uri_prefix(0x24) == nullptr);
  for (unsigned code = 0; code < kUriPrefixCount; ++code) {
    CAPTURE(code);
    const UriRecord u{static_cast<std::uint8_t>(code), "x/y"};
    auto record = encode_uri(u);
    REQUIRE(record.ok());
    CHECK(record->payload[0] == code);
    auto back = decode_uri(*record);
    REQUIRE(back.ok());
    CHECK(*back == u);
    CHECK(back->full() == std::string(uri_prefix(static_cast<std::uint8_t>(code))) + "x/y");
    // The longest-prefix split of the full text decodes to the same full text.
    CHECK(make_uri(back->full()).full() == back->full());
  }
}

TEST_CASE("URI: longest prefix wins; bytes are exact") {
  CHECK(make_uri("https://www.example.com").prefix_code == 0x02);
  CHECK(make_uri("https://vendor.example/charge").prefix_code == 0x04);
  CHECK(make_uri("urn:epc:id:sgtin:1").prefix_code == 0x1E);
  CHECK(make_uri("urn:epc:x").prefix_code == 0x22);
  CHECK(make_uri("urn:x").prefix_code == 0x13);
  CHECK(make_uri("foo:bar") == UriRecord{0x00, "foo:bar"});
  CHECK(encoded_hex(*encode_uri(make_uri("https://a.example/c"))) == "d1010c5504612e6578616d706c652f63");
}

TEST_CASE("URI: rejects reserved codes, empty payload, bad UTF-8, other types") {
  check_error(decode_uri(only_record("d1 01 02 55 24 61")), ErrorCode::bad_value, 4,
              "URI identifier code 0x24 is reserved (valid: 0x00-0x23)");
  check_error(decode_uri(only_record("d1 01 00 55")), ErrorCode::empty_input, 4, "identifier code missing");
  check_error(decode_uri(only_record("d1 01 04 55 04 61 c3 28")), ErrorCode::bad_value, 6, "not valid UTF-8");
  check_error(decode_uri(only_record("d1 01 01 54 00")), ErrorCode::wrong_record_type, 4, "not a URI record");
  check_error(encode_uri(UriRecord{0x30, "x"}), ErrorCode::bad_value, 0, "0x30 is reserved");
  CHECK(decode_uri(only_record("d1 01 03 55 00 c3 a9")).ok());  // "é" is valid UTF-8
}

TEST_CASE("AAR: android.com:pkg with a valid package name") {
  auto r = encode_aar(AndroidApp{"dev.tapbench.manager"});
  REQUIRE(r.ok());
  CHECK(encoded_hex(*r) ==
        "d40f14616e64726f69642e636f6d3a706b67"
        "6465762e74617062656e63682e6d616e61676572");
  CHECK(decode_aar(*r)->package == "dev.tapbench.manager");
  for (const char* bad : {"", "nodot", "1abc.x", "a..b", "a.b-c", "a.", ".a", "a.1b"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_package_name(bad));
    CHECK_FALSE(encode_aar(AndroidApp{bad}).ok());
  }
  CHECK(is_valid_package_name("com.example.app_2"));
  check_error(decode_aar(only_record("d4 0f 03 616e64726f69642e636f6d3a706b67 612d62")), ErrorCode::bad_value,
              18, "\"a-b\" is not a valid Android package name");
}

TEST_CASE("WSC: hostapd's configuration token decodes field by field and re-encodes byte for byte") {
  const Record r = only_record(kHostapdConfigToken);
  auto t = decode_wsc_config_token(r);
  REQUIRE(t.ok());
  CHECK(t->credential.network_index == 1);
  CHECK(t->credential.ssid == "tapbench-router");
  CHECK(t->credential.auth_type == wsc_auth::wpa2_personal);
  CHECK(t->credential.encr_type == wsc_encr::aes);
  CHECK(t->credential.network_key == "correct horse battery");
  CHECK(format_mac(t->credential.mac) == "00:00:00:00:00:00");
  CHECK(t->credential.extra.empty());
  CHECK(t->rf_bands == 0x01);
  CHECK(t->ap_channel == 6);
  CHECK(t->mac.has_value());
  CHECK(t->extra.empty());
  CHECK(t->version2 == 0x20);
  auto again = encode_wsc_config_token(*t);
  REQUIRE(again.ok());
  CHECK(encoded_hex(*again) == kHostapdConfigToken);
  // Generic view: exact too.
  auto generic = decode_wsc(r);
  REQUIRE(generic.ok());
  CHECK(generic->form == WscForm::bare);
  CHECK(generic->attributes.size() == 5);
  CHECK(encoded_hex(*encode_wsc(*generic)) == kHostapdConfigToken);
}

TEST_CASE("WSC: hostapd's handover select carrier (length-prefixed) and password token") {
  const Record cr = only_record(kHostapdHandoverSelWpsCr);
  auto p = decode_wsc(cr);
  REQUIRE(p.ok());
  CHECK(p->form == WscForm::length_prefixed);
  REQUIRE(p->attributes.size() == 4);
  CHECK(p->attributes[0].type == wsc_attr::oob_device_password);
  CHECK(p->attributes[0].value.size() == 22);
  CHECK(std::string(p->find(wsc_attr::ssid)->value.begin(), p->find(wsc_attr::ssid)->value.end()) ==
        "tapbench-router");
  CHECK(encoded_hex(*encode_wsc(*p)) == kHostapdHandoverSelWpsCr);
  // Not a configuration token: said so, at the payload.
  check_error(decode_wsc_config_token(cr), ErrorCode::bad_order, cr.payload_offset,
              "starts with a length prefix");

  const Record pw = only_record(kHostapdPasswordToken);
  CHECK(encoded_hex(*encode_wsc(*decode_wsc(pw))) == kHostapdPasswordToken);
  check_error(decode_wsc_config_token(pw), ErrorCode::bad_order, pw.payload_offset,
              "first WSC attribute is 0x102C (OOB Device Password); the Credential (0x100E) must come first");
}

TEST_CASE("WSC: credential rules (Credential first, PSK at most 64 bytes, required fields, duplicates)") {
  WscConfigToken t;
  t.credential.ssid = "DIRECT-tb-printer";
  t.credential.network_key = "passphrase";
  t.credential.mac = *parse_mac("02:00:00:00:01:00");
  auto ok = encode_wsc_config_token(t);
  REQUIRE(ok.ok());
  CHECK(ok->payload[0] == 0x10);
  CHECK(ok->payload[1] == 0x0E);  // Credential first
  CHECK(*decode_wsc_config_token(*ok) == t);

  WscConfigToken long_key = t;
  long_key.credential.network_key = std::string(65, 'a');
  check_error(encode_wsc_config_token(long_key), ErrorCode::bad_value, 0,
              "network key of 65 bytes (PSK at most 64)");
  long_key.credential.network_key = std::string(64, 'g');
  check_error(encode_wsc_config_token(long_key), ErrorCode::bad_value, 0,
              "64-byte network key is not a hex PSK");
  long_key.credential.network_key = std::string(64, 'a');
  CHECK(encode_wsc_config_token(long_key).ok());
  WscConfigToken short_key = t;
  short_key.credential.network_key = "1234567";
  check_error(encode_wsc_config_token(short_key), ErrorCode::bad_value, 0, "WPA passphrase of 7 bytes");
  WscConfigToken no_ssid = t;
  no_ssid.credential.ssid.clear();
  check_error(encode_wsc_config_token(no_ssid), ErrorCode::bad_value, 0, "SSID of 0 bytes");

  // Decoder side, hand-built payloads (record header d2 17 LL + type = 26 bytes, payload at offset 26).
  const std::string head = "6170706c69636174696f6e2f766e642e7766612e777363";
  auto record = [&](const std::string& payload_hex) {
    const Bytes payload = hex(payload_hex);
    return only_record("d217" + to_hex(Bytes{static_cast<std::uint8_t>(payload.size())}) + head +
                       payload_hex);
  };
  auto attr = [](std::uint16_t type, const std::string& value_hex) {
    const Bytes v = hex(value_hex);
    return to_hex(Bytes{static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type),
                        static_cast<std::uint8_t>(v.size() >> 8), static_cast<std::uint8_t>(v.size())}) +
           value_hex;
  };
  const std::string ssid = attr(0x1045, "61"), auth = attr(0x1003, "0020"), encr = attr(0x100f, "0008"),
                    key = attr(0x1027, "6162636465666768"), mac = attr(0x1020, "000000000000");
  // Version attribute before the Credential.
  check_error(
      decode_wsc_config_token(record(attr(0x104a, "10") + attr(0x100e, ssid + auth + encr + key + mac))),
      ErrorCode::bad_order, 26, "first WSC attribute is 0x104A (Version)");
  // 65-byte key inside the credential (credential at 26, its value at 30, the key attribute after
  // SSID/auth/encr).
  check_error(decode_wsc_config_token(
                  record(attr(0x100e, ssid + auth + encr + attr(0x1027, std::string(130, '6')) + mac))),
              ErrorCode::bad_value, 30 + 5 + 6 + 6,
              "0x1027 (Network Key) has 65 byte(s), expected at most 64 (PSK at most 64 bytes)");
  check_error(decode_wsc_config_token(record(attr(0x100e, ssid + auth + encr + key + attr(0x1020, "")))),
              ErrorCode::bad_value, 30 + 5 + 6 + 6 + 12, "0x1020 (MAC Address) has 0 byte(s), expected 6");
  check_error(decode_wsc_config_token(record(attr(0x100e, auth + encr + key + mac))),
              ErrorCode::missing_field, 26, "Credential lacks 0x1045 (SSID)");
  check_error(decode_wsc_config_token(record(attr(0x100e, ssid + auth + encr + mac))),
              ErrorCode::missing_field, 26, "Credential lacks 0x1027 (Network Key)");
  check_error(decode_wsc_config_token(record(attr(0x100e, ssid + ssid + auth + encr + key + mac))),
              ErrorCode::duplicate_field, 35, "0x1045 (SSID) repeated");
  const std::string cred = attr(0x100e, ssid + auth + encr + key + mac);
  check_error(decode_wsc_config_token(record(cred + cred)), ErrorCode::duplicate_field, 26 + 4 + 39,
              "0x100E (Credential) repeated");
  check_error(decode_wsc_config_token(record(cred + attr(0x1001, "06"))), ErrorCode::bad_value, 26 + 43,
              "0x1001 (AP Channel) has 1 byte(s), expected 2");
  // Truncated attribute header and lengths past the end.
  check_error(decode_wsc_config_token(record("100e0001"
                                             "10")),
              ErrorCode::truncated_field, 30, "WSC attribute header truncated: 4 bytes needed, 1 left");
  check_error(decode_wsc_config_token(record("100e0009"
                                             "1045000561")),
              ErrorCode::length_past_end, 28, "0x100E (Credential) length 9 runs past end (5 byte(s) left)");
  check_error(decode_wsc_config_token(record("100e0005"
                                             "1045000561")),
              ErrorCode::length_past_end, 32, "0x1045 (SSID) length 5 runs past end (1 byte(s) left)");
  // Names.
  CHECK(wsc_auth_type_names(0x0022) == "WPA-Personal|WPA2-Personal");
  CHECK(wsc_encr_type_names(0x000C) == "TKIP|AES");
  CHECK(wsc_auth_type_names(0x0040) == "0x0040");
  CHECK(parse_mac("02-00-00-00-01-0A") == MacAddress{2, 0, 0, 0, 1, 10});
  CHECK_FALSE(parse_mac("02:00:00:00:01").has_value());
}

TEST_CASE("P2P: outer lengths big-endian, P2P attribute lengths little-endian, exact round trip") {
  // WSC part: Version2-less minimal attribute; P2P part: capability (len 02 00 LE), device info, OOB channel.
  P2pPayload p;
  p.wsc.push_back(WscAttribute{wsc_attr::rf_bands, {0x01}});
  p.p2p.push_back(P2pAttribute{p2p_attr::capability, {0x25, 0x00}});
  Bytes info = {0x02, 0x00, 0x00, 0x00, 0x01, 0x00,              // device address
                0x01, 0x88,                                      // config methods
                0x00, 0x03, 0x00, 0x50, 0xF2, 0x04, 0x00, 0x01,  // primary device type (printer)
                0x00,                                            // no secondary types
                0x10, 0x11, 0x00, 0x07, 'p',  'r',  'i',  'n',  't', 'e', 'r'};
  p.p2p.push_back(P2pAttribute{p2p_attr::device_info, info});
  p.p2p.push_back(P2pAttribute{p2p_attr::oob_go_negotiation_channel, {'X', 'X', 0x04, 81, 6, 1}});
  auto r = encode_p2p(p);
  REQUIRE(r.ok());
  const std::string h = to_hex(r->payload);
  CHECK(
      h.starts_with("0005"
                    "103c000101"
                    "002d"
                    "02"
                    "0200"
                    "2500"
                    "0d"
                    "1c00"));
  auto back = decode_p2p(*r);
  REQUIRE(back.ok());
  CHECK(*back == p);
  auto typed = decode_p2p_info(*r);
  REQUIRE(typed.ok());
  CHECK(typed->capability == std::array<std::uint8_t, 2>{0x25, 0x00});
  REQUIRE(typed->device_info);
  CHECK(format_mac(typed->device_info->device_address) == "02:00:00:00:01:00");
  CHECK(typed->device_info->config_methods == 0x0188);
  CHECK(typed->device_info->device_name == "printer");
  REQUIRE(typed->oob_go_channel);
  CHECK(typed->oob_go_channel->channel == 6);
  CHECK(typed->oob_go_channel->operating_class == 81);
  CHECK_FALSE(typed->group_id.has_value());

  const std::string head = "d2 17 ";
  const std::string type = " 6170706c69636174696f6e2f766e642e7766612e703270 ";
  auto record = [&](const std::string& payload_hex) {
    const Bytes payload = hex(payload_hex);
    return only_record(head + to_hex(Bytes{static_cast<std::uint8_t>(payload.size())}) + type + payload_hex);
  };
  // A big-endian attribute length (00 02) is read little-endian as 512: past the end.
  check_error(decode_p2p(record("0000 0005 02 0002 2500")), ErrorCode::length_past_end, 31,
              "P2P attribute 2 (P2P Capability) length 512 (little-endian) runs past end");
  check_error(decode_p2p(record("0009 1045")), ErrorCode::length_past_end, 26, "WSC length 9 runs past end");
  check_error(decode_p2p(record("0000")), ErrorCode::truncated_field, 28, "lacks the 2-byte P2P length");
  check_error(decode_p2p(record("0000 0002 0201")), ErrorCode::truncated_field, 30,
              "P2P attribute header truncated");
  check_error(decode_p2p(record("0000 0000 ff")), ErrorCode::trailing_data, 30,
              "1 byte(s) after the P2P attributes");
  check_error(decode_p2p_info(record("0000 0004 02 0100 25")), ErrorCode::bad_value, 30,
              "P2P attribute 2 (P2P Capability) has 1 byte(s), expected 2");
  check_error(decode_p2p_info(record("0000 0008 13 0500 5858040b06")), ErrorCode::bad_value, 30,
              "expected 6");
}

TEST_CASE("Hs: ac records with power state and auxiliary references, byte exact, both versions") {
  HandoverSelect hs;
  hs.version = kHandoverVersion12;
  hs.carriers.push_back(AlternativeCarrier{CarrierPowerState::active, {'0'}, {{'1'}, {'2'}}});
  auto r = encode_handover_select(hs);
  REQUIRE(r.ok());
  // Hs payload: 12 | local record d1 02 08 "ac" [01 | 01 '0' | 02 | 01 '1' | 01 '2']
  CHECK(encoded_hex(*r) ==
        "d1020e4873"
        "12"
        "d10208616301013002013101"
        "32");
  auto back = decode_handover_select(*r);
  REQUIRE(back.ok());
  CHECK(*back == hs);

  HandoverSelect v13;
  v13.carriers.push_back(AlternativeCarrier{CarrierPowerState::activating, {'w', 's', 'c'}, {}});
  v13.carriers.push_back(AlternativeCarrier{CarrierPowerState::inactive, {'p'}, {}});
  v13.error = HandoverError{0x01, {0x10}};
  v13.other_records.push_back(make_record(Tnf::well_known, "Xy", {0x01}));
  auto r13 = encode_handover_select(v13);
  REQUIRE(r13.ok());
  CHECK(r13->payload[0] == 0x13);
  CHECK(*decode_handover_select(*r13) == v13);

  HandoverSelect empty;
  auto re = encode_handover_select(empty);
  CHECK(encoded_hex(*re) ==
        "d102014873"
        "13");
  CHECK(decode_handover_select(*re)->carriers.empty());
}

TEST_CASE("Hs: rejects with offsets into the outer message") {
  // Outer record header d1 02 LL 48 73 = 5 bytes, so the version byte is at 5 and the local message at 6.
  check_error(decode_handover_select(only_record("d1 02 01 4873 11")), ErrorCode::unsupported_version, 5,
              "Hs version 1.1 not supported");
  check_error(decode_handover_select(only_record("d1 02 01 4873 20")), ErrorCode::unsupported_version, 5,
              "2.0");
  check_error(decode_handover_select(only_record("d1 02 00 4873")), ErrorCode::empty_input, 5,
              "version byte");
  // Local message lacks ME.
  check_error(decode_handover_select(only_record("d1 02 05 4873 12 91 01 00 41")),
              ErrorCode::missing_message_end, 10, "without a record carrying ME");
  check_error(decode_handover_select(only_record("d1 02 06 4873 12 d1 02 00 6163")),
              ErrorCode::truncated_field, 11, "carrier power state byte missing");
  check_error(decode_handover_select(only_record("d1 02 08 4873 12 d1 02 02 6163 05 00")),
              ErrorCode::bad_value, 11, "reserved bits set in the carrier power state byte 0x05");
  check_error(decode_handover_select(only_record("d1 02 08 4873 12 d1 02 02 6163 01 00")),
              ErrorCode::bad_value, 12, "empty carrier data reference");
  check_error(decode_handover_select(only_record("d1 02 09 4873 12 d1 02 03 6163 01 05 30")),
              ErrorCode::length_past_end, 12, "carrier data reference length 5 runs past end");
  check_error(decode_handover_select(only_record("d1 02 09 4873 12 d1 02 03 6163 01 01 30")),
              ErrorCode::truncated_field, 14, "auxiliary data reference count missing");
  check_error(decode_handover_select(only_record("d1 02 0b 4873 12 d1 02 05 6163 01 01 30 01 02")),
              ErrorCode::length_past_end, 15, "auxiliary data reference 1 length 2 runs past end");
  check_error(decode_handover_select(only_record("d1 02 0b 4873 12 d1 02 05 6163 01 01 30 00 ff")),
              ErrorCode::trailing_data, 15, "1 byte(s) after the last reference");
  check_error(decode_handover_select(only_record("d1 02 0f 4873 12 91 03 01 657272 01 51 03 01 657272 02")),
              ErrorCode::duplicate_field, 19, "more than one err record");
  check_error(decode_handover_select(only_record("d1 01 01 55 12")), ErrorCode::wrong_record_type, 4,
              "not a Handover Select record");
}

TEST_CASE("printer record: TLVs with a version byte, exact bytes, unknown TLVs skipped") {
  PrinterRecord p;
  p.state = PrinterState::unregistered;
  p.pwt = "BCDFGHJK";
  p.instruction = Instruction::register_with_server;
  auto r = encode_printer_record(p);
  REQUIRE(r.ok());
  CHECK(to_hex(r->payload) ==
        "01"
        "010100"
        "0208424344464748"
        "4a4b"
        "030101");
  CHECK(r->type_string() == "tapbench.dev:printer");
  CHECK(*decode_printer_record(*r) == p);

  PrinterRecord full{PrinterState::charge_needed, std::nullopt, Instruction::charge, "sv-token_123", 7, {}};
  CHECK(*decode_printer_record(*encode_printer_record(full)) == full);

  // Unknown TLV 0x7f between known ones: skipped, remembered.
  Record unknown = *r;
  unknown.payload = hex("01 010103 7f03aabbcc 050400000009");
  auto u = decode_printer_record(unknown);
  REQUIRE(u.ok());
  CHECK(u->state == PrinterState::ready);
  CHECK(u->pages == 9u);
  CHECK(u->skipped_tlv_types == std::vector<std::uint8_t>{0x7f});
}

TEST_CASE("printer record: duplicates, truncation, versions and bad values are rejected") {
  // Record header d4 14 LL + 20-byte type: payload at offset 23.
  auto rec = [](std::string_view payload_hex) {
    Record r = make_record(Tnf::external, kPrinterRecordType, hex(payload_hex));
    r.payload_offset = 23;
    return r;
  };
  check_error(decode_printer_record(rec("01 010100 010101")), ErrorCode::duplicate_field, 27,
              "state TLV 0x01 repeated");
  check_error(decode_printer_record(rec("01 010100 020141 020142")), ErrorCode::duplicate_field, 30,
              "PWT TLV 0x02 repeated");
  check_error(decode_printer_record(rec("01 010100 04")), ErrorCode::truncated_field, 27,
              "TLV header truncated");
  check_error(decode_printer_record(rec("01 010100 0205414243")), ErrorCode::truncated_field, 28,
              "PWT TLV 0x02 length 5 runs past end (3 byte(s) left)");
  check_error(decode_printer_record(rec("02 010100")), ErrorCode::unsupported_version, 23,
              "printer record version 0x02 not supported");
  check_error(decode_printer_record(rec("")), ErrorCode::empty_input, 23, "without a version byte");
  check_error(decode_printer_record(rec("01 020141")), ErrorCode::missing_field, 23, "lacks the state TLV");
  check_error(decode_printer_record(rec("01 010109")), ErrorCode::bad_value, 26, "unknown state 0x09");
  check_error(decode_printer_record(rec("01 01020000")), ErrorCode::bad_value, 24,
              "state TLV 0x01 has 2 byte(s)");
  check_error(decode_printer_record(rec("01 010100 030107")), ErrorCode::bad_value, 29,
              "unknown instruction 0x07");
  check_error(decode_printer_record(rec("01 010100 05020001")), ErrorCode::bad_value, 27,
              "pages TLV 0x05 has 2 byte(s), expected 4");
  check_error(decode_printer_record(rec("01 010100 04024120")), ErrorCode::bad_value, 27,
              "SVWT TLV 0x04 is not 1-255 printable ASCII");
  check_error(decode_printer_record(rec("01 010100 0200")), ErrorCode::bad_value, 27,
              "PWT TLV 0x02 is not 1-255");
  PrinterRecord bad;
  bad.pwt = "has space";
  check_error(encode_printer_record(bad), ErrorCode::bad_value, 0,
              "PWT TLV 0x02 must be 1-255 printable ASCII");
}

TEST_CASE("describe(): records expanded for the reader of the tag") {
  Message m;
  HandoverSelect hs;
  hs.carriers.push_back(AlternativeCarrier{CarrierPowerState::active, {'0'}, {}});
  m.records.push_back(*encode_handover_select(hs));
  m.records.push_back(only_record(kHostapdConfigToken));
  m.records.back().id = {'0'};
  m.records.push_back(*encode_printer_record(
      PrinterRecord{PrinterState::unregistered, "BCDFGHJK", Instruction::register_with_server, {}, {}, {}}));
  m.records.push_back(*encode_uri(make_uri("https://vendor.example/charge")));
  m.records.push_back(*encode_aar(AndroidApp{"dev.tapbench.manager"}));
  m.records.push_back(make_record(Tnf::external, kPrinterRecordType, {0x09}));  // invalid version
  const std::string text = describe(m);
  CAPTURE(text);
  for (const char* line : {
           "NDEF message, 6 record(s)\n",
           "record 1: well-known \"Hs\", payload 10 byte(s)\n",
           "  Handover Select 1.3, 1 alternative carrier(s)\n",
           "    ac 1: power active, carrier data reference \"0\", auxiliary data references: none\n",
           "record 2: media \"application/vnd.wfa.wsc\", id \"0\", payload 106 byte(s)\n",
           "    SSID: \"tapbench-router\"\n",
           "    authentication: WPA2-Personal (0x0020)\n",
           "    encryption: AES (0x0008)\n",
           "    passphrase: \"correct horse battery\"\n",
           "    AP channel: 6\n",
           "    RF bands: 0x01 (2.4GHz)\n",
           "    WSC version: 2.0\n",
           "  tapbench printer record v1\n",
           "    state: unregistered\n",
           "    instruction: register\n",
           "    PWT: BCDFGHJK\n",
           "  URI: https://vendor.example/charge (prefix code 0x04)\n",
           "  Android application: dev.tapbench.manager\n",
           "  invalid printer record: offset 0: printer record version 0x09 not supported (this decoder "
           "speaks 0x01)\n",
           "  payload hex: 09\n",
       }) {
    CHECK(text.find(line) != std::string::npos);
  }
  // The WPS-CR carrier: generic attributes with the OOB device password split.
  const std::string cr = describe(Message{{only_record(kHostapdHandoverSelWpsCr)}});
  CAPTURE(cr);
  CHECK(cr.find("Wi-Fi Simple Configuration: handover carrier (length-prefixed)") != std::string::npos);
  CHECK(cr.find("OOB Device Password (0x102C): public key hash 1d413324033032ab673ae15e3f5645ef28dfb2bf, "
                "password ID 0x0007") != std::string::npos);
}
