// The test bench of rig/terminal's tests: two emulated PN532s (phone, printer tag), real vendord and real
// printerd (core) on one sim clock file, frozen so that only advance() moves time.
#pragma once

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>

#include "drivers/nfc/nfc_factory.hpp"
#include "protocol/handover/tap_message.hpp"
#include "sim/clock/sim_clock.hpp"
#include "sim/pn532/simulator.hpp"
#include "tests/integration/printerd/printerd_test_support.hpp"
#include "tests/integration/server/vendord_process.hpp"

namespace rig_terminal_test {

using printerd_test::Printerd;
using printerd_test::PrinterdOptions;
using printerd_test::TempDir;

// A port nothing listens on: bound, then closed.
inline std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// The bench: two emulated PN532s (phone, printer tag), vendord and printerd on one sim clock file.
struct Bench {
  TempDir tmp;
  tapbench::sim::pn532::Simulator nfc;
  std::filesystem::path clock_file;
  tapbench::server::test::VendordProcess vendord;
  std::optional<Printerd> printerd;

  explicit Bench(std::vector<std::string> printerd_extra = {}, std::vector<std::string> vendord_extra = {})
      : clock_file(tmp.path() / "sim-clock"), vendord(tmp.path(), vendord_args(tmp.path(), vendord_extra)) {
    ::setenv("LIBNFC_AUTO_SCAN", "false", 1);  // only the emulated chips, never a real reader
    ::setenv("LIBNFC_INTRUSIVE_SCAN", "false", 1);
    ::unsetenv("LIBNFC_DEVICE");
    nfc.add_chip_on_pty((tmp.path() / "phone").string());
    nfc.add_chip_on_pty((tmp.path() / "printer").string());
    tapbench::sim::SimClockController(clock_file).freeze();  // exact boundaries: only advance() moves time
    vendord.start();
    PrinterdOptions o;
    o.extra = {"--nfc",       "pn532_uart:" + (tmp.path() / "printer").string(),
               "--server",    vendor_url(),
               "--sim-clock", clock_file.string()};
    o.extra.insert(o.extra.end(), printerd_extra.begin(), printerd_extra.end());
    printerd.emplace(tmp.path() / "pd", o);
  }

  static std::vector<std::string> vendord_args(const std::filesystem::path& dir,
                                               std::vector<std::string> extra) {
    std::vector<std::string> a = {"--sim-clock", (dir / "sim-clock").string(), "--free-pages", "5"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  std::string vendor_url() const { return "http://127.0.0.1:" + std::to_string(vendord.port()); }
  std::string printer_url() const { return "http://127.0.0.1:" + std::to_string(printerd->port()); }

  // S17-S21: the phone taps the printer and reads the PWT from its handover message.
  tapbench::handover::TapView tap_view() {
    auto phone = tapbench::nfc::make_nfc_reader("pn532_uart:" + (tmp.path() / "phone").string());
    // A tap that lands while printerd rewrites its tag (after a rotation) reads an empty NDEF file (the
    // NFC Forum update procedure sets NLEN 0 first): tap again, bounded.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      try {
        const auto read = phone->read_ndef(std::chrono::seconds(5));
        auto view = tapbench::handover::parse_tap_message(read.ndef);
        REQUIRE_MESSAGE(view.ok(), "tag content does not parse");
        return *view;
      } catch (const std::exception& e) {
        if (std::string(e.what()).find("NLEN 0") == std::string::npos ||
            std::chrono::steady_clock::now() >= deadline)
          throw;
      }
    }
  }

  std::string tap_pwt() {
    const auto view = tap_view();
    REQUIRE(view.pwt.has_value());
    return *view.pwt;
  }

  // The PWT that replaced `old` (S13/S33). printerd rewrites its tag after the API call that rotated the
  // PWT has answered, so a tap at once may still read `old`: tap again, bounded; `old` if it never changes.
  std::string tap_new_pwt(const std::string& old) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::string pwt = tap_pwt();
    while (pwt == old && std::chrono::steady_clock::now() < deadline)
      pwt = tap_pwt();
    return pwt;
  }
};

}  // namespace rig_terminal_test
