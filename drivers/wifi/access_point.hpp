// Role interface: a WPA2-PSK access point (the home router of the patent's flow, step S41's target network).
// Backends: HostapdAccessPoint (real hostapd over its control socket), LinkModelAccessPoint (the link model).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "drivers/wifi/credentials.hpp"
#include "drivers/wifi/dhcp.hpp"
#include "drivers/wifi/link_phase.hpp"

namespace tapbench::wifi {

struct ApConfig {
  WifiCredentials credentials;
  int channel = 6;
  std::optional<DhcpPool> dhcp_server = std::nullopt;  // serve addresses on the AP's interface once it is up
};

// A station that completed its 4-way handshake with an AP or P2P GO (AP-STA-CONNECTED).
struct StationJoined {
  std::string mac;
  PhaseStamp stamp;  // kStationJoined
};

struct ApUp {
  std::string bssid;
  int freq_mhz = 0;
  std::vector<PhaseStamp> phases;  // kRequested, kApEnabled
};

class AccessPoint {
 public:
  virtual ~AccessPoint() = default;
  // (Re)configures and enables the AP; returns once it beacons. Throws WifiError: kBadArgument,
  // kApStartFailed, kTimeout, kNoDaemon, kDaemonGone.
  virtual ApUp start(const ApConfig& config, std::chrono::milliseconds timeout) = 0;
  // Disables the AP (stations are dropped). Idempotent.
  virtual void stop() = 0;
  // MAC addresses of the stations currently associated.
  virtual std::vector<std::string> stations() = 0;
  // The next station to finish joining since start() (each reported once). Throws kTimeout, kDaemonGone.
  virtual StationJoined wait_station(std::chrono::milliseconds timeout) = 0;
};

}  // namespace tapbench::wifi
