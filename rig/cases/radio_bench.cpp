#include "rig/cases/radio_bench.hpp"

#include <cstdlib>

#include "drivers/wifi/ctrl_channel.hpp"

namespace tapbench::rig {

std::string wifi_failure_class(wifi::WifiErrc code) {
  return "wifi-" + std::string(wifi::to_string(code));
}

CaseOutcome wifi_outcome(const wifi::WifiError& error, WifiParty party, const std::string& doing) {
  using wifi::WifiErrc;
  const std::string cls = wifi_failure_class(error.code());
  const std::string reason = doing + ": " + error.what();
  bool product = false;
  switch (error.code()) {
    case WifiErrc::kWrongPassphrase:      // the passphrase it announced is not the one its group uses
    case WifiErrc::kNetworkNotFound:      // its group is not on the air (or not on the channel it announced)
    case WifiErrc::kAssociationRejected:  // it refused the station
    case WifiErrc::kDhcpFailed:           // it handed out no address
    case WifiErrc::kApStartFailed:        // its group did not come up
    case WifiErrc::kTimeout:              // it did not answer in time (phase timeouts are the suite's)
      product = party == WifiParty::kSystemUnderTest;
      break;
    case WifiErrc::kNoDaemon:
    case WifiErrc::kDaemonGone:
    case WifiErrc::kCommandFailed:
    case WifiErrc::kUnknownCommand:
    case WifiErrc::kBadReply:
    case WifiErrc::kBadArgument:
    case WifiErrc::kIo:
      product = false;  // the bench's daemons, sockets and configuration
      break;
  }
  if (product) return CaseFailure(cls, reason);
  return BenchError(cls, reason);
}

std::optional<wifi::WifiCredentials> router_credentials(const Bench& bench, int& channel, std::string& why) {
  const Device* router = bench.device_for(Role::kRouter);
  if (!router || !router->network) {
    why = "the router device declares no network (ssid, passphrase, channel)";
    return std::nullopt;
  }
  const Network& n = *router->network;
  channel = n.channel;
  if (n.passphrase) return wifi::WifiCredentials{n.ssid, *n.passphrase};
  if (n.passphrase_env) {
    if (const char* v = std::getenv(n.passphrase_env->c_str())) return wifi::WifiCredentials{n.ssid, v};
    why = "the router's passphrase variable " + *n.passphrase_env + " is not set";
    return std::nullopt;
  }
  why = "the router network has no passphrase";
  return std::nullopt;
}

namespace {

struct RoleSpec {
  wifi::WifiRoleConfig config;
  std::string air;  // link model: the device's air
};

std::string from_env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The control socket (and netns) of a hostap role: the radio lab's exported address, else CTRL_DIR/IFACE.
void hostap_address(RoleSpec& spec, const Device& d, const std::optional<std::string>& radio_lab,
                    const std::string& ctrl_dir, const std::string& iface, const char* env_ctrl,
                    const char* env_netns) {
  spec.config.backend = wifi::WifiBackend::kHostap;
  if (radio_lab) {
    spec.config.ctrl_socket = from_env(env_ctrl);
    spec.config.netns = env_netns ? from_env(env_netns) : "";
    if (spec.config.ctrl_socket.empty()) {
      throw BenchError("radio-lab-not-up",
                       "'" + d.name + "' is in radio lab '" + *radio_lab + "' but " + env_ctrl +
                           " is not set: run the rig inside the lab "
                           "(sim/radio-lab/checks/run-in-lab.sh) or source radio-lab up's "
                           "host.env");
    }
    return;
  }
  spec.config.ctrl_socket = ctrl_dir + "/" + iface;
}

enum class Which { kRouter, kPrinterGroup, kPrinterStation, kPhone };

RoleSpec spec_of(const Device& d, Which which) {
  RoleSpec spec;
  if (const auto* m = std::get_if<LinkModelBackend>(&d.config)) {
    spec.config.backend = wifi::WifiBackend::kLinkModel;
    spec.air = m->air;
    if (which == Which::kPhone) spec.config.station_mac = "02:00:00:00:ff:01";
    if (which == Which::kPrinterStation) spec.config.station_mac = "02:00:00:00:f0:01";
    return spec;
  }
  if (const auto* h = std::get_if<HostapdBackend>(&d.config)) {
    if (which != Which::kRouter)
      throw BenchError("wifi-bad-argument",
                       "'" + d.name + "' is a hostapd device: it can only be the router");
    hostap_address(spec, d, h->radio_lab, h->ctrl_dir.value_or("/run/hostapd"), h->interface,
                   "RADIO_ROUTER_CTRL", "RADIO_ROUTER_NETNS");
    return spec;
  }
  if (const auto* s = std::get_if<WpaSupplicantBackend>(&d.config)) {
    const std::string dir = s->ctrl_dir.value_or("/run/wpa_supplicant");
    switch (which) {
      case Which::kRouter:
        throw BenchError("wifi-bad-argument",
                         "'" + d.name + "' is a wpa_supplicant device: the router must be hostapd");
      case Which::kPrinterGroup:
        hostap_address(spec, d, s->radio_lab, dir, "p2p-dev-" + s->interface, "RADIO_PRINTER_GO_CTRL",
                       nullptr);
        break;
      case Which::kPrinterStation:
        hostap_address(spec, d, s->radio_lab, dir, s->interface, "RADIO_PRINTER_STA_CTRL", nullptr);
        break;
      case Which::kPhone:
        hostap_address(spec, d, s->radio_lab, dir, s->interface, "RADIO_PHONE_CTRL", "RADIO_PHONE_NETNS");
        break;
    }
    return spec;
  }
  throw BenchError("wifi-bad-argument", "'" + d.name + "' (backend " + d.backend + ") is not a radio");
}

}  // namespace

RadioRoles make_radio_roles(const Bench& bench, const Clock& clock, wifi::WaitUntil wait,
                            const std::filesystem::path& air_dir) {
  const Device* router = bench.device_for(Role::kRouter);
  const Device* printer = bench.device_for(Role::kPrinterRadio);
  const Device* phone = bench.device_for(Role::kPhoneRadio);
  if (!router || !printer || !phone) {
    throw CaseSkip("the bench binds no " +
                   std::string(!router    ? "router"
                               : !printer ? "printer-radio"
                                          : "phone-radio") +
                   " device: the radio cases drive all three radios");
  }
  const RoleSpec r = spec_of(*router, Which::kRouter);
  const RoleSpec g = spec_of(*printer, Which::kPrinterGroup);
  const RoleSpec s = spec_of(*printer, Which::kPrinterStation);
  const RoleSpec p = spec_of(*phone, Which::kPhone);
  RadioRoles roles;
  roles.backend = g.config.backend;
  roles.router_ctrl = r.config.ctrl_socket;
  roles.printer_group_ctrl = g.config.ctrl_socket;
  roles.printer_station_ctrl = s.config.ctrl_socket;
  roles.phone_ctrl = p.config.ctrl_socket;
  roles.phone_netns = p.config.netns;
  for (const RoleSpec* spec : {&r, &g, &s, &p})
    if (wifi::is_relayed(spec->config.ctrl_socket)) roles.dhcp = false;
  try {
    for (const RoleSpec* spec : {&r, &g, &s, &p}) {
      if (spec->config.backend != wifi::WifiBackend::kLinkModel || roles.air) continue;
      // One air for the run's link-model roles: a directory when the bench names one (shared with a
      // printerd started with --radio link-model:DIR), else in-process.
      if (!air_dir.empty()) {
        roles.air = std::make_unique<wifi::LinkModelAir>(air_dir);
      } else if (spec->air.find('/') != std::string::npos) {
        roles.air = std::make_unique<wifi::LinkModelAir>(std::filesystem::path(spec->air));
      } else {
        roles.air = std::make_unique<wifi::LinkModelAir>();
      }
    }
    const wifi::WifiEnvironment env{
        clock, roles.air.get(), wait ? std::move(wait) : wifi::sleep_on(clock), {}};
    roles.router = wifi::make_access_point(r.config, env);
    roles.printer_group = wifi::make_p2p_group_owner(g.config, env);
    roles.printer_station = wifi::make_station(s.config, env);
    roles.phone = wifi::make_station(p.config, env);
  } catch (const wifi::WifiError& e) {
    throw wifi_outcome(e, WifiParty::kBench, "radio roles");
  }
  return roles;
}

}  // namespace tapbench::rig
