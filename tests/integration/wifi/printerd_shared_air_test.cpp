// printerd (a process) with --radio link-model:DIR: its Wi-Fi Direct group comes up in the modelled air the
// test shares through DIR. The test is the phone and the home router: it reads the printer's tag through
// libnfc (pn532-sim), finds the group on the air, joins it with the tag's SSID/passphrase (a wrong one gives
// kWrongPassphrase), then hands over the router's credentials with Set-Printer-Attributes
// (printer-wifi-ssid / printer-wifi-password, authorised by the tag's PWT, S27) and sees the printer's
// station join the router it runs in the same air (S29).
#include <doctest/doctest.h>

#include <cstdio>
#include <thread>

#include "drivers/nfc/nfc_factory.hpp"
#include "drivers/wifi/link_model.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "protocol/handover/tap_message.hpp"
#include "sim/pn532/simulator.hpp"
#include "tests/integration/printerd/printerd_test_support.hpp"

using namespace printerd_test;
using namespace tapbench;
using namespace std::chrono_literals;

namespace {

std::string mac_text(const ndef::MacAddress& m) {
  char out[18];
  std::snprintf(out, sizeof(out), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return out;
}

template <class F>
bool eventually(F f, std::chrono::milliseconds timeout) {
  const auto deadline = printerd_test::Clock::now() + timeout;
  while (!f()) {
    if (printerd_test::Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);  // polling interval, bounded by the deadline
  }
  return true;
}

}  // namespace

TEST_CASE(
    "printerd --radio link-model:DIR: the phone joins the group from the tag; the router hand-over "
    "lands in the same air") {
  TempDir tmp;
  ::setenv("LIBNFC_AUTO_SCAN", "false", 1);  // only the emulated chips, never a real reader
  ::setenv("LIBNFC_INTRUSIVE_SCAN", "false", 1);
  ::unsetenv("LIBNFC_DEVICE");
  sim::pn532::Simulator sim;
  sim.add_chip_on_pty((tmp.path() / "phone").string());
  sim.add_chip_on_pty((tmp.path() / "printer").string());
  const fs::path air_dir = tmp.path() / "air";

  PrinterdOptions options;
  options.extra = {"--nfc", "pn532_uart:" + (tmp.path() / "printer").string(), "--radio",
                   "link-model:" + air_dir.string(),
                   // the test's loopback requests stand for the phone on the group's link (S27)
                   "--wfd-subnet", "127.0.0.0/8"};
  Printerd printer(tmp.path() / "pd", options);

  // The phone taps (S17–S21): WFD credential + PWT.
  auto reader = nfc::make_nfc_reader("pn532_uart:" + (tmp.path() / "phone").string());
  auto view = handover::parse_tap_message(reader->read_ndef(5s).ndef);
  REQUIRE_MESSAGE(view.ok(), "tag content does not parse");
  REQUIRE(view->wfd.has_value());
  REQUIRE(view->pwt.has_value());
  const auto wfd = *view->wfd;

  // The group the tag announces is on the shared air, under the GO MAC the tag names.
  wifi::LinkModelAir air(air_dir);
  const auto group = air.find(wfd.ssid, std::nullopt);
  REQUIRE(group.has_value());
  CHECK(group->bssid == mac_text(wfd.go_mac));
  CHECK(group->owner_pid == printer.pid());
  // The channel from the tag when it announces one, else the printer radio's default (2437, channel 6):
  // the phone scans that channel only, as it would with the token's channel.
  const int freq = wfd.channel ? wifi::channel_to_freq_mhz(wfd.channel) : 2437;
  CHECK(group->freq_mhz == freq);

  const auto& clock = RealClock::instance();
  wifi::LinkModelStation phone(air, clock, wifi::sleep_on(clock), {}, "02:00:00:00:aa:01");
  try {
    phone.join({{wfd.ssid, wfd.passphrase + "x"}, freq, 5s});
    FAIL("the phone joined with a wrong passphrase");
  } catch (const wifi::WifiError& e) {
    CHECK(e.code() == wifi::WifiErrc::kWrongPassphrase);
  }
  const auto joined = phone.join({{wfd.ssid, wfd.passphrase}, freq, 5s});
  CHECK(joined.bssid == group->bssid);
  CHECK(first_of(joined.phases, wifi::LinkPhase::kConnected));
  CHECK(air.stations(group->bssid) == std::vector<std::string>{"02:00:00:00:aa:01"});

  // The home router, run by the test in the same air.
  wifi::LinkModelAccessPoint router(air, clock, wifi::sleep_on(clock));
  const auto router_up = router.start({{"tapbench-home", "router-passphrase"}, 6}, 5s);

  // S27: router credentials with the tag's PWT over the group's link.
  IppClient by_pwt(printer.port(), Credentials::bearer(*view->pwt));
  ipp_t* req = by_pwt.new_request(IPP_OP_SET_PRINTER_ATTRIBUTES);
  ippAddString(req, IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-wifi-ssid", nullptr, "tapbench-home");
  const std::string pass = "router-passphrase";
  ippAddOctetString(req, IPP_TAG_PRINTER, "printer-wifi-password", pass.data(),
                    static_cast<int>(pass.size()));
  REQUIRE(by_pwt.send(req).status == IPP_STATUS_OK);

  // S29: the printer leaves its group and its station joins the router (a full scan: ≈ 4 s modelled).
  const auto arrived = router.wait_station(15s);
  CHECK(arrived.mac == "02:00:00:00:f0:01");
  CHECK(router.stations() == std::vector<std::string>{"02:00:00:00:f0:01"});
  CHECK(eventually([&] { return !air.find(wfd.ssid, std::nullopt).has_value(); }, 5s));
  CHECK(air.networks().size() == 1);
  CHECK(air.networks().at(0).bssid == router_up.bssid);

  // No secret of the hand-over in printerd's log or console.
  for (const std::string& text : {printer.log(), printer.console()}) {
    CHECK(text.find(*view->pwt) == std::string::npos);
    CHECK(text.find(wfd.passphrase) == std::string::npos);
    CHECK(text.find(pass) == std::string::npos);
  }
  CHECK(printer.stop() == 0);
  // printerd's exit takes nothing else down: the router stays on the air.
  CHECK(air.find("tapbench-home", std::nullopt).has_value());
}

TEST_CASE("printerd --radio: bad specs are refused at start with one clear line") {
  TempDir tmp;
  for (const char* spec : {"link-model:", "wifi", "hostap:p2p=/x"}) {
    Child child({printerd_path().string(), "--state-dir", (tmp.path() / "s").string(), "--listen",
                 "127.0.0.1:0", "--radio", spec},
                tmp.path() / "out.txt");
    CHECK(child.wait(10s) == 64);
    const std::string out = read_file(tmp.path() / "out.txt");
    CHECK_MESSAGE(out.find("printerd: --radio") != std::string::npos, out);
  }
  // A directory that cannot be made: the runtime refuses it naming the path.
  Child child({printerd_path().string(), "--state-dir", (tmp.path() / "s").string(), "--listen",
               "127.0.0.1:0", "--radio", "link-model:/proc/no-air-here"},
              tmp.path() / "out.txt");
  CHECK(child.wait(10s) == 64);
  const std::string out = read_file(tmp.path() / "out.txt");
  CHECK_MESSAGE(out.find("/proc/no-air-here") != std::string::npos, out);
}
