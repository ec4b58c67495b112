// tapbench-nfc-tag: presents an NDEF message as a Type 4 Tag through TagFrontend (card emulation on a
// libnfc device) and prints each tap. For operators and for measuring two-chip taps (docs/NFC-SIM.md).
// Exit codes: 0 done, 3 infrastructure error (device missing), 64 usage.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "drivers/nfc/nfc_factory.hpp"

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

const char* kUsage =
    "usage: tapbench-nfc-tag SPEC FILE [--writable] [--taps N] [--out FILE]\n"
    "\n"
    "Presents FILE's NDEF message as an NFC Forum Type 4 Tag on a libnfc device in card-emulation mode\n"
    "(SPEC e.g. pn532_uart:/tmp/bench/printer) until interrupted or N taps are served.\n"
    "  --writable   accept UPDATE BINARY; --out FILE then receives each message a reader writes\n"
    "exit: 0 done, 3 device error, 64 usage\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace tapbench::nfc;
  std::string spec, file, out;
  long taps = 0;
  TagFrontendConfig cfg;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--help" || a == "-h") {
        std::cout << kUsage;
        return 0;
      } else if (a == "--writable") {
        cfg.tag.writable = true;
      } else if (a == "--taps" && i + 1 < argc) {
        taps = std::stol(argv[++i]);
      } else if (a == "--out" && i + 1 < argc) {
        out = argv[++i];
      } else if (!a.empty() && a[0] == '-') {
        throw std::invalid_argument("unknown option or missing value: " + a);
      } else if (spec.empty()) {
        spec = a;
      } else if (file.empty()) {
        file = a;
      } else {
        throw std::invalid_argument("unexpected argument " + a);
      }
    }
    if (spec.empty() || file.empty()) throw std::invalid_argument("SPEC and FILE are required");
  } catch (const std::exception& e) {
    std::cerr << "tapbench-nfc-tag: " << e.what() << "\n" << kUsage;
    return 64;
  }
  std::ifstream f(file, std::ios::binary);
  if (!f) {
    std::cerr << "tapbench-nfc-tag: cannot read " << file << "\n";
    return 64;
  }
  const std::vector<std::uint8_t> message(std::istreambuf_iterator<char>(f), {});

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  try {
    auto tag = make_tag_frontend(spec, cfg);
    tag->set_ndef(message);
    std::mutex m;
    std::condition_variable cv;
    long released = 0;
    bool dead = false;
    tag->set_listener([&](const TapEvent& e) {
      switch (e.kind) {
        case TapEvent::Kind::Selected:
          std::fprintf(stderr, "tap %u: reader selected the tag\n", e.tap);
          break;
        case TapEvent::Kind::Released: {
          std::fprintf(stderr, "tap %u: released after %u APDUs\n", e.tap, e.apdus);
          std::lock_guard lock(m);
          ++released;
          cv.notify_all();
          break;
        }
        case TapEvent::Kind::Updated:
          std::fprintf(stderr, "tap %u: reader wrote %zu bytes\n", e.tap, e.ndef.size());
          if (!out.empty()) {
            std::ofstream o(out, std::ios::binary);
            o.write(reinterpret_cast<const char*>(e.ndef.data()),
                    static_cast<std::streamsize>(e.ndef.size()));
          }
          break;
        case TapEvent::Kind::Error: {
          std::fprintf(stderr, "error: %s\n", e.message.c_str());
          std::lock_guard lock(m);
          dead = e.error == NfcError::DeviceMissing;
          cv.notify_all();
          break;
        }
      }
    });
    tag->start();
    std::cerr << "presenting " << message.size() << " bytes on " << tag->description() << "\n";
    std::unique_lock lock(m);
    while (!g_stop && !dead && (taps == 0 || released < taps))
      cv.wait_for(lock, std::chrono::milliseconds(100));
    lock.unlock();
    tag->stop();
    return dead ? 3 : 0;
  } catch (const NfcException& e) {
    std::cerr << "tapbench-nfc-tag: " << e.what() << "\n";
    return classify(e.code()) == FailureClass::Device ? 2 : 3;
  }
}
