// Deterministic mutation sweep over real messages (every truncation, every single-bit flip, every byte set to
// 0x00 / 0xFF): each decoder either accepts or rejects with an offset inside the input; nothing crashes or
// reads out of bounds (CI runs this under ASan + UBSan). Accepted messages re-encode to a fixed point.
#include <doctest/doctest.h>

#include <string>

#include "protocol/handover/tap_message.hpp"
#include "protocol/ndef/aar.hpp"
#include "protocol/ndef/annotate.hpp"
#include "protocol/ndef/describe.hpp"
#include "protocol/ndef/handover_select.hpp"
#include "protocol/ndef/p2p.hpp"
#include "protocol/ndef/printer_record.hpp"
#include "protocol/ndef/record.hpp"
#include "protocol/ndef/uri.hpp"
#include "protocol/ndef/wsc.hpp"

using namespace tapbench;
using namespace tapbench::ndef;

namespace {

struct Tally {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  std::size_t bad_errors = 0;  // errors with an offset past the input or no reason
  std::string first_bad;
};

Tally* tally_now = nullptr;  // plain counting: doctest assertions per call would dominate the run time

template <class T>
void check_result(const Result<T>& r, std::size_t input_size) {
  if (!r.ok() && (r.error().offset > input_size || r.error().reason.empty())) {
    if (tally_now->bad_errors++ == 0) tally_now->first_bad = r.error().to_string();
  }
}

// `deep` also runs describe() and annotate() (the slow, string-building part) on the input.
void exercise(const Bytes& input, Tally& tally, bool deep) {
  auto m = decode_message(input);
  if (!m.ok()) {
    ++tally.rejected;
    check_result(m, input.size());
    if (deep && annotate(input).ok()) ++tally.bad_errors;
    check_result(handover::parse_tap_message(ByteView(input)), input.size());
    return;
  }
  ++tally.accepted;
  for (const Record& r : m->records) {
    check_result(decode_uri(r), input.size());
    check_result(decode_aar(r), input.size());
    check_result(decode_wsc(r), input.size());
    check_result(decode_wsc_config_token(r), input.size());
    check_result(decode_p2p(r), input.size());
    check_result(decode_p2p_info(r), input.size());
    check_result(decode_handover_select(r), input.size());
    check_result(decode_printer_record(r), input.size());
  }
  check_result(handover::parse_tap_message(*m), input.size());
  if (deep && (describe(*m).empty() || !annotate(input).ok())) ++tally.bad_errors;
  auto again = encode_message(*m);
  if (again.ok()) {
    auto back = decode_message(*again);
    if (!back.ok() || !(*back == *m)) ++tally.bad_errors;
  }
}

Bytes tap(handover::PrinterState s) {
  handover::TapInputs in;
  in.wfd = {"DIRECT-tb-printer", "wfd-pass-1234", MacAddress{2, 0, 0, 0, 1, 0}, 6};
  in.pwt = "BCDFGHJK";
  in.app_package = "dev.tapbench.manager";
  in.charge_url = "https://vendor.example/charge";
  in.exchange_url = "https://vendor.example/exchange";
  in.registered = s != handover::PrinterState::unregistered;
  in.ink_low = s == handover::PrinterState::ink_low;
  in.printable_pages = s == handover::PrinterState::charge_needed ? 1 : 100;
  in.page_threshold = 5;
  if (in.registered) in.svwt = "sv_3q2Zk9TfYc1xWbPn0aLrg";
  auto b = handover::encode_tap_message(in);
  REQUIRE(b.ok());
  return *b;
}

}  // namespace

TEST_CASE(
    "mutation sweep: truncations, bit flips and byte overwrites never crash and report in-bounds offsets") {
  std::vector<Bytes> seeds;
  for (auto s : {handover::PrinterState::unregistered, handover::PrinterState::ink_low,
                 handover::PrinterState::charge_needed, handover::PrinterState::ready}) {
    seeds.push_back(tap(s));
  }
  // A P2P carrier and a chunked record, so those decoders see mutations too.
  P2pPayload p2p;
  p2p.wsc.push_back({wsc_attr::rf_bands, {1}});
  p2p.p2p.push_back({p2p_attr::capability, {0x25, 0x00}});
  p2p.p2p.push_back({p2p_attr::group_id, {2, 0, 0, 0, 1, 0, 'D', 'I', 'R', 'E', 'C', 'T', '-', 'x'}});
  seeds.push_back(*encode_message(Message{{*encode_p2p(p2p)}}));
  seeds.push_back(*from_hex("b1 01 02 55 0361  36 00 02 6263  56 00 01 64"));

  Tally tally;
  tally_now = &tally;
  for (const Bytes& seed : seeds) {
    for (std::size_t n = 0; n < seed.size(); ++n)
      exercise(Bytes(seed.begin(), seed.begin() + n), tally, true);
    for (std::size_t i = 0; i < seed.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes m = seed;
        m[i] ^= static_cast<std::uint8_t>(1u << bit);
        exercise(m, tally, bit == static_cast<int>(i % 8));  // every byte once deep, every bit position
      }
      for (std::uint8_t v : {0x00, 0xFF}) {
        Bytes m = seed;
        m[i] = v;
        exercise(m, tally, false);
      }
    }
  }
  // Both outcomes occur: the sweep is not vacuous.
  CAPTURE(tally.first_bad);
  CHECK(tally.bad_errors == 0);
  CHECK(tally.accepted > 100);
  CHECK(tally.rejected > 100);
}
