// Runs ON THE HOST against the radio-lab VM started by `radio-lab up` (integration_wifi_radio_relay): the
// Wi-Fi roles drive real hostapd / wpa_supplicant on mac80211_hwsim radios through tapbench-wpa-ctrl-relay
// and qemu's port forwarding — the way a rig on the host uses the hwsim bench. Addresses come from
// SHARE/radio-lab/host.env (RADIO_*_CTRL=tcp:127.0.0.1:PORT). Without them every case skips, unless
// RADIO_LAB_REQUIRED is set (then a missing lab fails).
#include <doctest/doctest.h>

#include <cstdlib>

#include "drivers/wifi/ctrl_channel.hpp"
#include "drivers/wifi/hostapd_access_point.hpp"
#include "drivers/wifi/supplicant_p2p_group_owner.hpp"
#include "drivers/wifi/supplicant_station.hpp"
#include "drivers/wifi/wifi_error.hpp"

using namespace tapbench;
using namespace tapbench::wifi;
using namespace std::chrono_literals;

namespace {

struct RelayLab {
  std::string router, phone, printer_go, printer_sta;
};

std::optional<RelayLab> relay_lab() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  RelayLab l{env("RADIO_ROUTER_CTRL"), env("RADIO_PHONE_CTRL"), env("RADIO_PRINTER_GO_CTRL"),
             env("RADIO_PRINTER_STA_CTRL")};
  if (!is_relayed(l.router) || !is_relayed(l.phone) || !is_relayed(l.printer_go) ||
      !is_relayed(l.printer_sta)) {
    return std::nullopt;
  }
  return l;
}

#define TAPBENCH_REQUIRE_RELAY_LAB(var)                                                                   \
  auto var##_opt = relay_lab();                                                                           \
  if (!var##_opt) {                                                                                       \
    if (std::getenv("RADIO_LAB_REQUIRED")) FAIL("no relayed radio lab: source SHARE/radio-lab/host.env"); \
    MESSAGE("SKIPPED: needs `radio-lab up` (RADIO_*_CTRL=tcp:… from SHARE/radio-lab/host.env)");          \
    return;                                                                                               \
  }                                                                                                       \
  const RelayLab& var = *var##_opt

const WifiCredentials kRouter{"tapbench-router", "router passphrase 1"};

}  // namespace

TEST_CASE("relayed: the router AP up, the printer's station joins it through every phase") {
  TAPBENCH_REQUIRE_RELAY_LAB(l);
  const auto& clock = RealClock::instance();
  HostapdAccessPoint router(l.router, clock);
  auto up = router.start({kRouter, 6}, 10s);
  CHECK(up.freq_mhz == 2437);
  SupplicantStation printer(l.printer_sta, clock);
  auto joined = printer.join({kRouter, 2437, 20s});
  CHECK(joined.bssid == up.bssid);
  CHECK(first_of(joined.phases, LinkPhase::kScanResults));
  CHECK(first_of(joined.phases, LinkPhase::kAssociating));
  CHECK(first_of(joined.phases, LinkPhase::kAssociated));
  CHECK(joined.phases.back().phase == LinkPhase::kConnected);
  CHECK(router.wait_station(5s).mac.size() == 17);
  MESSAGE(
      "relayed join: connected after "
      << std::chrono::duration<double, std::milli>(*elapsed_to(joined.phases, LinkPhase::kConnected)).count()
      << " ms");
  printer.leave();
  router.stop();
}

TEST_CASE("relayed: wrong passphrase and DHCP requests give typed errors") {
  TAPBENCH_REQUIRE_RELAY_LAB(l);
  const auto& clock = RealClock::instance();
  HostapdAccessPoint router(l.router, clock);
  router.start({kRouter, 6}, 10s);
  SupplicantStation phone(l.phone, clock);
  try {
    phone.join({{kRouter.ssid, "not the router passphrase"}, 2437, 30s});
    FAIL("joined with a wrong passphrase");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kWrongPassphrase);
  }
  // DHCP must run next to the interface, in the VM: refused clearly instead of running udhcpc on the host.
  try {
    phone.join({kRouter, 2437, 20s, true, 5s});
    FAIL("ran DHCP through a relay");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kBadArgument);
  }
  router.stop();
}

TEST_CASE("relayed: the printer's P2P GO, the phone joins, the GO reports it on the P2P device socket") {
  TAPBENCH_REQUIRE_RELAY_LAB(l);
  const auto& clock = RealClock::instance();
  SupplicantP2pGroupOwner go(l.printer_go, clock);
  const WifiCredentials group{"DIRECT-tb-relayed", "handover-passphrase"};
  auto up = go.start({group, 2412}, 10s);
  CHECK(up.freq_mhz == 2412);
  SupplicantStation phone(l.phone, clock);
  auto joined = phone.join({group, 2412, 20s});
  CHECK(joined.phases.back().phase == LinkPhase::kConnected);
  auto seen = go.wait_station(5s);
  CHECK(seen.mac.size() == 17);
  phone.leave();
  go.stop();
}
