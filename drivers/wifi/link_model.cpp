#include "drivers/wifi/link_model.hpp"

#include <algorithm>
#include <cstdio>

#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

using std::chrono::milliseconds;

// --- the air
// ------------------------------------------------------------------------------------------------

std::string LinkModelAir::add(const WifiCredentials& credentials, int freq_mhz,
                              std::optional<DhcpPool> dhcp) {
  std::lock_guard lock(mutex_);
  char bssid[18];
  std::snprintf(bssid, sizeof(bssid), "02:00:00:00:%02x:00", next_id_++ & 0xff);
  networks_.push_back({bssid, credentials, freq_mhz, {}, {}, std::move(dhcp), 0});
  return bssid;
}

std::optional<std::string> LinkModelAir::lease(const std::string& bssid) {
  std::lock_guard lock(mutex_);
  for (auto& n : networks_) {
    if (n.bssid != bssid || !n.dhcp) continue;
    // Pools are within one /24 here: vary the last octet from `first` to `last`.
    auto prefix = n.dhcp->first.substr(0, n.dhcp->first.rfind('.') + 1);
    int first = std::stoi(n.dhcp->first.substr(prefix.size()));
    int last = std::stoi(n.dhcp->last.substr(n.dhcp->last.rfind('.') + 1));
    if (first + n.leases > last) return std::nullopt;
    return prefix + std::to_string(first + n.leases++);
  }
  return std::nullopt;
}

void LinkModelAir::remove(const std::string& bssid) {
  std::lock_guard lock(mutex_);
  std::erase_if(networks_, [&](const Network& n) { return n.bssid == bssid; });
}

std::optional<LinkModelAir::Network> LinkModelAir::find(const std::string& ssid,
                                                        std::optional<int> freq_mhz) const {
  std::lock_guard lock(mutex_);
  for (const auto& n : networks_) {
    if (n.credentials.ssid == ssid && (!freq_mhz || *freq_mhz == n.freq_mhz)) return n;
  }
  return std::nullopt;
}

bool LinkModelAir::associate(const std::string& bssid, const std::string& station_mac, MonotonicTime at) {
  std::lock_guard lock(mutex_);
  for (auto& n : networks_) {
    if (n.bssid == bssid) {
      if (std::find(n.stations.begin(), n.stations.end(), station_mac) == n.stations.end()) {
        n.stations.push_back(station_mac);
      }
      n.joins.push_back(
          {station_mac, {LinkPhase::kStationJoined, at, "link-model: AP-STA-CONNECTED " + station_mac}});
      return true;
    }
  }
  return false;
}

void LinkModelAir::disassociate(const std::string& bssid, const std::string& station_mac) {
  std::lock_guard lock(mutex_);
  for (auto& n : networks_) {
    if (n.bssid == bssid) std::erase(n.stations, station_mac);
  }
}

std::vector<std::string> LinkModelAir::stations(const std::string& bssid) const {
  std::lock_guard lock(mutex_);
  for (const auto& n : networks_) {
    if (n.bssid == bssid) return n.stations;
  }
  return {};
}

std::vector<StationJoined> LinkModelAir::joins_since(const std::string& bssid, std::size_t from) const {
  std::lock_guard lock(mutex_);
  for (const auto& n : networks_) {
    if (n.bssid == bssid && from < n.joins.size())
      return {n.joins.begin() + static_cast<long>(from), n.joins.end()};
  }
  return {};
}

namespace {

// Polls the air for the next join (every 10 ms of the clock) until `timeout`: the modelled AP-STA-CONNECTED.
StationJoined wait_join(const LinkModelAir& air, const std::string& bssid, std::size_t& reported,
                        const Clock& clock, const WaitUntil& wait_until, milliseconds timeout,
                        std::string_view role) {
  if (bssid.empty()) throw WifiError(WifiErrc::kBadArgument, std::string(role) + ": not started");
  const auto deadline = clock.monotonic_now() + timeout;
  for (;;) {
    auto joins = air.joins_since(bssid, reported);
    if (!joins.empty()) {
      ++reported;
      return joins.front();
    }
    auto now = clock.monotonic_now();
    if (now >= deadline) {
      throw WifiError(WifiErrc::kTimeout, std::string(role) + " (link model): no station joined within " +
                                              std::to_string(timeout.count()) + " ms");
    }
    wait_until(std::min(now + milliseconds{10}, deadline));
  }
}

// Lets `d` of modelled time pass, unless that would cross `deadline`: then waits until the deadline and
// returns false.
bool pass(const Clock& clock, const WaitUntil& wait_until, milliseconds d, MonotonicTime deadline) {
  auto target = clock.monotonic_now() + d;
  if (target > deadline) {
    wait_until(deadline);
    return false;
  }
  wait_until(target);
  return true;
}

}  // namespace

