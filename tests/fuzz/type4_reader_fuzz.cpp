// libFuzzer target: the reader's Type 4 NDEF read procedure against a tag that answers with fuzzer-chosen
// R-APDUs. It must either return a message no larger than the CC allows, or throw NfcException — never
// crash, loop forever or read past what it asked for.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/type4_reader.hpp"

using namespace tapbench::nfc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t pos = 0;
  unsigned calls = 0;
  const ApduChannel channel = [&](std::span<const std::uint8_t>) -> std::vector<std::uint8_t> {
    if (++calls > 10000) std::abort();  // the procedure must terminate
    if (pos >= size) throw NfcException(NfcError::CardRemoved, "fuzz input exhausted");
    const std::size_t len = data[pos++];
    const std::size_t n = pos + len <= size ? len : size - pos;
    std::vector<std::uint8_t> r(data + pos, data + pos + n);
    pos += n;
    return r;
  };
  try {
    const auto result = read_type4_ndef(channel);
    if (result.ndef.empty() || result.ndef.size() + 2 > result.cc.ndef_max_size) std::abort();
  } catch (const NfcException&) {
  }
  return 0;
}
