// libFuzzer target: the Type 4 Tag APDU handler (card side). The input is a sequence of APDUs, each
// prefixed by one length byte. Every APDU must get an R-APDU ending in a status word; data is only ever
// returned with 90 00 and never beyond MLe; a writable tag never holds an NLEN larger than its file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "drivers/nfc/type4_tag.hpp"

using namespace tapbench::nfc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  Type4TagConfig cfg;
  cfg.writable = data[0] & 1;
  cfg.mle = static_cast<std::uint16_t>(0x0F + (data[1] % 0xF2));
  cfg.max_ndef_size = 0x200;
  Type4Tag tag(cfg);
  const std::vector<std::uint8_t> initial{0xD1, 0x01, 0x04, 0x54, 0x02, 'e', 'n', 'x'};
  tag.set_ndef(initial);
  tag.set_on_update([&](const std::vector<std::uint8_t>& m) {
    if (m.size() + 2 > cfg.max_ndef_size) std::abort();
  });
  std::size_t pos = 2;
  while (pos < size) {
    const std::size_t len = data[pos++];
    const std::size_t n = pos + len <= size ? len : size - pos;
    const auto r = tag.process(std::span<const std::uint8_t>(data + pos, n));
    pos += n;
    if (r.size() < 2) std::abort();
    const bool ok = r[r.size() - 2] == 0x90 && r.back() == 0x00;
    if (!ok && r.size() != 2) std::abort();
    if (r.size() - 2 > cfg.mle) std::abort();
  }
  if (tag.ndef().size() + 2 > cfg.max_ndef_size) std::abort();
  if (!cfg.writable && tag.ndef() != initial) std::abort();
  return 0;
}
