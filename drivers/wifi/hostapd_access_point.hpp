// AccessPoint backend on a running hostapd, driven only through its control socket: DISABLE, SET the
// network (ssid2 hex, wpa=2, WPA-PSK, CCMP, passphrase, channel), ENABLE, and wait for AP-ENABLED.
// The daemon is a bench resource (started by the radio lab's init or a HostapProcess), not owned here.
#pragma once

#include <memory>
#include <string>

#include "drivers/wifi/access_point.hpp"
#include "drivers/wifi/dhcp.hpp"
#include "drivers/wifi/wpa_ctrl.hpp"

namespace tapbench::wifi {

class HostapdAccessPoint final : public AccessPoint {
 public:
  // `ctrl_socket`: hostapd's ctrl_interface directory + "/" + interface name (the DHCP server, if asked
  // for, serves that interface, in network namespace `netns` when not empty).
  HostapdAccessPoint(std::string ctrl_socket, const Clock& clock, std::string netns = "");
  ~HostapdAccessPoint() override;

  ApUp start(const ApConfig& config, std::chrono::milliseconds timeout) override;
  void stop() override;
  std::vector<std::string> stations() override;
  StationJoined wait_station(std::chrono::milliseconds timeout) override;

 private:
  WpaCtrl& ctrl();

  std::string ctrl_socket_;
  const Clock& clock_;
  std::string netns_;
  std::unique_ptr<WpaCtrl> ctrl_;
  std::unique_ptr<BusyboxDhcpServer> dhcp_;
};

// The interface name of a control socket path: "/run/hostapd/wlan0" → "wlan0".
std::string ifname_of(const std::string& ctrl_socket);

// Waits on an attached control socket for "AP-STA-CONNECTED <mac>" (hostapd, or a wpa_supplicant GO's
// group interface).
StationJoined wait_ap_sta_connected(WpaCtrl& ctrl, std::chrono::milliseconds timeout);

// "key=value" lines of a STATUS / STA reply → value of `key` ("" if absent).
std::string status_value(std::string_view reply, std::string_view key);

}  // namespace tapbench::wifi
