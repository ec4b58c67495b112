// The phases of bringing a Wi-Fi link up, as the report's timeline shows them. Real backends stamp them from
// hostapd / wpa_supplicant events; the link model stamps the same phases from its model.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/clock/clock.hpp"

namespace tapbench::wifi {

enum class LinkPhase {
  kRequested,      // the role was asked (join / start): t0 of the timeline
  kScanStarted,    // CTRL-EVENT-SCAN-STARTED
  kScanResults,    // CTRL-EVENT-SCAN-RESULTS
  kAssociating,    // "Trying to associate with <bssid>"
  kAssociated,     // "Associated with <bssid>"
  kConnected,      // CTRL-EVENT-CONNECTED: 4-way handshake done, keys installed
  kIpAddress,      // DHCP lease / static address configured
  kApEnabled,      // hostapd AP-ENABLED
  kGroupStarted,   // wpa_supplicant P2P-GROUP-STARTED (the GO is up)
  kStationJoined,  // AP side: AP-STA-CONNECTED (a station finished its handshake with this AP / GO)
  kDisconnected,   // CTRL-EVENT-DISCONNECTED / AP-DISABLED / P2P-GROUP-REMOVED
};

std::string_view to_string(LinkPhase phase);

struct PhaseStamp {
  LinkPhase phase = LinkPhase::kRequested;
  MonotonicTime at;
  std::string detail;  // the event text that produced it (never a passphrase or PSK)
};

// First stamp of `phase`, if reached.
std::optional<MonotonicTime> first_of(const std::vector<PhaseStamp>& phases, LinkPhase phase);
// Time from kRequested (or the first stamp) to the first stamp of `phase`; nullopt if not reached.
std::optional<std::chrono::nanoseconds> elapsed_to(const std::vector<PhaseStamp>& phases, LinkPhase phase);

}  // namespace tapbench::wifi
