// Role interface: a station joining a WPA2-PSK network with known credentials — the phone joining the
// printer's P2P group with what it read over NFC, and the printer joining the router with the handed-over
// credentials. Backends: SupplicantStation (real wpa_supplicant), LinkModelStation (the link model).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "drivers/wifi/credentials.hpp"
#include "drivers/wifi/link_phase.hpp"

namespace tapbench::wifi {

struct JoinRequest {
  WifiCredentials credentials;
  // The channel when known (from the NFC token): scanning only it takes 0.2-0.7 s instead of ≈ 4.3 s.
  std::optional<int> freq_mhz;
  std::chrono::milliseconds timeout{15000};
  // After the handshake, obtain an address by DHCP (phase ip-address; kDhcpFailed when none comes).
  bool obtain_address = false;
  std::chrono::milliseconds dhcp_timeout{5000};
};

struct Joined {
  std::string bssid;
  int freq_mhz = 0;
  std::string ip_address;          // with obtain_address
  std::vector<PhaseStamp> phases;  // kRequested, kScanStarted, kScanResults, kAssociating, kAssociated,
                                   // kConnected, [kIpAddress] (in that order; scans may repeat)
};

class Station {
 public:
  virtual ~Station() = default;
  // Joins and returns once the 4-way handshake is done. Throws WifiError carrying the phases reached:
  // kWrongPassphrase, kNetworkNotFound, kAssociationRejected, kTimeout, kDaemonGone, kNoDaemon, kBadArgument,
  // kDhcpFailed (the link came up, no lease: the network is left again).
  virtual Joined join(const JoinRequest& request) = 0;
  // Disconnects and forgets the network joined. Idempotent.
  virtual void leave() = 0;
};

}  // namespace tapbench::wifi
