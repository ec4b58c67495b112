// tapbench-nfc-read: one or more taps through NfcReader — reads a Type 4 Tag's NDEF message and prints the
// phase timings (field_on -> target_found -> ndef_read). For operators checking a bench and for the figures
// in docs/NFC-SIM.md. Exit codes follow the rig: 0 ok, 2 device FAIL, 3 infrastructure ERROR, 64 usage.
// The same as `tapbench nfc read`; both run tools/nfc_read_tool.hpp.
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>

#include "drivers/nfc/tools/nfc_read_tool.hpp"

namespace {

const char* kUsage =
    "usage: tapbench-nfc-read SPEC [--wait MS] [--apdu-timeout MS] [--repeat N] [--out FILE] [--quiet]\n"
    "\n"
    "Reads an NFC Forum Type 4 Tag's NDEF message through libnfc (SPEC e.g. pn532_uart:/tmp/bench/phone or\n"
    "libnfc:acr122_usb:) and prints it as hex, with each tap's phase timings.\n"
    "  --wait MS          how long to wait for a card each tap (default 2000)\n"
    "  --apdu-timeout MS  per-APDU timeout (default 1000)\n"
    "  --repeat N         tap N times (the message must stay the same) and print p50/p90/max\n"
    "  --out FILE         write the message's bytes to FILE\n"
    "  --quiet            no hex dump\n"
    "exit: 0 read, 2 device failure (no card, protocol error, card removed), 3 infrastructure error, 64 "
    "usage, 74 --out unwritable\n";

}  // namespace

int main(int argc, char** argv) {
  tapbench::nfc::tools::NfcReadOptions o;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      const auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--help" || a == "-h") {
        std::cout << kUsage;
        return 0;
      } else if (a == "--wait") {
        o.wait = std::chrono::milliseconds(std::stol(next()));
      } else if (a == "--apdu-timeout") {
        o.apdu_timeout = std::chrono::milliseconds(std::stol(next()));
      } else if (a == "--repeat") {
        o.repeat = std::stol(next());
      } else if (a == "--out") {
        o.out_file = next();
      } else if (a == "--quiet") {
        o.quiet = true;
      } else if (!a.empty() && a[0] == '-') {
        throw std::invalid_argument("unknown option " + a);
      } else if (o.spec.empty()) {
        o.spec = a;
      } else {
        throw std::invalid_argument("more than one SPEC given");
      }
    }
    if (const auto problem = tapbench::nfc::tools::check_read_options(o); !problem.empty())
      throw std::invalid_argument(problem);
  } catch (const std::exception& e) {
    std::cerr << "tapbench-nfc-read: " << e.what() << "\n" << kUsage;
    return 64;
  }
  return tapbench::nfc::tools::run_nfc_read(o, std::cout, std::cerr, "tapbench-nfc-read");
}
