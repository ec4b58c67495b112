// THE LINK MODEL — a simulated radio link for benches without the radio-lab VM (the sim bench). It is a
// model, not a radio: no 802.11 frames, no hostapd, no wpa_supplicant. It keeps what matters to the rig:
// - the same roles (AccessPoint, P2pGroupOwner, Station) and the same phases in the same order;
// - the same typed errors: the station checks the passphrase like the AP's 4-way handshake would
//   (constant-time compare) → kWrongPassphrase; no DHCP pool on the network → kDhcpFailed after the DHCP
//   timeout; an SSID absent from the air (or on another channel than the
//   one given) → kNetworkNotFound after the join's timeout; a join that cannot finish in time → kTimeout;
// - modelled durations (LinkModelTiming) taken from what real daemons measured on mac80211_hwsim
//   (docs/RADIO-LAB.md), which pass on the injected clock through a WaitUntil (sleep_on() on a real clock,
//   ManualClock::advance in tests).
// Every phase detail starts with "link-model:" so a report never passes a modelled run off as a radio run.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "drivers/wifi/access_point.hpp"
#include "drivers/wifi/p2p_group_owner.hpp"
#include "drivers/wifi/station.hpp"

namespace tapbench::wifi {

struct LinkModelTiming {
  std::chrono::milliseconds ap_start{350};            // hostapd to AP-ENABLED: 0.33-0.37 s
  std::chrono::milliseconds go_start{150};            // P2P_GROUP_ADD to P2P-GROUP-STARTED: 0.14-0.18 s
  std::chrono::milliseconds scan_one_channel{250};    // scan_freq set
  std::chrono::milliseconds scan_all_channels{4000};  // full scan (join with full scan: ≈ 4.3 s)
  std::chrono::milliseconds association{60};
  std::chrono::milliseconds handshake{40};  // 4-way handshake
  std::chrono::milliseconds dhcp{280};      // connected → lease (busybox udhcpc/udhcpd): 0.27-0.29 s
};

// The modelled air: which networks beacon where, with which credentials, and who is associated.
// Shared by every link-model role of a bench; thread-safe.
class LinkModelAir {
 public:
  struct Network {
    std::string bssid;
    WifiCredentials credentials;
    int freq_mhz = 0;
    std::vector<std::string> stations;
    std::vector<StationJoined> joins;  // every completed join, in order (what AP-STA-CONNECTED would say)
    std::optional<DhcpPool> dhcp;      // the AP / GO serves addresses
    int leases = 0;
  };
  // Puts a network on the air; returns its (locally administered) BSSID.
  std::string add(const WifiCredentials& credentials, int freq_mhz,
                  std::optional<DhcpPool> dhcp = std::nullopt);
  // The next address of the network's pool; nullopt when it serves none (or the pool is exhausted).
  std::optional<std::string> lease(const std::string& bssid);
  void remove(const std::string& bssid);
  // The network beaconing `ssid` (on `freq_mhz` when given).
  std::optional<Network> find(const std::string& ssid, std::optional<int> freq_mhz) const;
  // False if the network left the air meanwhile.
  bool associate(const std::string& bssid, const std::string& station_mac, MonotonicTime at);
  void disassociate(const std::string& bssid, const std::string& station_mac);
  std::vector<std::string> stations(const std::string& bssid) const;
  // Joins of `bssid` from index `from` on.
  std::vector<StationJoined> joins_since(const std::string& bssid, std::size_t from) const;

 private:
  mutable std::mutex mutex_;
  std::vector<Network> networks_;
  int next_id_ = 1;
};

class LinkModelAccessPoint final : public AccessPoint {
 public:
  LinkModelAccessPoint(LinkModelAir& air, const Clock& clock, WaitUntil wait_until,
                       LinkModelTiming timing = {});
  ~LinkModelAccessPoint() override;
  ApUp start(const ApConfig& config, std::chrono::milliseconds timeout) override;
  void stop() override;
  std::vector<std::string> stations() override;
  StationJoined wait_station(std::chrono::milliseconds timeout) override;

 private:
  LinkModelAir& air_;
  const Clock& clock_;
  WaitUntil wait_until_;
  LinkModelTiming timing_;
  std::string bssid_;
  std::size_t reported_ = 0;
};

class LinkModelP2pGroupOwner final : public P2pGroupOwner {
 public:
  LinkModelP2pGroupOwner(LinkModelAir& air, const Clock& clock, WaitUntil wait_until,
                         LinkModelTiming timing = {});
  ~LinkModelP2pGroupOwner() override;
  GoUp start(const GoConfig& config, std::chrono::milliseconds timeout) override;
  void stop() override;
  StationJoined wait_station(std::chrono::milliseconds timeout) override;

 private:
  LinkModelAir& air_;
  const Clock& clock_;
  WaitUntil wait_until_;
  LinkModelTiming timing_;
  std::string bssid_;
  std::size_t reported_ = 0;
};

class LinkModelStation final : public Station {
 public:
  LinkModelStation(LinkModelAir& air, const Clock& clock, WaitUntil wait_until, LinkModelTiming timing = {},
                   std::string mac = "02:00:00:00:ff:01");
  ~LinkModelStation() override;
  Joined join(const JoinRequest& request) override;
  void leave() override;

 private:
  LinkModelAir& air_;
  const Clock& clock_;
  WaitUntil wait_until_;
  LinkModelTiming timing_;
  std::string mac_;
  std::string joined_bssid_;
};

}  // namespace tapbench::wifi
