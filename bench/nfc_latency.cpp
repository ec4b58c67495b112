// tapbench-bench-nfc: the NFC side of the handover figure's "unavoidable parts" (issue 8), through the same
// driver stack a bench uses: drivers/nfc's NfcReader on Debian's libnfc (pn532_uart) against pn532-sim.
//   apdu: one raw APDU round trip (SELECT of the NDEF application: host → libnfc → PN532 frames on the pty →
//         emulator → built-in Type 4 Tag → back), N times with the card selected once.
//   tap:  a whole tap (NfcReader::read_ndef: field off/on, activation, T4T read procedure, release), N times,
//         field_on → ndef_read from the driver's own TapTimestamps.
// Prints p50/p90/p99/max and writes them as JSON. Exit 0 ok, 2 an NFC error, 64 usage.
#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/nfc_factory.hpp"
#include "protocol/clock/clock.hpp"

namespace {

using Steady = std::chrono::steady_clock;

[[noreturn]] void usage(int code) {
  (code == 0 ? std::cout : std::cerr)
      << "usage: tapbench-bench-nfc SPEC [--apdus N] [--taps N] [--json FILE]\n"
         "SPEC is the phone reader, e.g. pn532_uart:/tmp/bench/phone with a Type 4 Tag in its field\n"
         "(pn532-sim --link /tmp/bench/phone --tag-ndef FILE).\n"
         "  --apdus N   raw APDU round trips with the tag selected [1000]\n"
         "  --taps N    whole taps (field_on -> ndef_read) [1000]\n"
         "  --json FILE write the figures as JSON\n"
         "Exit: 0 ok, 2 NFC error (the message says which), 64 usage.\n";
  std::exit(code);
}

struct Summary {
  long n = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
};

Summary summarize(std::vector<std::int64_t> v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double p) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return static_cast<double>(v[std::clamp<std::size_t>(rank, 1, v.size()) - 1]) / 1e6;
  };
  s.n = static_cast<long>(v.size());
  s.p50_ms = at(50);
  s.p90_ms = at(90);
  s.p99_ms = at(99);
  s.max_ms = static_cast<double>(v.back()) / 1e6;
  double sum = 0;
  for (auto x : v)
    sum += static_cast<double>(x);
  s.mean_ms = sum / static_cast<double>(v.size()) / 1e6;
  return s;
}

boost::json::object to_json(const Summary& s) {
  return {{"n", s.n},           {"p50_ms", s.p50_ms}, {"p90_ms", s.p90_ms},
          {"p99_ms", s.p99_ms}, {"max_ms", s.max_ms}, {"mean_ms", s.mean_ms}};
}

void print(const char* what, const Summary& s) {
  std::printf("%-28s n=%ld p50 %.3f ms p90 %.3f ms p99 %.3f ms max %.3f ms mean %.3f ms\n", what, s.n,
              s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms, s.mean_ms);
}

}  // namespace

int main(int argc, char** argv) {
  std::string spec, json_out;
  long apdus = 1000, taps = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto num = [&]() -> long {
      if (i + 1 >= argc) usage(64);
      try {
        long n = std::stol(argv[++i]);
        if (n >= 1 && n <= 1'000'000) return n;
      } catch (const std::exception&) {
      }
      std::cerr << "tapbench-bench-nfc: " << a << " must be an integer in 1..1000000\n";
      usage(64);
    };
    if (a == "--help" || a == "-h")
      usage(0);
    else if (a == "--apdus")
      apdus = num();
    else if (a == "--taps")
      taps = num();
    else if (a == "--json") {
      if (i + 1 >= argc) usage(64);
      json_out = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "tapbench-bench-nfc: unknown option '" << a << "'\n";
      usage(64);
    } else if (spec.empty())
      spec = a;
    else
      usage(64);
  }
  if (spec.empty()) {
    std::cerr << "tapbench-bench-nfc: SPEC is required\n";
    usage(64);
  }

  using namespace tapbench::nfc;
  tapbench::RealClock clock;
  try {
    ReaderOptions ro;
    ro.clock = &clock;
    auto reader = make_nfc_reader(spec, ro);

    // Raw APDU round trips: SELECT the NDEF application (NFC Forum T4T 2.0), the tag answers 90 00.
    const std::array<std::uint8_t, 13> select_app{0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76,
                                                  0x00, 0x00, 0x85, 0x01, 0x01, 0x00};
    reader->field_off();
    reader->field_on();
    reader->wait_for_target(std::chrono::seconds(2));
    for (int w = 0; w < 20; ++w)
      reader->transceive(select_app);  // warm-up
    std::vector<std::int64_t> apdu_ns;
    apdu_ns.reserve(static_cast<std::size_t>(apdus));
    for (long k = 0; k < apdus; ++k) {
      const auto a = Steady::now();
      auto r = reader->transceive(select_app);
      apdu_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - a).count());
      if (r.size() < 2 || r[r.size() - 2] != 0x90 || r[r.size() - 1] != 0x00)
        throw NfcException(NfcError::Protocol, "SELECT of the NDEF application was refused");
    }
    reader->release();

    // Whole taps.
    std::vector<std::int64_t> tap_ns, found_ns, read_ns;
    std::size_t bytes = 0;
    unsigned apdus_per_tap = 0;
    for (long k = 0; k < taps; ++k) {
      NdefReadResult r = reader->read_ndef(std::chrono::seconds(2));
      const auto& t = r.times;
      if (!t.field_on || !t.target_found || !t.ndef_read)
        throw NfcException(NfcError::Protocol, "a tap did not timestamp every edge");
      tap_ns.push_back((*t.ndef_read - *t.field_on).count());
      found_ns.push_back((*t.target_found - *t.field_on).count());
      read_ns.push_back((*t.ndef_read - *t.target_found).count());
      bytes = r.ndef.size();
      apdus_per_tap = r.apdus;
    }

    const Summary sa = summarize(apdu_ns), st = summarize(tap_ns), sf = summarize(found_ns),
                  sr = summarize(read_ns);
    std::printf("reader: %s; tag: %zu-byte NDEF, %u APDUs per tap\n", reader->description().c_str(), bytes,
                apdus_per_tap);
    print("APDU round trip", sa);
    print("tap field_on->ndef_read", st);
    print("  field_on->target_found", sf);
    print("  target_found->ndef_read", sr);
    if (!json_out.empty()) {
      boost::json::object o{{"reader", reader->description()},
                            {"ndef_bytes", bytes},
                            {"apdus_per_tap", apdus_per_tap},
                            {"apdu", to_json(sa)},
                            {"tap", to_json(st)},
                            {"field_on_to_target_found", to_json(sf)},
                            {"target_found_to_ndef_read", to_json(sr)}};
      std::ofstream f(json_out, std::ios::trunc);
      f << boost::json::serialize(o) << "\n";
    }
  } catch (const NfcException& e) {
    std::cerr << "tapbench-bench-nfc: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
