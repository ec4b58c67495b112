// The bench's Wi-Fi roles as drivers/wifi objects, and Wi-Fi errors as the runner's outcome classes.
//
// Roles (rig/bench/bench.hpp → drivers/wifi/wifi_factory.hpp):
//   hostapd / wpa_supplicant devices → the hostap backend on their control sockets. A device inside the
//     radio lab (`radio-lab: NAME`) takes its socket and network namespace from what `radio-lab-up`
//     exported (RADIO_ROUTER_CTRL, RADIO_PHONE_CTRL, RADIO_PRINTER_GO_CTRL, RADIO_PRINTER_STA_CTRL,
//     RADIO_*_NETNS; sim/radio-lab/checks/run-in-lab.sh, or radio-lab up's host.env for the tcp: relay);
//     otherwise CTRL_DIR/INTERFACE (the printer's P2P device: CTRL_DIR/p2p-dev-INTERFACE).
//   link-model devices → the link model. `air: NAME` is an in-process air shared by this run's roles;
//     `air: /a/path` (anything with a '/') is the directory-backed air at that path, which a printerd started
//     with `--radio link-model:/a/path` shares (drivers/wifi/link_model.hpp).
//
// Errors (WifiError → CaseFailure / BenchError, failure class "wifi-<errc>"): what the system under test
// got wrong is a FAIL (its group refuses the passphrase it announced, is not on the air, hands out no
// address); the bench's own equipment going wrong (the lab's router, a daemon that died, the rig's own
// timeout) is an ERROR, retried.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "drivers/wifi/access_point.hpp"
#include "drivers/wifi/link_model.hpp"
#include "drivers/wifi/p2p_group_owner.hpp"
#include "drivers/wifi/station.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "drivers/wifi/wifi_factory.hpp"
#include "rig/bench/bench.hpp"
#include "rig/runner/outcome.hpp"

namespace tapbench::rig {

// Whose radio failed: the system under test (the printer's group or station) or the bench (router, lab).
enum class WifiParty { kSystemUnderTest, kBench };

// "wifi-wrong-passphrase", "wifi-network-not-found", "wifi-dhcp-failed", "wifi-daemon-gone", …
std::string wifi_failure_class(wifi::WifiErrc code);
// The outcome a cycle ends with for this error: CaseFailure (FAIL) or BenchError (ERROR). Daemon gone / no
// daemon / driver I/O are always ERROR (the bench), whoever's radio it was.
CaseOutcome wifi_outcome(const wifi::WifiError& error, WifiParty party, const std::string& doing);

struct RadioRoles {
  wifi::WifiBackend backend = wifi::WifiBackend::kLinkModel;
  std::unique_ptr<wifi::LinkModelAir> air;  // link model only
  std::unique_ptr<wifi::AccessPoint> router;
  std::unique_ptr<wifi::P2pGroupOwner> printer_group;
  std::unique_ptr<wifi::Station> printer_station;
  std::unique_ptr<wifi::Station> phone;
  // DHCP needs the interface: false when a role is reached through the tcp: relay (a host rig driving the
  // radio lab from outside, `radio-lab up`); the cases then leave out the address phases.
  bool dhcp = true;
  // Where the hostap roles are reached (control socket paths or tcp: addresses; empty for the link model):
  // a strategy hands the printer's to printerd (--radio hostap:p2p=…,sta=…).
  std::string router_ctrl, printer_group_ctrl, printer_station_ctrl, phone_ctrl;
  // The phone's network namespace (RADIO_PHONE_NETNS in the radio lab; empty: none of its own).
  std::string phone_netns;
};

// The router network the bench declares (passphrase from the file or its environment variable); nullopt
// with `why` when the router device has none.
std::optional<wifi::WifiCredentials> router_credentials(const Bench& bench, int& channel, std::string& why);

// Builds the four roles. Throws CaseSkip when the bench lacks one of the radio roles, BenchError
// ("radio-lab-not-up", "wifi-bad-argument") when a role cannot be reached as configured.
// `wait` is how link-model time passes (default: sleep_on(clock); tests: advance a ManualClock).
// `air_dir`, when given, is the air of the link-model roles whatever the bench's `air:` says: a strategy that
// starts printerd with `--radio link-model:DIR` passes the same DIR (e.g. RUN/air) so that the phone and the
// router are in printerd's air.
RadioRoles make_radio_roles(const Bench& bench, const Clock& clock, wifi::WaitUntil wait = {},
                            const std::filesystem::path& air_dir = {});

}  // namespace tapbench::rig
