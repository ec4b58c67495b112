// P2pGroupOwner backend on a running wpa_supplicant with P2P (its control socket for the P2P device, e.g.
// DIR/wlan0 or DIR/p2p-dev-wlan0). The SSID and passphrase are fixed by a persistent-group network block
// (mode=3 = P2P GO, disabled=2 = persistent group), then `P2P_GROUP_ADD persistent=<id> freq=<MHz>` starts
// the group without negotiation; P2P-GROUP-STARTED carries the group interface (0.14-0.18 s under TCG).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "drivers/wifi/dhcp.hpp"
#include "drivers/wifi/p2p_group_owner.hpp"
#include "drivers/wifi/wpa_ctrl.hpp"

namespace tapbench::wifi {

class SupplicantP2pGroupOwner final : public P2pGroupOwner {
 public:
  SupplicantP2pGroupOwner(std::string ctrl_socket, const Clock& clock);
  ~SupplicantP2pGroupOwner() override;

  GoUp start(const GoConfig& config, std::chrono::milliseconds timeout) override;
  void stop() override;
  // Listens on the group interface's own control socket (next to the P2P device's), opened at start().
  StationJoined wait_station(std::chrono::milliseconds timeout) override;

 private:
  WpaCtrl& ctrl();

  std::string ctrl_socket_;
  const Clock& clock_;
  std::unique_ptr<WpaCtrl> ctrl_;
  std::unique_ptr<WpaCtrl> group_ctrl_;
  std::unique_ptr<BusyboxDhcpServer> dhcp_;
  std::optional<int> network_id_;
  std::string group_ifname_;
};

}  // namespace tapbench::wifi
