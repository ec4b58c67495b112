// Role interface: the printer's Wi-Fi Direct group, an autonomous (persistent) P2P group owner whose SSID and
// passphrase are fixed in advance, because the printer has already put them in its NFC handover message.
// Backends: SupplicantP2pGroupOwner (real wpa_supplicant), LinkModelP2pGroupOwner (the link model).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "drivers/wifi/access_point.hpp"
#include "drivers/wifi/credentials.hpp"
#include "drivers/wifi/link_phase.hpp"

namespace tapbench::wifi {

struct GoConfig {
  WifiCredentials credentials;  // SSID must be a P2P SSID: "DIRECT-" + 2 characters + optional postfix
  int freq_mhz = 2437;          // operating channel (the one the handover message announces)
  std::optional<DhcpPool> dhcp_server = std::nullopt;  // serve addresses on the group interface once it is up
};

struct GoUp {
  std::string group_ifname;  // e.g. "p2p-wlan0-0" (the model reports "model-go-0")
  // The group's BSSID, i.e. the GO's interface address the handover message announces (wpa_supplicant: the
  // group interface's STATUS; the model: its network's BSSID). Empty through a relay (tcp:), where only the
  // P2P device's socket is reachable.
  std::string bssid;
  std::string ssid;
  int freq_mhz = 0;
  std::vector<PhaseStamp> phases;  // kRequested, kGroupStarted
};

class P2pGroupOwner {
 public:
  virtual ~P2pGroupOwner() = default;
  // Starts the group. Throws WifiError: kBadArgument (not a DIRECT- SSID, bad passphrase), kApStartFailed,
  // kTimeout, kNoDaemon, kDaemonGone.
  virtual GoUp start(const GoConfig& config, std::chrono::milliseconds timeout) = 0;
  // Removes the group. Idempotent.
  virtual void stop() = 0;
  // The next client to finish joining the group (each reported once). Throws kTimeout, kDaemonGone.
  virtual StationJoined wait_station(std::chrono::milliseconds timeout) = 0;
};

// Throws kBadArgument unless `ssid` has the form the P2P spec requires ("DIRECT-xy...").
void validate_p2p_ssid(const std::string& ssid);

}  // namespace tapbench::wifi
