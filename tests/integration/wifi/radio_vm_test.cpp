// Runs INSIDE the radio-lab VM (sim/radio-lab/checks/wifi-roles.sh: radio-lab-up starts the daemons on
// mac80211_hwsim radios — router, phone, printer — then this binary): the Wi-Fi roles against real hostapd /
// wpa_supplicant on simulated 802.11 radios — association, 4-way handshake, wrong passphrase, absent network,
// P2P GO, a daemon that dies. Phase timestamps are appended to $RADIO_PHASES_OUT for the host. Outside the VM
// every case skips.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iomanip>

#include "drivers/wifi/child_process.hpp"
#include "drivers/wifi/hostapd_access_point.hpp"
#include "drivers/wifi/supplicant_p2p_group_owner.hpp"
#include "drivers/wifi/supplicant_station.hpp"
#include "drivers/wifi/wifi_error.hpp"

using namespace tapbench;
using namespace tapbench::wifi;
using namespace std::chrono_literals;

namespace {

struct Lab {
  std::string ap, ap_netns, sta, sta_netns, go, phases_out;
};

std::optional<Lab> lab() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  Lab l{env("RADIO_ROUTER_CTRL"), env("RADIO_ROUTER_NETNS"),    env("RADIO_PHONE_CTRL"),
        env("RADIO_PHONE_NETNS"), env("RADIO_PRINTER_GO_CTRL"), env("RADIO_PHASES_OUT")};
  if (l.ap.empty() || l.sta.empty() || l.go.empty()) return std::nullopt;
  if (l.phases_out.empty()) l.phases_out = "/dev/null";
  return l;
}

// Skips outside the VM; inside it (RADIO_LAB_REQUIRED=1, set by wifi-roles.sh) a missing lab is a failure,
// so a broken set-up can never pass as "all skipped".
#define TAPBENCH_REQUIRE_RADIO_LAB(var)                                                                 \
  auto var##_opt = lab();                                                                               \
  if (!var##_opt) {                                                                                     \
    if (std::getenv("RADIO_LAB_REQUIRED")) FAIL("radio-lab env incomplete: source /run/radio-lab/env"); \
    MESSAGE(                                                                                            \
        "SKIPPED: runs inside the radio-lab VM only (radio-lab-up's /run/radio-lab/env sets "           \
        "RADIO_ROUTER_CTRL, RADIO_PHONE_CTRL, RADIO_PRINTER_GO_CTRL)");                                 \
    return;                                                                                             \
  }                                                                                                     \
  const Lab& var = *var##_opt

// "scenario<TAB>phase<TAB>ms since requested<TAB>detail" lines for the host's report.
void record(const Lab& l, const std::string& scenario, const std::vector<PhaseStamp>& phases) {
  std::ofstream out(l.phases_out, std::ios::app);
  for (const auto& p : phases) {
    auto ms = std::chrono::duration<double, std::milli>(p.at - phases.front().at).count();
    out << scenario << '\t' << to_string(p.phase) << '\t' << std::fixed << std::setprecision(1) << ms << '\t'
        << p.detail << '\n';
  }
}

std::vector<LinkPhase> kinds(const std::vector<PhaseStamp>& phases) {
  std::vector<LinkPhase> out;
  for (const auto& p : phases) {
    if (out.empty() || out.back() != p.phase) out.push_back(p.phase);
  }
  return out;
}

bool ordered(const std::vector<PhaseStamp>& phases) {
  for (std::size_t i = 1; i < phases.size(); ++i) {
    if (phases[i].at < phases[i - 1].at) return false;
  }
  return true;
}

const WifiCredentials kRouter{"tapbench-router", "router passphrase 1"};

}  // namespace

