#include "firmware-under-test/port/linux/bindings/wifi_radio.hpp"

#include <cstdio>

#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::firmware::port {
namespace {

hal::HalCode code_of(wifi::WifiErrc e) {
  using wifi::WifiErrc;
  switch (e) {
    case WifiErrc::kTimeout:
      return hal::HalCode::timeout;
    case WifiErrc::kWrongPassphrase:
    case WifiErrc::kAssociationRejected:
    case WifiErrc::kBadArgument:
      return hal::HalCode::rejected;
    case WifiErrc::kNetworkNotFound:
    case WifiErrc::kDhcpFailed:
    case WifiErrc::kNoDaemon:
    case WifiErrc::kDaemonGone:
      return hal::HalCode::unreachable;
    case WifiErrc::kUnknownCommand:
      return hal::HalCode::unsupported;
    case WifiErrc::kBadReply:
      return hal::HalCode::bad_response;
    case WifiErrc::kCommandFailed:
    case WifiErrc::kApStartFailed:
    case WifiErrc::kIo:
      return hal::HalCode::io_error;
  }
  return hal::HalCode::io_error;
}

// WifiError messages never echo a passphrase (drivers/wifi's rule), so they can go into the detail.
hal::Status failure(const char* what, const wifi::WifiError& e) {
  return hal::Status::failure(
      code_of(e.code()), std::string(what) + ": " + std::string(wifi::to_string(e.code())) + ": " + e.what());
}

}  // namespace

bool parse_radio_spec(const std::string& spec, WifiRadioConfig& out, std::string& error) {
  WifiRadioConfig c;
  if (spec == "link-model") {
    out = c;
    return true;
  }
  if (spec.rfind("link-model:", 0) == 0) {
    c.air_dir = spec.substr(std::string("link-model:").size());
    if (c.air_dir.empty()) {
      error = "--radio link-model: needs a directory (link-model:DIR), or plain link-model";
      return false;
    }
    out = c;
    return true;
  }
  const std::string prefix = "hostap:";
  if (spec.rfind(prefix, 0) != 0) {
    error = "--radio '" + spec +
            "': expected link-model, link-model:DIR or hostap:p2p=CTRL,sta=CTRL,go-mac=MAC[,netns=NS][,dhcp]";
    return false;
  }
  c.group_owner.backend = wifi::WifiBackend::kHostap;
  c.station.backend = wifi::WifiBackend::kHostap;
  std::string rest = spec.substr(prefix.size());
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string item = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (key == "dhcp" && eq == std::string::npos) {
      c.obtain_address = true;
      c.group_dhcp = wifi::DhcpPool{"192.168.49.1/24", "192.168.49.10", "192.168.49.50", "255.255.255.0"};
    } else if (eq == std::string::npos || value.empty()) {
      error = "--radio: '" + item + "' needs a value (KEY=VALUE)";
      return false;
    } else if (key == "p2p") {
      c.group_owner.ctrl_socket = value;
    } else if (key == "sta") {
      c.station.ctrl_socket = value;
    } else if (key == "netns") {
      c.group_owner.netns = value;
      c.station.netns = value;
    } else if (key == "go-mac") {
      if (!WifiRadio::parse_mac(value)) {
        error = "--radio: go-mac '" + value + "' is not a MAC address (aa:bb:cc:dd:ee:ff)";
        return false;
      }
      c.go_mac = value;
    } else {
      error = "--radio: unknown key '" + key + "' (p2p, sta, go-mac, netns, dhcp)";
      return false;
    }
  }
  const char* missing = c.group_owner.ctrl_socket.empty() ? "p2p"
                        : c.station.ctrl_socket.empty()   ? "sta"
                        : c.go_mac.empty()                ? "go-mac"
                                                          : nullptr;
  if (missing) {
    error = std::string("--radio hostap: ") + missing + "= is required";
    return false;
  }
  out = c;
  return true;
}

