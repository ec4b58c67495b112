#include "drivers/wifi/hostapd_access_point.hpp"

#include "drivers/wifi/ctrl_channel.hpp"
#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

using std::chrono::milliseconds;

std::string status_value(std::string_view reply, std::string_view key) {
  std::size_t pos = 0;
  while (pos < reply.size()) {
    auto end = reply.find('\n', pos);
    if (end == std::string_view::npos) end = reply.size();
    auto line = reply.substr(pos, end - pos);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == '=') {
      return std::string(line.substr(key.size() + 1));
    }
    pos = end + 1;
  }
  return "";
}

std::string ifname_of(const std::string& ctrl_socket) {
  return ctrl_socket.substr(ctrl_socket.rfind('/') + 1);
}

HostapdAccessPoint::HostapdAccessPoint(std::string ctrl_socket, const Clock& clock, std::string netns)
    : ctrl_socket_(std::move(ctrl_socket)), clock_(clock), netns_(std::move(netns)) {}

HostapdAccessPoint::~HostapdAccessPoint() = default;

WpaCtrl& HostapdAccessPoint::ctrl() {
  if (!ctrl_) {
    ctrl_ = std::make_unique<WpaCtrl>(ctrl_socket_, clock_);
    ctrl_->attach();
  }
  return *ctrl_;
}

ApUp HostapdAccessPoint::start(const ApConfig& config, milliseconds timeout) {
  validate(config.credentials);
  const int freq = channel_to_freq_mhz(config.channel);
  if (config.dhcp_server && is_relayed(ctrl_socket_)) {
    throw WifiError(WifiErrc::kBadArgument,
                    "AP at " + ctrl_socket_ +
                        ": the DHCP server"
                        " runs on the machine of the interface: not available through a relay (tcp:) "
                        "address; run the rig in the radio-lab VM for DHCP");
  }
  ApUp up;
  up.phases.push_back({LinkPhase::kRequested, clock_.monotonic_now(), "AP start requested"});
  auto& c = ctrl();
  c.clear_events();  // wait_station() reports stations that join from now on

  // DISABLE answers FAIL when the interface is already disabled: that is fine.
  const auto state = status_value(c.request("STATUS"), "state");
  if (state == "ENABLED") {
    c.request_ok("DISABLE");
    c.wait_event([](const WpaEvent& e) { return e.is("AP-DISABLED"); }, timeout, "AP-DISABLED");
  }
  c.request_ok("SET ssid2 " + to_hex(config.credentials.ssid));
  c.request_ok("SET wpa 2");
  c.request_ok("SET wpa_key_mgmt WPA-PSK");
  c.request_ok("SET rsn_pairwise CCMP");
  c.request_ok("SET wpa_passphrase " + config.credentials.passphrase);
  c.request_ok("SET channel " + std::to_string(config.channel));
  auto reply = c.request("ENABLE", timeout);
  if (reply != "OK\n") {
    throw WifiError(WifiErrc::kApStartFailed, "hostapd at " + ctrl_socket_ + " refused ENABLE: " + reply,
                    up.phases);
  }
  WpaEvent e = c.wait_event(
      [](const WpaEvent& ev) {
        return ev.is("AP-ENABLED") || ev.is("AP-DISABLED") || ev.is("INTERFACE-DISABLED") ||
               ev.is("CTRL-EVENT-TERMINATING");
      },
      timeout, "AP-ENABLED");
  if (!e.is("AP-ENABLED")) {
    throw WifiError(WifiErrc::kApStartFailed,
                    "hostapd at " + ctrl_socket_ + " did not enable the AP: " + e.text, up.phases);
  }
  up.phases.push_back({LinkPhase::kApEnabled, e.at, e.text});
  auto status = c.request("STATUS");
  up.bssid = status_value(status, "bssid[0]");
  auto f = status_value(status, "freq");
  up.freq_mhz = f.empty() || f == "0" ? freq : std::stoi(f);
  dhcp_.reset();
  if (config.dhcp_server)
    dhcp_ = std::make_unique<BusyboxDhcpServer>(ifname_of(ctrl_socket_), *config.dhcp_server, netns_);
  return up;
}

void HostapdAccessPoint::stop() {
  dhcp_.reset();
  auto& c = ctrl();
  if (status_value(c.request("STATUS"), "state") != "ENABLED") return;
  c.request_ok("DISABLE");
  c.wait_event([](const WpaEvent& e) { return e.is("AP-DISABLED"); }, milliseconds{5000}, "AP-DISABLED");
}

StationJoined wait_ap_sta_connected(WpaCtrl& ctrl, milliseconds timeout) {
  // "AP-STA-CONNECTED 02:00:00:00:01:00 [p2p_dev_addr=…]"
  WpaEvent e = ctrl.wait_event(
      [](const WpaEvent& ev) { return ev.is("AP-STA-CONNECTED") || ev.is("CTRL-EVENT-TERMINATING"); },
      timeout, "AP-STA-CONNECTED");
  if (e.is("CTRL-EVENT-TERMINATING")) {
    throw WifiError(WifiErrc::kDaemonGone, "the daemon behind " + ctrl.path() + " terminated");
  }
  std::string_view t(e.text);
  auto after = t.substr(t.find(' ') + 1);
  StationJoined joined;
  joined.mac = std::string(after.substr(0, after.find(' ')));
  joined.stamp = {LinkPhase::kStationJoined, e.at, "AP-STA-CONNECTED " + joined.mac};
  return joined;
}

StationJoined HostapdAccessPoint::wait_station(milliseconds timeout) {
  return wait_ap_sta_connected(ctrl(), timeout);
}

std::vector<std::string> HostapdAccessPoint::stations() {
  // STA-FIRST / STA-NEXT <mac>: each reply starts with the station's MAC on its own line.
  std::vector<std::string> macs;
  auto& c = ctrl();
  auto reply = c.request("STA-FIRST");
  while (!reply.empty() && reply != "FAIL\n" && macs.size() < 2008) {
    auto mac = reply.substr(0, reply.find('\n'));
    if (mac.size() != 17) break;
    macs.push_back(mac);
    reply = c.request("STA-NEXT " + mac);
  }
  return macs;
}

}  // namespace tapbench::wifi
