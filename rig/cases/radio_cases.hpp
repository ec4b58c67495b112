// The radio cases: the Wi-Fi half of the handover on the bench's radios, through drivers/wifi's roles
// (real hostapd / wpa_supplicant on mac80211_hwsim in the radio lab, or the link model on the sim bench).
//
// radio-handover — one cycle is the patent's radio scene: the router's AP comes up (bench), the printer's
//   P2P group comes up with a fresh DIRECT- SSID and passphrase (S13/S23), the phone joins it with those
//   credentials and gets an address from the group (S23), the group owner sees it; the printer's station
//   joins the router with the bench's router credentials and gets an address (S29), the router sees it.
//   Every daemon event is a phase edge: scan results, association, 4-way handshake (connected), DHCP lease.
// radio-faults — the typed errors on the same radios, each checked to arrive as its own class: a wrong
//   passphrase (kWrongPassphrase: FAIL wifi-wrong-passphrase when it is the printer's group), a group that
//   hands out no address (kDhcpFailed: FAIL wifi-dhcp-failed), the router gone from the air
//   (kNetworkNotFound: ERROR wifi-network-not-found). The case PASSes when each fault is reported as
//   such; the classes the runner would record are in the cycle's notes.
//
// The rig plays the printer's radio here (no printerd, no NFC): these cases measure the radio path of the
// bench, the flows with printerd are the provisioning / tap-to-print cases.
#pragma once

#include <memory>

#include "drivers/wifi/credentials.hpp"
#include "rig/runner/case.hpp"

namespace tapbench::rig {

CaseInfo radio_handover_info();
std::unique_ptr<Case> make_radio_handover_case(const CaseEnvironment& env);

CaseInfo radio_faults_info();
std::unique_ptr<Case> make_radio_faults_case(const CaseEnvironment& env);

// The same, with link-model time passing through `wait` (tests on a ManualClock advance it).
std::unique_ptr<Case> make_radio_case_waiting(const std::string& id, const CaseEnvironment& env,
                                              wifi::WaitUntil wait);

}  // namespace tapbench::rig