WifiRadio::WifiRadio(WifiRadioConfig config, wifi::WifiEnvironment env)
    : config_(std::move(config)),
      env_(std::move(env)),
      go_(wifi::make_p2p_group_owner(config_.group_owner, env_)),
      station_(wifi::make_station(config_.station, env_)) {}

std::optional<hal::MacAddress> WifiRadio::parse_mac(const std::string& text) {
  hal::MacAddress mac{};
  unsigned b[6];
  char tail = 0;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                  &tail) != 6 ||
      text.size() != 17)
    return std::nullopt;
  for (int i = 0; i < 6; ++i)
    mac[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(b[i]);
  return mac;
}

std::uint16_t WifiRadio::freq_to_channel(int f) {
  if (f == 2484) return 14;
  if (f >= 2412 && f <= 2472 && (f - 2407) % 5 == 0) return static_cast<std::uint16_t>((f - 2407) / 5);
  if (f >= 5180 && f <= 5885 && (f - 5000) % 5 == 0) return static_cast<std::uint16_t>((f - 5000) / 5);
  return 0;
}

hal::Result<hal::GroupInfo> WifiRadio::start_group(const hal::GroupConfig& config) {
  if (current_ && *current_ == config) return info_;  // idempotent (a tap re-asserts the group)
  wifi::GoConfig go;
  go.credentials = {config.ssid, config.passphrase};
  go.dhcp_server = config_.group_dhcp;
  try {
    go.freq_mhz = config.channel ? wifi::channel_to_freq_mhz(config.channel) : config_.default_freq_mhz;
    if (current_) stop_group();
    const wifi::GoUp up = go_->start(go, config_.group_timeout);
    hal::GroupInfo info;
    info.channel = freq_to_channel(up.freq_mhz);
    std::string mac = config_.go_mac;
    if (mac.empty() && env_.air) {
      if (auto net = env_.air->find(up.ssid, up.freq_mhz)) mac = net->bssid;
    }
    if (auto m = parse_mac(mac)) info.go_mac = *m;
    current_ = config;
    info_ = info;
    return info;
  } catch (const wifi::WifiError& e) {
    current_.reset();
    return failure("P2P group", e);
  } catch (const std::exception& e) {  // nothing crosses the HAL boundary
    current_.reset();
    return hal::Status::failure(hal::HalCode::io_error, std::string("P2P group: ") + e.what());
  }
}

hal::Status WifiRadio::stop_group() {
  try {
    go_->stop();
    current_.reset();
    return hal::Status::success();
  } catch (const wifi::WifiError& e) {
    return failure("P2P group stop", e);
  } catch (const std::exception& e) {
    return hal::Status::failure(hal::HalCode::io_error, std::string("P2P group stop: ") + e.what());
  }
}

hal::Status WifiRadio::join_station(const hal::StationConfig& config) {
  // The core accepts a 64-hex-digit PSK (S27); drivers/wifi's roles take WPA2 passphrases only.
  if (config.passphrase.size() == 64)
    return hal::Status::failure(hal::HalCode::unsupported,
                                "router join: a raw 64-hex-digit PSK is not supported by drivers/wifi");
  wifi::JoinRequest req;
  req.credentials = {config.ssid, config.passphrase};
  req.timeout = config_.join_timeout;
  req.obtain_address = config_.obtain_address;
  try {
    station_->join(req);
    return hal::Status::success();
  } catch (const wifi::WifiError& e) {
    return failure("router join", e);
  } catch (const std::exception& e) {
    return hal::Status::failure(hal::HalCode::io_error, std::string("router join: ") + e.what());
  }
}

hal::Status WifiRadio::leave_station() {
  try {
    station_->leave();
    return hal::Status::success();
  } catch (const wifi::WifiError& e) {
    return failure("router leave", e);
  } catch (const std::exception& e) {
    return hal::Status::failure(hal::HalCode::io_error, std::string("router leave: ") + e.what());
  }
}

}  // namespace tapbench::firmware::port
