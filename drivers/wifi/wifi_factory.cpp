#include "drivers/wifi/wifi_factory.hpp"

#include "drivers/wifi/hostapd_access_point.hpp"
#include "drivers/wifi/supplicant_p2p_group_owner.hpp"
#include "drivers/wifi/supplicant_station.hpp"
#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

WifiBackend parse_wifi_backend(std::string_view name) {
  // The bench YAML names the daemon ("hostapd", "wpa_supplicant"); both are the hostap backend.
  if (name == "hostap" || name == "hostapd" || name == "wpa_supplicant") return WifiBackend::kHostap;
  if (name == "link-model") return WifiBackend::kLinkModel;
  throw WifiError(WifiErrc::kBadArgument, "unknown Wi-Fi backend '" + std::string(name) +
                                              "' (expected hostapd, wpa_supplicant, hostap or link-model)");
}

std::string_view to_string(WifiBackend backend) {
  return backend == WifiBackend::kHostap ? "hostap" : "link-model";
}

namespace {

const std::string& ctrl_socket_of(const WifiRoleConfig& config, std::string_view role) {
  if (config.ctrl_socket.empty()) {
    throw WifiError(WifiErrc::kBadArgument, std::string(role) +
                                                ": the hostap backend needs ctrl_socket (the daemon's "
                                                "ctrl_interface directory / interface name)");
  }
  return config.ctrl_socket;
}

LinkModelAir& air_of(const WifiEnvironment& env, std::string_view role) {
  if (env.air == nullptr) {
    throw WifiError(WifiErrc::kBadArgument,
                    std::string(role) + ": the link-model backend needs the bench's air");
  }
  return *env.air;
}

WaitUntil wait_of(const WifiEnvironment& env) {
  return env.wait_until ? env.wait_until : sleep_on(env.clock);
}

}  // namespace

std::unique_ptr<AccessPoint> make_access_point(const WifiRoleConfig& config, const WifiEnvironment& env) {
  if (config.backend == WifiBackend::kHostap) {
    return std::make_unique<HostapdAccessPoint>(ctrl_socket_of(config, "access point"), env.clock,
                                                config.netns);
  }
  return std::make_unique<LinkModelAccessPoint>(air_of(env, "access point"), env.clock, wait_of(env),
                                                env.timing);
}

std::unique_ptr<P2pGroupOwner> make_p2p_group_owner(const WifiRoleConfig& config,
                                                    const WifiEnvironment& env) {
  if (config.backend == WifiBackend::kHostap) {
    return std::make_unique<SupplicantP2pGroupOwner>(ctrl_socket_of(config, "P2P group owner"), env.clock);
  }
  return std::make_unique<LinkModelP2pGroupOwner>(air_of(env, "P2P group owner"), env.clock, wait_of(env),
                                                  env.timing);
}

std::unique_ptr<Station> make_station(const WifiRoleConfig& config, const WifiEnvironment& env) {
  if (config.backend == WifiBackend::kHostap) {
    return std::make_unique<SupplicantStation>(ctrl_socket_of(config, "station"), env.clock, config.netns);
  }
  return std::make_unique<LinkModelStation>(
      air_of(env, "station"), env.clock, wait_of(env), env.timing,
      config.station_mac.empty() ? "02:00:00:00:ff:01" : config.station_mac);
}

}  // namespace tapbench::wifi
