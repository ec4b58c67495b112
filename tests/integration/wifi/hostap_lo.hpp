// Real hostapd and wpa_supplicant on the loopback interface with driver=none: no radio, but the daemons'
// real control interfaces (commands, replies, ATTACH'd events, crashes). Needs root (CI is root).
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "drivers/wifi/hostap_process.hpp"
#include "protocol/clock/clock.hpp"

namespace tapbench::wifi::testing {

// Skips the calling test (with a message saying why) unless running as root.
#define TAPBENCH_REQUIRE_ROOT()                                                                           \
  do {                                                                                                    \
    if (::geteuid() != 0) {                                                                               \
      MESSAGE("SKIPPED: hostapd/wpa_supplicant on lo need root (CI runs as root); run the test as root"); \
      return;                                                                                             \
    }                                                                                                     \
  } while (0)

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/tapbench-wifi-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::unique_ptr<HostapProcess> start_hostapd_on_lo(const TempDir& dir, const Clock& clock) {
  std::ofstream(dir / "hostapd.conf")
      << "interface=lo\ndriver=none\nctrl_interface=" << (dir / "hostapd") << "\nssid=placeholder\n";
  return std::make_unique<HostapProcess>(std::vector<std::string>{"hostapd", dir / "hostapd.conf"},
                                         dir / "hostapd/lo", dir / "hostapd.log", clock,
                                         std::chrono::milliseconds{10000});
}

inline std::unique_ptr<HostapProcess> start_supplicant_on_lo(const TempDir& dir, const Clock& clock) {
  std::ofstream(dir / "wpa_supplicant.conf") << "ctrl_interface=" << (dir / "wpa_supplicant") << "\n";
  return std::make_unique<HostapProcess>(
      std::vector<std::string>{"wpa_supplicant", "-Dnone", "-i", "lo", "-c", dir / "wpa_supplicant.conf"},
      dir / "wpa_supplicant/lo", dir / "wpa_supplicant.log", clock, std::chrono::milliseconds{10000});
}

}  // namespace tapbench::wifi::testing
