#include "drivers/nfc/tools/nfc_tag_tool.hpp"

#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>
#include <ostream>
#include <vector>

#include "drivers/nfc/nfc_factory.hpp"

namespace tapbench::nfc::tools {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

}  // namespace

const std::atomic<bool>& install_stop_signals() {
  g_stop = false;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  return g_stop;
}

int run_nfc_tag(const NfcTagOptions& o, std::ostream& err, const std::atomic<bool>& stop,
                const std::string& program) {
  std::ifstream f(o.ndef_file, std::ios::binary);
  if (!f) {
    err << program << ": cannot read " << o.ndef_file << "\n";
    return 66;
  }
  const std::vector<std::uint8_t> message(std::istreambuf_iterator<char>(f), {});
  TagFrontendConfig cfg;
  cfg.tag.writable = o.writable;
  std::mutex m;  // guards `err`, `released`, `dead` (the listener runs on the frontend's thread)
  std::condition_variable cv;
  long released = 0;
  bool dead = false;
  try {
    auto tag = make_tag_frontend(o.spec, cfg);
    tag->set_ndef(message);
    tag->set_listener([&](const TapEvent& e) {
      std::lock_guard lock(m);
      switch (e.kind) {
        case TapEvent::Kind::Selected:
          err << "tap " << e.tap << ": reader selected the tag" << std::endl;
          break;
        case TapEvent::Kind::Released:
          err << "tap " << e.tap << ": released after " << e.apdus << " APDUs" << std::endl;
          ++released;
          break;
        case TapEvent::Kind::Updated:
          err << "tap " << e.tap << ": reader wrote " << e.ndef.size() << " bytes" << std::endl;
          if (!o.out_file.empty()) {
            std::ofstream w(o.out_file, std::ios::binary | std::ios::trunc);
            w.write(reinterpret_cast<const char*>(e.ndef.data()),
                    static_cast<std::streamsize>(e.ndef.size()));
            if (!w.flush()) err << program << ": cannot write " << o.out_file << std::endl;
          }
          break;
        case TapEvent::Kind::Error:
          err << "error: " << e.message << std::endl;
          dead = dead || e.error == NfcError::DeviceMissing;
          break;
      }
      cv.notify_all();
    });
    tag->start();
    {
      std::lock_guard lock(m);
      err << "presenting " << message.size() << " bytes on " << tag->description() << std::endl;
    }
    std::unique_lock lock(m);
    // The stop flag is set from a signal handler, which cannot notify: poll it.
    while (!stop && !dead && (o.taps == 0 || released < o.taps))
      cv.wait_for(lock, std::chrono::milliseconds(100));
    lock.unlock();
    tag->stop();
    return dead ? 3 : 0;
  } catch (const NfcException& e) {
    std::lock_guard lock(m);
    err << program << ": " << e.what() << "\n";
    return classify(e.code()) == FailureClass::Device ? 2 : 3;
  }
}

}  // namespace tapbench::nfc::tools
