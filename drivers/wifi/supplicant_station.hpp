// Station backend on a running wpa_supplicant (one interface's control socket). join() adds a network
// (ssid as hex, psk, WPA-PSK; scan_freq + freq_list when the channel is known), selects it and turns the
// attached event stream into phase stamps:
//   CTRL-EVENT-SCAN-STARTED → scan-started        CTRL-EVENT-SCAN-RESULTS → scan-results
//   "Trying to associate with" → associating       "Associated with" → associated
//   CTRL-EVENT-CONNECTED → connected (4-way handshake done)   DHCP lease (busybox udhcpc) → ip-address
// and failures into typed errors: CTRL-EVENT-SSID-TEMP-DISABLED reason=WRONG_KEY → kWrongPassphrase,
// scans without the SSID until the deadline (CTRL-EVENT-NETWORK-NOT-FOUND) → kNetworkNotFound,
// CTRL-EVENT-ASSOC-REJECT until the deadline → kAssociationRejected, CTRL-EVENT-TERMINATING → kDaemonGone.
// A failed join removes its network again, so the daemon stops retrying.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "drivers/wifi/station.hpp"
#include "drivers/wifi/wpa_ctrl.hpp"

namespace tapbench::wifi {

class SupplicantStation final : public Station {
 public:
  // `netns`: the network namespace the station's interface lives in (for DHCP), empty for the current one.
  SupplicantStation(std::string ctrl_socket, const Clock& clock, std::string netns = "");
  ~SupplicantStation() override;

  Joined join(const JoinRequest& request) override;
  void leave() override;

 private:
  WpaCtrl& ctrl();
  void remove_network();

  std::string ctrl_socket_;
  const Clock& clock_;
  std::string netns_;
  std::unique_ptr<WpaCtrl> ctrl_;
  std::optional<int> network_id_;
};

// Adds a network block and returns its id (ADD_NETWORK). Throws kBadReply if the reply is not a number.
int add_network(WpaCtrl& ctrl);

}  // namespace tapbench::wifi
