#include "drivers/wifi/supplicant_p2p_group_owner.hpp"

#include "drivers/wifi/ctrl_channel.hpp"
#include "drivers/wifi/hostapd_access_point.hpp"

#include "drivers/wifi/supplicant_station.hpp"
#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

using std::chrono::milliseconds;

void validate_p2p_ssid(const std::string& ssid) {
  // Wi-Fi P2P spec 3.2.1: "DIRECT-" followed by two random characters, then an optional postfix.
  if (ssid.size() < 9 || !ssid.starts_with("DIRECT-")) {
    throw WifiError(WifiErrc::kBadArgument,
                    "a P2P group SSID must start with DIRECT- and two characters (got '" + ssid + "')");
  }
}

SupplicantP2pGroupOwner::SupplicantP2pGroupOwner(std::string ctrl_socket, const Clock& clock)
    : ctrl_socket_(std::move(ctrl_socket)), clock_(clock) {}

SupplicantP2pGroupOwner::~SupplicantP2pGroupOwner() {
  try {
    stop();
  } catch (const WifiError&) {
    // Daemon already gone: the group went with it.
  }
}

WpaCtrl& SupplicantP2pGroupOwner::ctrl() {
  if (!ctrl_) {
    ctrl_ = std::make_unique<WpaCtrl>(ctrl_socket_, clock_);
    ctrl_->attach();
  }
  return *ctrl_;
}

GoUp SupplicantP2pGroupOwner::start(const GoConfig& config, milliseconds timeout) {
  validate(config.credentials);
  validate_p2p_ssid(config.credentials.ssid);
  if (config.dhcp_server && is_relayed(ctrl_socket_)) {
    throw WifiError(WifiErrc::kBadArgument,
                    "P2P GO at " + ctrl_socket_ +
                        ": the DHCP server"
                        " runs on the machine of the interface: not available through a relay (tcp:) "
                        "address; run the rig in the radio-lab VM for DHCP");
  }
  auto& c = ctrl();
  stop();
  GoUp up;
  const int id = add_network(c);
  network_id_ = id;
  const std::string n = "SET_NETWORK " + std::to_string(id) + " ";
  c.request_ok(n + "ssid " + to_hex(config.credentials.ssid));
  c.request_ok(n + "psk \"" + config.credentials.passphrase + "\"");
  c.request_ok(n + "mode 3");
  c.request_ok(n + "disabled 2");
  c.request_ok(n + "proto RSN");
  c.request_ok(n + "key_mgmt WPA-PSK");
  c.request_ok(n + "pairwise CCMP");
  c.clear_events();
  up.phases.push_back({LinkPhase::kRequested, clock_.monotonic_now(), "P2P group requested"});
  try {
    c.request_ok(
        "P2P_GROUP_ADD persistent=" + std::to_string(id) + " freq=" + std::to_string(config.freq_mhz),
        timeout);
  } catch (const WifiError& e) {
    throw WifiError(e.code() == WifiErrc::kCommandFailed ? WifiErrc::kApStartFailed : e.code(), e.what(),
                    up.phases);
  }
  WpaEvent e = c.wait_event(
      [](const WpaEvent& ev) {
        return ev.is("P2P-GROUP-STARTED") || ev.is("P2P-GROUP-FORMATION-FAILURE") ||
               ev.is("CTRL-EVENT-TERMINATING");
      },
      timeout, "P2P-GROUP-STARTED");
  if (!e.is("P2P-GROUP-STARTED")) {
    throw WifiError(WifiErrc::kApStartFailed,
                    "wpa_supplicant at " + ctrl_socket_ + " did not start the group: " + e.text, up.phases);
  }
  // "P2P-GROUP-STARTED p2p-wlan0-0 GO ssid="DIRECT-.." freq=2437 passphrase="…" go_dev_addr=… [PERSISTENT]"
  std::string_view t(e.text);
  auto after = t.substr(t.find(' ') + 1);
  group_ifname_ = std::string(after.substr(0, after.find(' ')));
  up.group_ifname = group_ifname_;
  up.ssid = e.field("ssid").value_or(config.credentials.ssid);
  auto f = e.field("freq");
  up.freq_mhz = f ? std::stoi(*f) : config.freq_mhz;
  // The event text carries the passphrase: keep only what a report may show.
  up.phases.push_back({LinkPhase::kGroupStarted, e.at,
                       "P2P-GROUP-STARTED " + group_ifname_ + " GO freq=" + std::to_string(up.freq_mhz)});
  // The group interface gets its own socket in the same ctrl_interface directory. Through a relay only the
  // P2P device's socket is reachable: hostapd's code in wpa_supplicant copies AP-STA-CONNECTED to it.
  if (!is_relayed(ctrl_socket_)) {
    auto dir = ctrl_socket_.substr(0, ctrl_socket_.rfind('/') + 1);
    group_ctrl_ = std::make_unique<WpaCtrl>(dir + group_ifname_, clock_);
    group_ctrl_->attach();
    const std::string status = group_ctrl_->request("STATUS");
    up.bssid = status_value(status, "bssid");
    if (up.bssid.empty()) up.bssid = status_value(status, "address");
  }
  if (config.dhcp_server) dhcp_ = std::make_unique<BusyboxDhcpServer>(group_ifname_, *config.dhcp_server);
  return up;
}

StationJoined SupplicantP2pGroupOwner::wait_station(milliseconds timeout) {
  if (group_ifname_.empty())
    throw WifiError(WifiErrc::kBadArgument, "wait_station: the P2P group is not started");
  return wait_ap_sta_connected(group_ctrl_ ? *group_ctrl_ : *ctrl_, timeout);
}

void SupplicantP2pGroupOwner::stop() {
  dhcp_.reset();
  group_ctrl_.reset();
  if (!ctrl_) return;
  if (!group_ifname_.empty()) {
    auto ifname = group_ifname_;
    group_ifname_.clear();
    auto reply = ctrl_->request("P2P_GROUP_REMOVE " + ifname);
    if (reply == "OK\n") {
      ctrl_->wait_event([](const WpaEvent& ev) { return ev.is("P2P-GROUP-REMOVED"); }, milliseconds{5000},
                        "P2P-GROUP-REMOVED");
    }
  }
  if (network_id_) {
    auto id = *network_id_;
    network_id_.reset();
    ctrl_->request("REMOVE_NETWORK " + std::to_string(id));
  }
}

}  // namespace tapbench::wifi
