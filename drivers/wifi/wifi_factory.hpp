// Picks the backend of each Wi-Fi role from bench configuration: "hostap" (real hostapd / wpa_supplicant
// behind a control socket — on mac80211_hwsim radios in the radio-lab VM, or on real radios) or
// "link-model" (the link model, for benches without radios; see link_model.hpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "drivers/wifi/access_point.hpp"
#include "drivers/wifi/link_model.hpp"
#include "drivers/wifi/p2p_group_owner.hpp"
#include "drivers/wifi/station.hpp"

namespace tapbench::wifi {

enum class WifiBackend { kHostap, kLinkModel };
// "hostapd" / "wpa_supplicant" / "hostap" → kHostap, "link-model" → kLinkModel (the bench YAML's backend
// names); throws WifiError(kBadArgument) naming the accepted values otherwise.
WifiBackend parse_wifi_backend(std::string_view name);
std::string_view to_string(WifiBackend backend);

struct WifiRoleConfig {
  WifiBackend backend = WifiBackend::kLinkModel;
  std::string ctrl_socket;  // hostap: the daemon's ctrl_interface dir + "/" + interface (required)
  std::string station_mac;  // link-model station: its MAC (default 02:00:00:00:ff:01)
  std::string netns = "";   // hostap: network namespace of the role's interface (DHCP runs there)
};

// Everything the link-model backends of one bench share: the modelled air, the clock they stamp phases
// with and the way modelled time passes. Unused by the hostap backend (which stamps on the clock only).
struct WifiEnvironment {
  const Clock& clock;
  LinkModelAir* air = nullptr;  // required for link-model roles
  WaitUntil wait_until;         // default: sleep_on(clock)
  LinkModelTiming timing;
};

// Throw WifiError(kBadArgument) for an incomplete config (no ctrl_socket for hostap, no air for the model).
std::unique_ptr<AccessPoint> make_access_point(const WifiRoleConfig& config, const WifiEnvironment& env);
std::unique_ptr<P2pGroupOwner> make_p2p_group_owner(const WifiRoleConfig& config, const WifiEnvironment& env);
std::unique_ptr<Station> make_station(const WifiRoleConfig& config, const WifiEnvironment& env);

}  // namespace tapbench::wifi
