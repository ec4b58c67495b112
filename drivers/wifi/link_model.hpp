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
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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
// Shared by every link-model role of a bench; thread-safe. Two backings, same behaviour:
// - in-process (LinkModelAir()): unit tests, and benches where printer and phone live in one process;
// - a directory (LinkModelAir(DIR), spec "link-model:DIR"): several processes share one air — printerd
//   brings its P2P group up in it and the rig's phone station joins it. Layout: DIR/networks/<bssid>.json,
//   one file per network (0600: it holds the passphrase, like a daemon's config), each replaced atomically
//   (temp file + rename), and DIR/air.json (format version, next BSSID). Every operation holds an exclusive
//   flock(2) on DIR/air.lock, so association state (stations, joins, leases) never races. A network whose
//   owning process has exited (kill -9 included) drops off the air at the next operation: "AP gone".
//   Stamps are steady_clock instants, which are machine-wide (CLOCK_MONOTONIC), so they compare across
//   processes on a RealClock.
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
    int owner_pid = 0;  // directory air: the process that put it on the air (0: in-process air)
  };
  struct State {
    std::vector<Network> networks;
    int next_id = 1;
  };
  class Store;

  // In-process air.
  LinkModelAir();
  // Directory-backed air, shared by every process that opens the same DIR (created 0700 if missing).
  // Throws WifiError(kIo) naming the path if it cannot be created or locked, or holds an unreadable file.
  explicit LinkModelAir(const std::filesystem::path& dir);
  ~LinkModelAir();
  LinkModelAir(const LinkModelAir&) = delete;
  LinkModelAir& operator=(const LinkModelAir&) = delete;

  // "link-model" → in-process, "link-model:DIR" → directory-backed; WifiError(kBadArgument) otherwise.
  static std::unique_ptr<LinkModelAir> open(std::string_view spec);
  // The directory of a shared air; empty for an in-process one.
  const std::filesystem::path& directory() const;

  // Puts a network on the air; returns its (locally administered) BSSID.
  std::string add(const WifiCredentials& credentials, int freq_mhz,
                  std::optional<DhcpPool> dhcp = std::nullopt);
  // The next address of the network's pool; nullopt when it serves none (or the pool is exhausted).
  std::optional<std::string> lease(const std::string& bssid);
  void remove(const std::string& bssid);
  // The network beaconing `ssid` (on `freq_mhz` when given).
  std::optional<Network> find(const std::string& ssid, std::optional<int> freq_mhz) const;
  // Every network on the air, in BSSID order (what a full scan would list).
  std::vector<Network> networks() const;
  // False if the network left the air meanwhile.
  bool associate(const std::string& bssid, const std::string& station_mac, MonotonicTime at);
  void disassociate(const std::string& bssid, const std::string& station_mac);
  std::vector<std::string> stations(const std::string& bssid) const;
  // Joins of `bssid` from index `from` on.
  std::vector<StationJoined> joins_since(const std::string& bssid, std::size_t from) const;

 private:
  std::unique_ptr<Store> store_;
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
