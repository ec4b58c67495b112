// The hwsim bench strategy's radio (BenchRadio, bench_radio.hpp): the real hostapd and wpa_supplicant that
// radio-lab-up started on mac80211_hwsim radios inside the radio-lab VM (docs/RADIO-LAB.md), reached through
// the control sockets it exported (RADIO_ROUTER_CTRL, RADIO_PHONE_CTRL + RADIO_PHONE_NETNS,
// RADIO_PRINTER_GO_CTRL, RADIO_PRINTER_STA_CTRL; rig/cases/radio_bench.hpp builds the roles).
//   start():   the router (hostapd, wlan0 in netns "router") with the bench's network and a DHCP server
//              (192.168.77.0/24); then the printer's GO address is learnt from drivers/wifi: a short probe
//              group on the printer's P2P device reports its BSSID (GoUp::bssid), which printerd announces on
//              its tag (go-mac=). Nothing of the MAC is hard-coded.
//   printerd:  --radio hostap:p2p=<GO ctrl>,sta=<station ctrl>,go-mac=<that BSSID>,dhcp — printerd's own
//              drivers/wifi roles run its Wi-Fi Direct group (a real wpa_supplicant P2P GO serving DHCP on
//              192.168.49.0/24) and, after the hand-over, its station joining the router (with a lease).
//   phone:     a SupplicantStation in the phone's network namespace joins the group for real (scan,
//              association, 4-way handshake, DHCP lease) with the credentials read over NFC.
//   router:    the printer's join is hostapd's AP-STA-CONNECTED.
// The rig's HTTP/IPP requests to printerd stay on 127.0.0.1 inside the VM (printerd listens in the root
// namespace), as on the sim bench — unless the printer says `phone-traffic: radio`: then the phone's
// JSON API and IPP connections are made from its namespace to printerd's address on the group
// (printer_group_address(), https / ipps), so they cross the simulated air.
// Needs the daemons' sockets on this machine (inside the lab): through radio-lab up's tcp: relay DHCP is not
// available and printerd could not reach them, so that is StrategyUnsupported.
#pragma once

#include <memory>
#include <string>

#include "rig/cases/radio_bench.hpp"
#include "rig/strategy/bench_radio.hpp"

namespace tapbench::rig {

class HwsimBenchRadio final : public BenchRadio {
 public:
  // Builds the roles on the lab's sockets (BenchError radio-lab-not-up when the RADIO_* variables are not
  // set: not inside the lab; StrategyUnsupported for relayed tcp: sockets).
  HwsimBenchRadio(const Bench& bench, const Clock& clock, wifi::WifiCredentials router, int channel);
  ~HwsimBenchRadio() override;

  std::string backend() const override { return "hostap"; }
  void start(MonotonicTime deadline) override;
  void stop() override;
  void reset_printer_radio(MonotonicTime deadline) override;
  std::string printerd_radio() const override;
  wifi::Joined phone_join(const wifi::WifiCredentials& credentials, int freq_mhz,
                          std::chrono::milliseconds timeout) override;
  void phone_leave() override;
  void forget_router_joins() override;
  std::optional<wifi::StationJoined> printer_joined_router(const Clock& clock,
                                                           MonotonicTime deadline) override;
  std::string describe() const override;
  std::string phone_netns() const override { return roles_.phone_netns; }
  // printerd's group: the GO serves DHCP from 192.168.49.1/24 (firmware-under-test/port/linux/bindings/
  // wifi_radio.cpp, `dhcp`); the address exists once the group is up, so printerd listens on 0.0.0.0.
  std::string printer_group_address() const override;
  std::string printer_group_subnet() const override;
  bool phone_on_joined_network(std::chrono::milliseconds timeout) override;

  const std::string& go_mac() const { return go_mac_; }

 private:
  const Clock& clock_;
  wifi::WifiCredentials router_network_;
  int channel_;
  RadioRoles roles_;
  std::string go_mac_;
  bool router_up_ = false;
  std::string phone_ssid_;  // of the phone's last join (empty after phone_leave())
};

}  // namespace tapbench::rig
