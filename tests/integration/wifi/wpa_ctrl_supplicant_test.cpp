// The wpa_ctrl client and the Station role against a real wpa_supplicant (driver=none on lo: a control
// interface but no radio, so scans fail and joins must end in a typed error, never hang).
#include <doctest/doctest.h>

#include <chrono>

#include "drivers/wifi/hostapd_access_point.hpp"
#include "drivers/wifi/supplicant_station.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "drivers/wifi/wpa_ctrl.hpp"
#include "tests/integration/wifi/hostap_lo.hpp"

using namespace tapbench;
using namespace tapbench::wifi;
using namespace tapbench::wifi::testing;
using namespace std::chrono_literals;

TEST_CASE("wpa_supplicant: networks and their events over one attached socket") {
  TAPBENCH_REQUIRE_ROOT();
  TempDir dir;
  const auto& clock = RealClock::instance();
  auto supplicant = start_supplicant_on_lo(dir, clock);
  WpaCtrl ctrl(supplicant->ctrl_socket(), clock);
  ctrl.attach();

  CHECK(status_value(ctrl.request("STATUS"), "wpa_state") == "DISCONNECTED");
  const int id = add_network(ctrl);
  auto added = ctrl.wait_event([](const WpaEvent& e) { return e.is("CTRL-EVENT-NETWORK-ADDED"); }, 2000ms,
                               "CTRL-EVENT-NETWORK-ADDED");
  CHECK(added.text == "CTRL-EVENT-NETWORK-ADDED " + std::to_string(id));
  ctrl.request_ok("SET_NETWORK " + std::to_string(id) + " ssid \"lab\"");
  CHECK(ctrl.request("GET_NETWORK " + std::to_string(id) + " ssid") == "\"lab\"");
  try {
    ctrl.request_ok("SET_NETWORK " + std::to_string(id) + " psk \"short\"");
    FAIL("wpa_supplicant accepted a 5-character passphrase");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kCommandFailed);
    CHECK(std::string(e.what()).find("short") == std::string::npos);  // the secret is not echoed
  }
  ctrl.request_ok("REMOVE_NETWORK " + std::to_string(id));
  CHECK(ctrl.request("LIST_NETWORKS").find('\n') == ctrl.request("LIST_NETWORKS").size() - 1);
}

TEST_CASE("SupplicantStation without a radio: typed timeout with the phases reached, network removed") {
  TAPBENCH_REQUIRE_ROOT();
  TempDir dir;
  const auto& clock = RealClock::instance();
  auto supplicant = start_supplicant_on_lo(dir, clock);
  SupplicantStation station(supplicant->ctrl_socket(), clock);

  try {
    station.join({{"DIRECT-ab-printer", "handover passphrase"}, 2437, 1500ms});
    FAIL("joined without a radio");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kTimeout);
    REQUIRE_FALSE(e.phases().empty());
    CHECK(e.phases().front().phase == LinkPhase::kRequested);
    CHECK_FALSE(first_of(e.phases(), LinkPhase::kConnected));
  }
  WpaCtrl check(supplicant->ctrl_socket(), clock);
  auto networks = check.request("LIST_NETWORKS");
  CHECK(networks.find("DIRECT-ab-printer") == std::string::npos);

  try {
    station.join({{"lab", "1234567"}, std::nullopt, 1000ms});
    FAIL("accepted a 7-character passphrase");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kBadArgument);
  }
}

TEST_CASE("wpa_supplicant TERMINATE: the event stream says so, then requests fail as daemon-gone") {
  TAPBENCH_REQUIRE_ROOT();
  TempDir dir;
  const auto& clock = RealClock::instance();
  auto supplicant = start_supplicant_on_lo(dir, clock);
  WpaCtrl ctrl(supplicant->ctrl_socket(), clock);
  ctrl.attach();
  ctrl.request_ok("TERMINATE");
  auto e = ctrl.wait_event([](const WpaEvent& ev) { return ev.is("CTRL-EVENT-TERMINATING"); }, 5000ms,
                           "CTRL-EVENT-TERMINATING");
  CHECK(e.priority >= 2);
  try {
    // Either the send is refused or the probe sees the socket gone; never a hang.
    for (int i = 0; i < 100; ++i)
      ctrl.request("PING", 2000ms);
    FAIL("the daemon still answers after TERMINATE");
  } catch (const WifiError& err) {
    CHECK(err.code() == WifiErrc::kDaemonGone);
  }
}