TEST_CASE("radio: hostapd AP up, a station joins on the known channel through every phase, DHCP, ping") {
  TAPBENCH_REQUIRE_RADIO_LAB(l);
  const auto& clock = RealClock::instance();
  HostapdAccessPoint ap(l.ap, clock, l.ap_netns);
  auto up = ap.start({kRouter, 6, DhcpPool{}}, 10s);
  record(l, "ap-start", up.phases);
  CHECK(up.freq_mhz == 2437);
  CHECK(up.bssid.size() == 17);

  SupplicantStation sta(l.sta, clock, l.sta_netns);
  auto joined = sta.join({kRouter, 2437, 20s, true, 10s});
  record(l, "station-joins-ap", joined.phases);
  CHECK(joined.ip_address.starts_with("192.168.77."));
  // IP traffic really crosses the simulated air (the station's radio is in its own namespace).
  auto ping = run_bounded(in_netns(l.sta_netns, {"ping", "-c", "1", "-W", "3", "192.168.77.1"}), 5s);
  CHECK_MESSAGE(ping.exit_status == 0, ping.output);
  CHECK(joined.bssid == up.bssid);
  CHECK(joined.freq_mhz == 2437);
  CHECK(ordered(joined.phases));
  auto k = kinds(joined.phases);
  REQUIRE(k.size() >= 6);
  CHECK(k.front() == LinkPhase::kRequested);
  CHECK(first_of(joined.phases, LinkPhase::kScanStarted));
  CHECK(first_of(joined.phases, LinkPhase::kScanResults));
  // The radio-level tail, in the order 802.11 mandates.
  CHECK(std::vector<LinkPhase>(k.end() - 4, k.end()) ==
        std::vector<LinkPhase>{LinkPhase::kAssociating, LinkPhase::kAssociated, LinkPhase::kConnected,
                               LinkPhase::kIpAddress});
  // hostapd sees the station: AP-STA-CONNECTED with the station's MAC, after the station's connected stamp
  // is not guaranteed (two daemons, two sockets), but within the join.
  CHECK(ap.stations().size() == 1);
  auto seen = ap.wait_station(5s);
  CHECK(seen.mac == ap.stations().front());
  CHECK(seen.stamp.at >= joined.phases.front().at);
  record(l, "ap-sees-station", {joined.phases.front(), seen.stamp});
  sta.leave();
}

TEST_CASE("radio: wrong passphrase → kWrongPassphrase from the real 4-way handshake") {
  TAPBENCH_REQUIRE_RADIO_LAB(l);
  const auto& clock = RealClock::instance();
  HostapdAccessPoint ap(l.ap, clock, l.ap_netns);
  ap.start({kRouter, 6}, 10s);
  SupplicantStation sta(l.sta, clock);
  try {
    sta.join({{kRouter.ssid, "not the router passphrase"}, 2437, 30s});
    FAIL("joined with a wrong passphrase");
  } catch (const WifiError& e) {
    record(l, "wrong-passphrase", e.phases());
    CHECK(e.code() == WifiErrc::kWrongPassphrase);
    CHECK(first_of(e.phases(), LinkPhase::kAssociated));
    CHECK_FALSE(first_of(e.phases(), LinkPhase::kConnected));
    CHECK(std::string(e.what()).find("not the router passphrase") == std::string::npos);
  }
}

TEST_CASE("radio: an SSID nobody beacons → kNetworkNotFound at the deadline") {
  TAPBENCH_REQUIRE_RADIO_LAB(l);
  const auto& clock = RealClock::instance();
  SupplicantStation sta(l.sta, clock);
  try {
    sta.join({{"tapbench-nowhere", "whatever passphrase"}, 2437, 3s});
    FAIL("joined a network that does not exist");
  } catch (const WifiError& e) {
    record(l, "network-not-found", e.phases());
    CHECK(e.code() == WifiErrc::kNetworkNotFound);
    CHECK(first_of(e.phases(), LinkPhase::kScanResults));
  }
}

TEST_CASE("radio: autonomous P2P GO with fixed credentials; a legacy station joins it") {
  TAPBENCH_REQUIRE_RADIO_LAB(l);
  const auto& clock = RealClock::instance();
  SupplicantP2pGroupOwner go(l.go, clock);
  const WifiCredentials group{"DIRECT-tb-printer", "handover-passphrase"};
  DhcpPool p2p_pool{"192.168.49.1/24", "192.168.49.10", "192.168.49.50", "255.255.255.0"};
  auto up = go.start({group, 2437, p2p_pool}, 10s);
  record(l, "p2p-go-start", up.phases);
  CHECK(up.ssid == group.ssid);
  CHECK(up.freq_mhz == 2437);
  CHECK_FALSE(up.group_ifname.empty());
  for (const auto& p : up.phases)
    CHECK(p.detail.find(group.passphrase) == std::string::npos);

  SupplicantStation phone(l.sta, clock, l.sta_netns);
  auto joined = phone.join({group, 2437, 20s, true, 10s});
  record(l, "station-joins-go", joined.phases);
  CHECK(kinds(joined.phases).back() == LinkPhase::kIpAddress);
  CHECK(joined.ip_address.starts_with("192.168.49."));
  // The printer side: the GO's group interface reports the phone.
  auto seen = go.wait_station(5s);
  CHECK(seen.mac.size() == 17);
  record(l, "go-sees-station", {joined.phases.front(), seen.stamp});
  phone.leave();
  go.stop();
}

