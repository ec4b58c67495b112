// docs/PROTOCOL.md cannot drift: every example block in it (compact hex and byte-by-byte annotation) must
// equal what encode() + annotate() produce today. To regenerate the blocks after a deliberate format change:
//   TAPBENCH_PRINT_PROTOCOL_EXAMPLES=1 build/<dir>/tests/unit/protocol/unit_protocol_doc 2>blocks.md
// (the blocks go to stderr) and paste them into docs/PROTOCOL.md.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/handover/tap_message.hpp"
#include "protocol/ndef/annotate.hpp"
#include "protocol/ndef/record.hpp"

#ifndef TAPBENCH_SOURCE_DIR
#error "TAPBENCH_SOURCE_DIR must point at the repository root"
#endif

using namespace tapbench;
using namespace tapbench::handover;

namespace {

// The inputs docs/PROTOCOL.md states for its examples.
TapInputs doc_inputs(PrinterState s) {
  TapInputs in;
  in.wfd.ssid = "DIRECT-tb-printer";
  in.wfd.passphrase = "wfd-pass-1234";
  in.wfd.go_mac = ndef::MacAddress{0x02, 0x00, 0x00, 0x00, 0x01, 0x00};
  in.wfd.channel = 6;
  in.pwt = "BCDFGHJK";
  in.app_package = "dev.tapbench.manager";
  in.charge_url = "https://vendor.example/charge";
  in.exchange_url = "https://vendor.example/exchange";
  in.page_threshold = 10;
  in.printable_pages = 120;
  in.registered = s != PrinterState::unregistered;
  in.ink_low = s == PrinterState::ink_low;
  if (s == PrinterState::charge_needed) in.printable_pages = 8;
  if (s == PrinterState::ink_low) in.printable_pages = 40;
  if (s != PrinterState::unregistered) in.svwt = "sv_3q2Zk9TfYc1xWbPn0aLrg";
  return in;
}

// Written by Debian's hostapd 2.10: `wps_nfc_config_token NDEF` (ssid tapbench-router).
constexpr std::string_view kHostapdConfigToken =
    "d2176a6170706c69636174696f6e2f766e642e7766612e777363100e004710260001011045000f74617062656e63682d726f7574"
    "6572100300020020100f0002000810270015636f727265637420686f7273652062617474657279102000060000000000001"
    "03c000101100100020006102000060000000000001049000600372a000120";

struct Example {
  std::string name;
  ndef::Bytes bytes;
};

std::vector<Example> examples() {
  std::vector<Example> out;
  for (PrinterState s : {PrinterState::unregistered, PrinterState::ink_low, PrinterState::charge_needed,
                         PrinterState::ready}) {
    auto bytes = encode_tap_message(doc_inputs(s));
    REQUIRE(bytes.ok());
    out.push_back({ndef::printer_state_name(s), *bytes});
  }
  auto hostapd = ndef::from_hex(kHostapdConfigToken);
  REQUIRE(hostapd.ok());
  // A canonical input: decode + encode must give hostapd's bytes back before the doc may show them.
  REQUIRE(*ndef::encode_message(*ndef::decode_message(*hostapd)) == *hostapd);
  out.push_back({"hostapd-config-token", *hostapd});
  return out;
}

std::string compact_hex(const ndef::Bytes& b) {
  std::string hex = ndef::to_hex(b), out;
  for (std::size_t i = 0; i < hex.size(); i += 64)
    out += hex.substr(i, 64) + "\n";
  return out;
}

std::string annotated(const ndef::Bytes& b) {
  auto text = ndef::annotate(b);
  REQUIRE(text.ok());
  return *text;
}

// The fenced block following the line "<!-- <kind>:<name> -->", or "" when missing.
std::string doc_block(const std::string& doc, const std::string& kind, const std::string& name) {
  const std::string marker = "<!-- " + kind + ":" + name + " -->\n";
  const std::size_t at = doc.find(marker);
  if (at == std::string::npos) return "";
  const std::size_t open = doc.find("```\n", at + marker.size());
  if (open != at + marker.size()) return "";
  const std::size_t body = open + 4;
  const std::size_t close = doc.find("```\n", body);
  if (close == std::string::npos) return "";
  return doc.substr(body, close - body);
}

std::string read_doc() {
  std::ifstream in(std::string(TAPBENCH_SOURCE_DIR) + "/docs/PROTOCOL.md");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("docs/PROTOCOL.md examples equal the encoder's output, byte for byte") {
  const bool print = std::getenv("TAPBENCH_PRINT_PROTOCOL_EXAMPLES") != nullptr;
  const std::string doc = read_doc();
  for (const Example& e : examples()) {
    CAPTURE(e.name);
    const std::string hex = compact_hex(e.bytes);
    const std::string ann = annotated(e.bytes);
    if (print) {
      std::fprintf(stderr, "<!-- hex:%s -->\n```\n%s```\n\n<!-- annotated:%s -->\n```\n%s```\n\n",
                   e.name.c_str(), hex.c_str(), e.name.c_str(), ann.c_str());
    }
    CHECK_MESSAGE(doc_block(doc, "hex", e.name) == hex, "regenerate with TAPBENCH_PRINT_PROTOCOL_EXAMPLES=1");
    CHECK_MESSAGE(doc_block(doc, "annotated", e.name) == ann,
                  "regenerate with TAPBENCH_PRINT_PROTOCOL_EXAMPLES=1");
  }
}

TEST_CASE("annotate(): every byte of the message is shown exactly once, in order") {
  for (const Example& e : examples()) {
    CAPTURE(e.name);
    std::istringstream lines(annotated(e.bytes));
    std::string line, hex;
    while (std::getline(lines, line)) {
      const std::size_t bar = line.find(" | ");
      REQUIRE(bar != std::string::npos);
      hex += line.substr(0, bar);
    }
    auto bytes = ndef::from_hex(hex);
    REQUIRE(bytes.ok());
    CHECK(*bytes == e.bytes);
  }
  auto bad = ndef::annotate(*ndef::from_hex("d10105550000"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().to_string() ==
        "offset 2: payload length 5 runs past end of input (2 byte(s) left after type and ID)");
}
