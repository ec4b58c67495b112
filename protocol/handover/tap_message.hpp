// The patent's tap message (JP7615840B2 S19 / S21 / S116): what the printer puts in its tag for each state,
// and the phone-side inverse. Pure functions: the firmware core composes, the rig's terminal role parses.
//
// Layout (record order) per state:
//   unregistered  : Hs{ac → "0"} · WSC credential (ID "0") · printer{state, PWT, instruction=register} · AAR
//   ink_low       : URI(exchange URL) · printer{state, instruction=exchange, SVWT, pages} · AAR
//   charge_needed : URI(charge URL) · printer{state, instruction=charge, SVWT, pages} · AAR
//   ready         : Hs{ac → "0"} · WSC credential (ID "0") · printer{state, PWT, SVWT?, pages}
// The WFD credential is a WSC configuration token (Credential first, as Android requires) that the Hs
// record's alternative carrier references by ID, so Android and hostap treat it as a Wi-Fi handover.
// The phone adds its SVT to the URL itself (S118); the tag carries the bare URL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/ndef/handover_select.hpp"
#include "protocol/ndef/printer_record.hpp"
#include "protocol/ndef/record.hpp"
#include "protocol/ndef/result.hpp"
#include "protocol/ndef/wsc.hpp"

namespace tapbench::handover {

using ndef::Instruction;
using ndef::PrinterState;

// ID of the WSC carrier configuration record, referenced by the Hs ac record.
inline constexpr std::string_view kWfdCarrierId = "0";

// Wi-Fi Direct group credential of the printer (autonomous GO; the phone joins as a legacy client).
struct WfdCredential {
  std::string ssid;        // "DIRECT-xy-…", 1–32 bytes
  std::string passphrase;  // 8–63 printable ASCII, or 64 hex digits (PSK)
  ndef::MacAddress go_mac{};
  std::uint16_t channel = 0;  // GO operating channel, 0 = not announced (then no RF Bands/AP Channel)
  bool operator==(const WfdCredential&) const = default;
};

// Everything the firmware knows at the tap (S19 inputs).
struct TapInputs {
  bool registered = false;  // registered with the server (has an ST)
  bool ink_low = false;     // ink below the replacement threshold
  std::uint32_t printable_pages = 0;
  std::uint32_t page_threshold = 0;  // charge is offered when printable_pages <= page_threshold
  WfdCredential wfd;                 // used in unregistered and ready states
  std::string pwt;                   // current PWT (S13); required in unregistered and ready states
  std::optional<std::string> svwt;   // prefetched SVWT (S43–S49); required for ink_low / charge_needed
  std::string app_package;           // management app id, e.g. "dev.tapbench.manager"
  std::string charge_url;            // e.g. "https://vendor.example/charge"
  std::string exchange_url;          // e.g. "https://vendor.example/exchange"
  std::uint8_t hs_version = ndef::kHandoverVersion13;  // 0x12 or 0x13
};

// S19: unregistered if !registered; else ink_low if ink_low; else charge_needed if pages <= threshold;
// else ready.
PrinterState judge_state(const TapInputs& inputs);

// S21 / S116: judge the state and compose the message. Errors (invalid_input) name the bad input: SSID or
// passphrase out of range, missing PWT / SVWT / app package / URL the state needs, tokens not printable.
ndef::Result<ndef::Message> compose_tap_message(const TapInputs& inputs);
// compose + encode.
ndef::Result<ndef::Bytes> encode_tap_message(const TapInputs& inputs);

// Phone side: the typed view of a tap message.
struct TapView {
  PrinterState state = PrinterState::ready;
  std::optional<std::uint8_t> hs_version;  // when an Hs record was present
  std::optional<WfdCredential> wfd;        // from the WSC credential the Hs ac references
  std::optional<std::string> pwt;
  std::optional<std::string> svwt;
  std::optional<Instruction> instruction;
  std::optional<std::string> url;          // charge or exchange URL (full, prefix expanded)
  std::optional<std::string> app_package;  // from the AAR
  std::optional<std::uint32_t> printable_pages;
  bool operator==(const TapView&) const = default;
};

// Errors: missing_part / duplicate_part / unexpected_part (which record, at which offset),
// dangling_reference (ac → no such ID), and the typed decoders' errors. The printer record decides the
// state; the parts must be exactly those the state's layout above calls for (SVWT optional in ready).
ndef::Result<TapView> parse_tap_message(const ndef::Message& message);
// decode (default options) + parse; offsets are into `bytes`.
ndef::Result<TapView> parse_tap_message(ndef::ByteView bytes);

// Multi-line summary of what the phone got, e.g. "tap message: state unregistered\n  WFD: SSID …".
// Shows the PWT, SVWT and passphrase (tag content, see ndef/describe.hpp); never logs.
std::string describe(const TapView& view);

}  // namespace tapbench::handover