// --- access point
// ---------------------------------------------------------------------------------------------

LinkModelAccessPoint::LinkModelAccessPoint(LinkModelAir& air, const Clock& clock, WaitUntil wait_until,
                                           LinkModelTiming timing)
    : air_(air), clock_(clock), wait_until_(std::move(wait_until)), timing_(timing) {}

LinkModelAccessPoint::~LinkModelAccessPoint() {
  stop();
}

ApUp LinkModelAccessPoint::start(const ApConfig& config, milliseconds timeout) {
  validate(config.credentials);
  const int freq = channel_to_freq_mhz(config.channel);
  stop();
  ApUp up;
  const auto t0 = clock_.monotonic_now();
  up.phases.push_back({LinkPhase::kRequested, t0, "link-model: AP start requested"});
  if (!pass(clock_, wait_until_, timing_.ap_start, t0 + timeout)) {
    throw WifiError(WifiErrc::kTimeout,
                    "link-model AP did not come up within " + std::to_string(timeout.count()) + " ms",
                    up.phases);
  }
  bssid_ = air_.add(config.credentials, freq, config.dhcp_server);
  reported_ = 0;
  up.bssid = bssid_;
  up.freq_mhz = freq;
  up.phases.push_back({LinkPhase::kApEnabled, clock_.monotonic_now(), "link-model: AP-ENABLED"});
  return up;
}

void LinkModelAccessPoint::stop() {
  if (bssid_.empty()) return;
  air_.remove(bssid_);
  bssid_.clear();
}

StationJoined LinkModelAccessPoint::wait_station(milliseconds timeout) {
  return wait_join(air_, bssid_, reported_, clock_, wait_until_, timeout, "access point");
}

std::vector<std::string> LinkModelAccessPoint::stations() {
  return bssid_.empty() ? std::vector<std::string>{} : air_.stations(bssid_);
}

// --- P2P group owner
// ------------------------------------------------------------------------------------------

LinkModelP2pGroupOwner::LinkModelP2pGroupOwner(LinkModelAir& air, const Clock& clock, WaitUntil wait_until,
                                               LinkModelTiming timing)
    : air_(air), clock_(clock), wait_until_(std::move(wait_until)), timing_(timing) {}

LinkModelP2pGroupOwner::~LinkModelP2pGroupOwner() {
  stop();
}

GoUp LinkModelP2pGroupOwner::start(const GoConfig& config, milliseconds timeout) {
  validate(config.credentials);
  validate_p2p_ssid(config.credentials.ssid);
  stop();
  GoUp up;
  const auto t0 = clock_.monotonic_now();
  up.phases.push_back({LinkPhase::kRequested, t0, "link-model: P2P group requested"});
  if (!pass(clock_, wait_until_, timing_.go_start, t0 + timeout)) {
    throw WifiError(WifiErrc::kTimeout,
                    "link-model P2P GO did not come up within " + std::to_string(timeout.count()) + " ms",
                    up.phases);
  }
  bssid_ = air_.add(config.credentials, config.freq_mhz, config.dhcp_server);
  reported_ = 0;
  up.group_ifname = "model-go-0";
  up.ssid = config.credentials.ssid;
  up.freq_mhz = config.freq_mhz;
  up.phases.push_back({LinkPhase::kGroupStarted, clock_.monotonic_now(),
                       "link-model: P2P-GROUP-STARTED GO freq=" + std::to_string(config.freq_mhz)});
  return up;
}

StationJoined LinkModelP2pGroupOwner::wait_station(milliseconds timeout) {
  return wait_join(air_, bssid_, reported_, clock_, wait_until_, timeout, "P2P group owner");
}

void LinkModelP2pGroupOwner::stop() {
  if (bssid_.empty()) return;
  air_.remove(bssid_);
  bssid_.clear();
}

// --- station
// --------------------------------------------------------------------------------------------------

LinkModelStation::LinkModelStation(LinkModelAir& air, const Clock& clock, WaitUntil wait_until,
                                   LinkModelTiming timing, std::string mac)
    : air_(air), clock_(clock), wait_until_(std::move(wait_until)), timing_(timing), mac_(std::move(mac)) {}

