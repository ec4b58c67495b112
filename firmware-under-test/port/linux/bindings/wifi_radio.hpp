// hal::Radio on drivers/wifi: the printer's Wi-Fi Direct group is a P2pGroupOwner role, its router link a
// Station role, each built by drivers/wifi's factory from the bench configuration — "hostap" (a real
// wpa_supplicant behind its control socket) or "link-model" (the modelled air of the sim bench: in-process,
// or "link-model:DIR", a directory the rig's phone station opens too — see drivers/wifi/link_model.hpp).
// WifiError codes become HalCodes; nothing throws out.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "drivers/wifi/dhcp.hpp"
#include "drivers/wifi/wifi_factory.hpp"
#include "firmware-under-test/hal/radio.hpp"

namespace tapbench::firmware::port {

struct WifiRadioConfig {
  wifi::WifiRoleConfig group_owner;  // backend + ctrl socket of the P2P device interface
  // backend + ctrl socket of the station interface; on the link model the printer's station has its own
  // MAC (the phone's default is 02:00:00:00:ff:01), so a shared air tells the two apart.
  wifi::WifiRoleConfig station{wifi::WifiBackend::kLinkModel, "", "02:00:00:00:f0:01", ""};
  // link-model: the shared air's directory ("link-model:DIR"); empty: an in-process air.
  std::string air_dir;
  int default_freq_mhz = 2437;  // when the core leaves the channel to the radio (channel 0)
  // The GO's MAC as the tag announces it. Empty: the link model's BSSID; for hostap it must be given
  // (drivers/wifi does not report the group interface's address).
  std::string go_mac;
  std::chrono::milliseconds group_timeout{5000};
  std::chrono::milliseconds join_timeout{15000};
  bool obtain_address = false;  // DHCP on the router link after joining (hostap in the radio lab)
  // DHCP server on the group interface once the group is up (hostap in the radio lab: the phone gets an
  // address from the printer, as from a real printer's group). Set with obtain_address by `,dhcp`.
  std::optional<wifi::DhcpPool> group_dhcp;
};

// printerd's --radio option:
//   "link-model"                                   the sim bench's modelled air, in-process (default)
//   "link-model:DIR"                               the modelled air shared through DIR with other processes
//   "hostap:p2p=CTRL,sta=CTRL[,go-mac=MAC][,netns=NS][,dhcp]"
// CTRL = wpa_supplicant control socket path (…/p2p-dev-wlan1, …/wlan2); go-mac is required for hostap (the
// tag announces it). `dhcp`: the group serves addresses (192.168.49.0/24) and the station takes a lease on
// the router link. false + a one-line error naming the bad part otherwise.
bool parse_radio_spec(const std::string& spec, WifiRadioConfig& out, std::string& error);

class WifiRadio final : public hal::Radio {
 public:
  // Throws wifi::WifiError(kBadArgument) for an incomplete role config (at construction, not per call).
  WifiRadio(WifiRadioConfig config, wifi::WifiEnvironment env);

  hal::Result<hal::GroupInfo> start_group(const hal::GroupConfig& config) override;
  hal::Status stop_group() override;
  hal::Status join_station(const hal::StationConfig& config) override;
  hal::Status leave_station() override;

  bool group_up() const { return current_.has_value(); }
  // "aa:bb:…" → bytes; nullopt if malformed.
  static std::optional<hal::MacAddress> parse_mac(const std::string& text);
  // 2412 → 1, 2484 → 14, 5180 → 36; 0 when not a Wi-Fi channel centre.
  static std::uint16_t freq_to_channel(int freq_mhz);

 private:
  WifiRadioConfig config_;
  wifi::WifiEnvironment env_;
  std::unique_ptr<wifi::P2pGroupOwner> go_;
  std::unique_ptr<wifi::Station> station_;
  std::optional<hal::GroupConfig> current_;
  hal::GroupInfo info_;
};

}  // namespace tapbench::firmware::port
