// tapbench-nfc-read: one or more taps through NfcReader — reads a Type 4 Tag's NDEF message and prints the
// phase timings (field_on -> target_found -> ndef_read). For operators checking a bench and for the figures
// in docs/NFC-SIM.md. Exit codes follow the rig: 0 ok, 2 device FAIL, 3 infrastructure ERROR, 64 usage.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "drivers/nfc/nfc_factory.hpp"

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
    "usage\n";

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::string hex(const std::vector<std::uint8_t>& b) {
  std::string s;
  char buf[4];
  for (auto v : b) {
    std::snprintf(buf, sizeof buf, "%02x", v);
    s += buf;
  }
  return s;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const std::size_t i =
      std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tapbench::nfc;
  std::string spec, out;
  long wait_ms = 2000, apdu_ms = 1000, repeat = 1;
  bool quiet = false;
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
        wait_ms = std::stol(next());
      } else if (a == "--apdu-timeout") {
        apdu_ms = std::stol(next());
      } else if (a == "--repeat") {
        repeat = std::stol(next());
      } else if (a == "--out") {
        out = next();
      } else if (a == "--quiet") {
        quiet = true;
      } else if (!a.empty() && a[0] == '-') {
        throw std::invalid_argument("unknown option " + a);
      } else if (spec.empty()) {
        spec = a;
      } else {
        throw std::invalid_argument("more than one SPEC given");
      }
    }
    if (spec.empty()) throw std::invalid_argument("SPEC is required");
    if (repeat < 1 || wait_ms < 0 || apdu_ms < 1) throw std::invalid_argument("values must be positive");
  } catch (const std::exception& e) {
    std::cerr << "tapbench-nfc-read: " << e.what() << "\n" << kUsage;
    return 64;
  }

  try {
    ReaderOptions opts;
    opts.apdu_timeout = std::chrono::milliseconds(apdu_ms);
    auto reader = make_nfc_reader(spec, opts);
    std::cerr << "reader: " << reader->description() << "\n";
    std::vector<double> to_target, to_ndef, total;
    std::vector<std::uint8_t> first;
    for (long n = 1; n <= repeat; ++n) {
      const auto r = reader->read_ndef(std::chrono::milliseconds(wait_ms));
      const double a = ms(*r.times.target_found - *r.times.field_on);
      const double b = ms(*r.times.ndef_read - *r.times.target_found);
      to_target.push_back(a);
      to_ndef.push_back(b);
      total.push_back(a + b);
      std::fprintf(
          stderr,
          "tap %ld: %zu bytes, %u APDUs, field_on->target_found %.3f ms, target_found->ndef_read %.3f ms\n",
          n, r.ndef.size(), r.apdus, a, b);
      if (n == 1) {
        first = r.ndef;
        if (!quiet) std::cout << hex(r.ndef) << "\n";
        if (!out.empty()) {
          std::ofstream f(out, std::ios::binary);
          f.write(reinterpret_cast<const char*>(r.ndef.data()), static_cast<std::streamsize>(r.ndef.size()));
          if (!f) throw NfcException(NfcError::InvalidArgument, "cannot write " + out);
        }
      } else if (r.ndef != first) {
        std::fprintf(stderr, "tap %ld read a different message than tap 1\n", n);
        return 2;
      }
    }
    if (repeat > 1)
      std::fprintf(
          stderr,
          "%ld taps: target_found->ndef_read p50 %.3f ms p90 %.3f ms max %.3f ms; whole tap p50 %.3f ms\n",
          repeat, percentile(to_ndef, 0.5), percentile(to_ndef, 0.9), percentile(to_ndef, 1.0),
          percentile(total, 0.5));
    return 0;
  } catch (const NfcException& e) {
    std::cerr << "tapbench-nfc-read: " << e.what() << "\n";
    return classify(e.code()) == FailureClass::Device ? 2 : 3;
  }
}