LinkModelStation::~LinkModelStation() {
  leave();
}

Joined LinkModelStation::join(const JoinRequest& req) {
  validate(req.credentials);
  leave();
  Joined joined;
  auto& phases = joined.phases;
  const auto t0 = clock_.monotonic_now();
  const auto deadline = t0 + req.timeout;
  const std::string what = "join '" + req.credentials.ssid + "' (link model): ";
  auto timeout = [&](const std::string& where) {
    return WifiError(
        WifiErrc::kTimeout,
        what + "not connected within " + std::to_string(req.timeout.count()) + " ms (" + where + ")", phases);
  };
  phases.push_back({LinkPhase::kRequested, t0, "link-model: join requested"});

  // Scan (one channel when known) until the SSID shows up or the deadline passes, like wpa_supplicant.
  const auto scan_time = req.freq_mhz ? timing_.scan_one_channel : timing_.scan_all_channels;
  std::optional<LinkModelAir::Network> network;
  int scans = 0;
  while (!network) {
    phases.push_back(
        {LinkPhase::kScanStarted, clock_.monotonic_now(), "link-model: CTRL-EVENT-SCAN-STARTED"});
    if (!pass(clock_, wait_until_, scan_time, deadline)) break;
    ++scans;
    phases.push_back(
        {LinkPhase::kScanResults, clock_.monotonic_now(), "link-model: CTRL-EVENT-SCAN-RESULTS"});
    network = air_.find(req.credentials.ssid, req.freq_mhz);
  }
  if (!network) {
    if (scans == 0) throw timeout("first scan not finished");
    throw WifiError(WifiErrc::kNetworkNotFound,
                    what + "not found in " + std::to_string(scans) + " scan(s)" +
                        (req.freq_mhz ? " on " + std::to_string(*req.freq_mhz) + " MHz" : ""),
                    phases);
  }

  phases.push_back({LinkPhase::kAssociating, clock_.monotonic_now(),
                    "link-model: Trying to associate with " + network->bssid});
  if (!pass(clock_, wait_until_, timing_.association, deadline)) throw timeout("associating");
  phases.push_back(
      {LinkPhase::kAssociated, clock_.monotonic_now(), "link-model: Associated with " + network->bssid});
  if (!pass(clock_, wait_until_, timing_.handshake, deadline)) throw timeout("4-way handshake");
  // The AP side of the 4-way handshake: the station's PTK only matches when the passphrases do.
  if (!same_secret(network->credentials.passphrase, req.credentials.passphrase)) {
    throw WifiError(WifiErrc::kWrongPassphrase,
                    what + "4-way handshake failed: wrong passphrase (link-model: reason=WRONG_KEY)", phases);
  }
  if (!air_.associate(network->bssid, mac_, clock_.monotonic_now()))
    throw timeout("the network left the air during the handshake");
  joined_bssid_ = network->bssid;
  joined.bssid = network->bssid;
  joined.freq_mhz = network->freq_mhz;
  phases.push_back({LinkPhase::kConnected, clock_.monotonic_now(),
                    "link-model: CTRL-EVENT-CONNECTED - Connection to " + network->bssid + " completed"});
  if (req.obtain_address) {
    auto ip = air_.lease(network->bssid);
    if (!ip) {
      // udhcpc keeps sending DISCOVERs until its timeout (or the join's deadline, whichever is first).
      auto give_up = std::min(clock_.monotonic_now() + req.dhcp_timeout, deadline);
      wait_until_(give_up);
      leave();
      throw WifiError(WifiErrc::kDhcpFailed,
                      what + "no DHCP lease within " + std::to_string(req.dhcp_timeout.count()) +
                          " ms (link-model: the network serves no addresses)",
                      phases);
    }
    if (!pass(clock_, wait_until_, timing_.dhcp, deadline)) {
      leave();
      throw timeout("DHCP");
    }
    joined.ip_address = *ip;
    phases.push_back({LinkPhase::kIpAddress, clock_.monotonic_now(), "link-model: DHCP lease ip=" + *ip});
  }
  return joined;
}

void LinkModelStation::leave() {
  if (joined_bssid_.empty()) return;
  air_.disassociate(joined_bssid_, mac_);
  joined_bssid_.clear();
}

}  // namespace tapbench::wifi
