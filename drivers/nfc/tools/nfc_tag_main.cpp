// tapbench-nfc-tag: presents an NDEF message as a Type 4 Tag through TagFrontend (card emulation on a
// libnfc device) and prints each tap. For operators and for measuring two-chip taps (docs/NFC-SIM.md).
// Exit codes: 0 done, 3 infrastructure error (device missing), 64 usage, 66 FILE unreadable.
// The same as `tapbench nfc tag`; both run tools/nfc_tag_tool.hpp.
#include <iostream>
#include <stdexcept>
#include <string>

#include "drivers/nfc/tools/nfc_tag_tool.hpp"

namespace {

const char* kUsage =
    "usage: tapbench-nfc-tag SPEC FILE [--writable] [--taps N] [--out FILE]\n"
    "\n"
    "Presents FILE's NDEF message as an NFC Forum Type 4 Tag on a libnfc device in card-emulation mode\n"
    "(SPEC e.g. pn532_uart:/tmp/bench/printer) until interrupted or N taps are served.\n"
    "  --writable   accept UPDATE BINARY; --out FILE then receives each message a reader writes\n"
    "exit: 0 done, 3 device error, 64 usage, 66 FILE unreadable\n";

}  // namespace

int main(int argc, char** argv) {
  tapbench::nfc::tools::NfcTagOptions o;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--help" || a == "-h") {
        std::cout << kUsage;
        return 0;
      } else if (a == "--writable") {
        o.writable = true;
      } else if (a == "--taps" && i + 1 < argc) {
        o.taps = std::stol(argv[++i]);
      } else if (a == "--out" && i + 1 < argc) {
        o.out_file = argv[++i];
      } else if (!a.empty() && a[0] == '-') {
        throw std::invalid_argument("unknown option or missing value: " + a);
      } else if (o.spec.empty()) {
        o.spec = a;
      } else if (o.ndef_file.empty()) {
        o.ndef_file = a;
      } else {
        throw std::invalid_argument("unexpected argument " + a);
      }
    }
    if (o.spec.empty() || o.ndef_file.empty()) throw std::invalid_argument("SPEC and FILE are required");
    if (o.taps < 0) throw std::invalid_argument("--taps must not be negative");
  } catch (const std::exception& e) {
    std::cerr << "tapbench-nfc-tag: " << e.what() << "\n" << kUsage;
    return 64;
  }
  const auto& stop = tapbench::nfc::tools::install_stop_signals();
  return tapbench::nfc::tools::run_nfc_tag(o, std::cerr, stop, "tapbench-nfc-tag");
}
