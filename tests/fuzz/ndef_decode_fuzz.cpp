// libFuzzer: the NDEF / handover decoder on arbitrary bytes. Besides memory safety (ASan/UBSan), checks the
// codec's properties: a decoded message re-encodes, and decoding that again gives the same message; every
// typed decoder and the tap-message parser accept or reject without crashing; errors point inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "protocol/handover/tap_message.hpp"
#include "protocol/ndef/aar.hpp"
#include "protocol/ndef/describe.hpp"
#include "protocol/ndef/handover_select.hpp"
#include "protocol/ndef/p2p.hpp"
#include "protocol/ndef/printer_record.hpp"
#include "protocol/ndef/uri.hpp"
#include "protocol/ndef/wsc.hpp"

using namespace tapbench;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();  // a property failed: libFuzzer saves the input as a crash artifact
}

void exercise_typed(const ndef::Record& r) {
  (void)ndef::decode_uri(r);
  (void)ndef::decode_aar(r);
  (void)ndef::decode_wsc(r);
  (void)ndef::decode_wsc_config_token(r);
  (void)ndef::decode_p2p(r);
  (void)ndef::decode_p2p_info(r);
  (void)ndef::decode_printer_record(r);
  if (auto hs = ndef::decode_handover_select(r)) {
    auto again = ndef::encode_handover_select(*hs);
    if (again) check(ndef::decode_handover_select(*again).ok());
  }
  if (auto p = ndef::decode_printer_record(r)) {
    auto again = ndef::encode_printer_record(*p);
    if (again) check(ndef::decode_printer_record(*again).ok());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ndef::ByteView input(data, size);
  for (auto policy : {ndef::ChunkPolicy::reassemble, ndef::ChunkPolicy::refuse}) {
    auto message = ndef::decode_message(input, {.chunks = policy});
    if (!message) {
      check(message.error().offset <= size);
      check(!message.error().reason.empty());
      continue;
    }
    // Round trip: whatever decodes re-encodes canonically and decodes to the same message.
    auto encoded = ndef::encode_message(*message);
    check(encoded.ok());
    auto again = ndef::decode_message(*encoded);
    check(again.ok() && *again == *message);
    for (const auto& r : message->records)
      exercise_typed(r);
    (void)handover::parse_tap_message(*message);
    (void)ndef::describe(*message);
  }
  return 0;
}