TEST_CASE("radio: the whole scene at once — printer GO + phone in its group, printer station on the router") {
  TAPBENCH_REQUIRE_RADIO_LAB(l);
  const char* printer_sta = std::getenv("RADIO_PRINTER_STA_CTRL");
  REQUIRE(printer_sta != nullptr);
  const auto& clock = RealClock::instance();
  HostapdAccessPoint router(l.ap, clock, l.ap_netns);
  router.start({kRouter, 11, DhcpPool{}}, 10s);
  SupplicantP2pGroupOwner go(l.go, clock);
  const WifiCredentials group{"DIRECT-tb-scene", "scene-passphrase"};
  DhcpPool p2p_pool{"192.168.49.1/24", "192.168.49.10", "192.168.49.50", "255.255.255.0"};
  go.start({group, 2412, p2p_pool}, 10s);

  SupplicantStation phone(l.sta, clock, l.sta_netns);
  auto phone_in = phone.join({group, 2412, 20s, true, 10s});
  record(l, "scene-phone-joins-go", phone_in.phases);
  // The printer joins the router with the credentials the phone handed over, while its group stays up.
  SupplicantStation printer(printer_sta, clock);
  auto printer_in = printer.join({kRouter, 2462, 20s, true, 10s});
  record(l, "scene-printer-joins-router", printer_in.phases);
  CHECK(phone_in.ip_address.starts_with("192.168.49."));
  CHECK(printer_in.ip_address.starts_with("192.168.77."));
  CHECK(printer_in.freq_mhz == 2462);
  CHECK(router.wait_station(5s).mac.size() == 17);
  printer.leave();
  phone.leave();
  go.stop();
  router.stop();
}

TEST_CASE("radio: a group without a DHCP server → kDhcpFailed after the link came up") {
  TAPBENCH_REQUIRE_RADIO_LAB(l);
  const auto& clock = RealClock::instance();
  SupplicantP2pGroupOwner go(l.go, clock);
  const WifiCredentials group{"DIRECT-tb-nodhcp", "handover-passphrase"};
  go.start({group, 2437}, 10s);
  SupplicantStation phone(l.sta, clock, l.sta_netns);
  try {
    phone.join({group, 2437, 20s, true, 2s});
    FAIL("got a lease from a group without a DHCP server");
  } catch (const WifiError& e) {
    record(l, "dhcp-failed", e.phases());
    CHECK(e.code() == WifiErrc::kDhcpFailed);
    CHECK(first_of(e.phases(), LinkPhase::kConnected));
    CHECK_FALSE(first_of(e.phases(), LinkPhase::kIpAddress));
  }
  go.stop();
}

TEST_CASE("radio: hostapd killed → the station's role sees the link drop, the AP role kDaemonGone") {
  TAPBENCH_REQUIRE_RADIO_LAB(l);
  const auto& clock = RealClock::instance();
  HostapdAccessPoint ap(l.ap, clock, l.ap_netns);
  ap.start({kRouter, 6}, 10s);
  SupplicantStation sta(l.sta, clock, l.sta_netns);
  sta.join({kRouter, 2437, 20s});

  const char* pid = std::getenv("RADIO_ROUTER_PID");
  REQUIRE(pid != nullptr);
  WpaCtrl watch(l.sta, clock);
  watch.attach();
  REQUIRE(std::system((std::string("kill -9 ") + pid).c_str()) == 0);
  // The station notices the AP is gone (beacon loss / deauth): CTRL-EVENT-DISCONNECTED.
  auto e = watch.wait_event([](const WpaEvent& ev) { return ev.is("CTRL-EVENT-DISCONNECTED"); }, 30s,
                            "CTRL-EVENT-DISCONNECTED");
  CHECK(e.field("bssid").has_value());
  try {
    ap.stations();
    FAIL("a dead hostapd answered");
  } catch (const WifiError& err) {
    CHECK(err.code() == WifiErrc::kDaemonGone);
  }
}
