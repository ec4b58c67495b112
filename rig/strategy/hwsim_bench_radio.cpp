#include "rig/strategy/hwsim_bench_radio.hpp"

#include <array>
#include <cstdint>
#include <span>

#include "drivers/wifi/ctrl_channel.hpp"
#include "drivers/wifi/dhcp.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "drivers/wifi/wpa_ctrl.hpp"
#include "protocol/token/generate.hpp"
#include "rig/strategy/sim_bench_strategy.hpp"

namespace tapbench::rig {
namespace {

using std::chrono::milliseconds;

milliseconds left_until(const Clock& clock, MonotonicTime deadline) {
  const auto d = std::chrono::duration_cast<milliseconds>(deadline - clock.monotonic_now());
  return std::max(milliseconds(1), d);
}

// The home router's addresses (the printer's station takes a lease here after the hand-over).
const wifi::DhcpPool kRouterPool{};  // 192.168.77.1/24

std::string random_hex(std::size_t bytes) {
  std::array<std::uint8_t, 16> b{};
  if (bytes > b.size() || !token::openssl_random(std::span(b.data(), bytes)))
    throw StrategyError("no random bytes from OpenSSL's CSPRNG");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

}  // namespace

HwsimBenchRadio::HwsimBenchRadio(const Bench& bench, const Clock& clock, wifi::WifiCredentials router,
                                 int channel)
    : clock_(clock), router_network_(std::move(router)), channel_(channel) {
  roles_ = make_radio_roles(bench, clock);  // BenchError radio-lab-not-up outside the lab
  if (!roles_.dhcp || wifi::is_relayed(roles_.printer_group_ctrl) ||
      wifi::is_relayed(roles_.printer_station_ctrl)) {
    throw StrategyUnsupported(
        "the radio lab's daemons are reached through radio-lab up's tcp: relay: printerd needs their control "
        "sockets and the DHCP servers their interfaces — run tapbench on the host without host.env (it boots "
        "the lab and runs inside), or inside the lab (sim/radio-lab/checks/run-in-lab.sh)");
  }
}

HwsimBenchRadio::~HwsimBenchRadio() {
  stop();
}

void HwsimBenchRadio::start(MonotonicTime deadline) {
  try {
    roles_.router->start({router_network_, channel_, kRouterPool}, left_until(clock_, deadline));
    router_up_ = true;
    // The GO's address as the tag must announce it: the group interface wpa_supplicant creates for a group
    // on this P2P device. A probe group reports it (drivers/wifi reads the group interface's STATUS); it is
    // removed at once and printerd's group comes up on the same interface.
    const wifi::WifiCredentials probe{"DIRECT-tb-probe", random_hex(12)};
    const wifi::GoUp up = roles_.printer_group->start({probe, 2437}, left_until(clock_, deadline));
    roles_.printer_group->stop();
    go_mac_ = up.bssid;
    if (go_mac_.empty()) {
      throw StrategyError("the printer's P2P device at " + roles_.printer_group_ctrl +
                          " started a group but its interface reported no address");
    }
  } catch (const wifi::WifiError& e) {
    stop();
    throw StrategyError(std::string("the radio lab's ") + (router_up_ ? "printer P2P device" : "router") +
                        " did not come up: " + e.what());
  }
  // printerd owns the printer's daemons from here on: the rig lets go of their sockets.
  roles_.printer_group.reset();
  roles_.printer_station.reset();
}

void HwsimBenchRadio::stop() {
  phone_leave();
  if (router_up_ && roles_.router) {
    try {
      roles_.router->stop();
    } catch (const wifi::WifiError&) {
      // hostapd gone with the lab: nothing to stop
    }
  }
  router_up_ = false;
}

void HwsimBenchRadio::reset_printer_radio(MonotonicTime deadline) {
  // A printerd that was killed (crash, power cut) leaves its group and its router network in the daemons,
  // which outlive it; a graceful stop removes them itself. "P2P_GROUP_REMOVE *" removes every group.
  try {
    wifi::WpaCtrl go(roles_.printer_group_ctrl, clock_);
    go.request("P2P_GROUP_REMOVE *", left_until(clock_, deadline));
    wifi::WpaCtrl station(roles_.printer_station_ctrl, clock_);
    station.request_ok("REMOVE_NETWORK all", left_until(clock_, deadline));
  } catch (const wifi::WifiError& e) {
    throw StrategyError(std::string("resetting the printer's radio in the lab: ") + e.what());
  }
}

std::string HwsimBenchRadio::printerd_radio() const {
  return "hostap:p2p=" + roles_.printer_group_ctrl + ",sta=" + roles_.printer_station_ctrl +
         ",go-mac=" + go_mac_ + ",dhcp";
}

wifi::Joined HwsimBenchRadio::phone_join(const wifi::WifiCredentials& credentials, int freq_mhz,
                                         milliseconds timeout) {
  wifi::JoinRequest request{credentials, freq_mhz, timeout, true, milliseconds(5000)};
  wifi::Joined joined = roles_.phone->join(request);
  phone_ssid_ = credentials.ssid;
  return joined;
}

bool HwsimBenchRadio::phone_on_joined_network(milliseconds timeout) {
  if (phone_ssid_.empty()) return false;
  try {
    wifi::WpaCtrl phone(roles_.phone_ctrl, clock_);
    // COMPLETED on the SSID it joined (STATUS: one "key=value" a line, the SSID as text).
    const std::string status = "\n" + phone.request("STATUS", timeout) + "\n";
    return status.find("\nwpa_state=COMPLETED\n") != std::string::npos &&
           status.find("\nssid=" + phone_ssid_ + "\n") != std::string::npos;
  } catch (const wifi::WifiError&) {
    return false;
  }
}

void HwsimBenchRadio::phone_leave() {
  phone_ssid_.clear();
  try {
    if (roles_.phone) roles_.phone->leave();
  } catch (const wifi::WifiError&) {
    // the daemon is gone: nothing joined any more
  }
}

void HwsimBenchRadio::forget_router_joins() {
  if (!router_up_) return;
  try {
    for (;;)
      roles_.router->wait_station(milliseconds(1));
  } catch (const wifi::WifiError&) {
    // kTimeout: no report left
  }
}

std::optional<wifi::StationJoined> HwsimBenchRadio::printer_joined_router(const Clock& clock,
                                                                          MonotonicTime deadline) {
  if (!router_up_) return std::nullopt;
  try {
    return roles_.router->wait_station(left_until(clock, deadline));
  } catch (const wifi::WifiError& e) {
    if (e.code() == wifi::WifiErrc::kTimeout) return std::nullopt;
    throw;
  }
}

std::string HwsimBenchRadio::printer_group_address() const {
  return "192.168.49.1";
}

std::string HwsimBenchRadio::printer_group_subnet() const {
  return "192.168.49.0/24";
}

std::string HwsimBenchRadio::describe() const {
  return "hostap in the radio lab: router '" + router_network_.ssid + "' (hostapd " + roles_.router_ctrl +
         "), printer GO " + go_mac_ + " (" + roles_.printer_group_ctrl + "), phone " + roles_.phone_ctrl;
}

}  // namespace tapbench::rig
