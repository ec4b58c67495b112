#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

std::string_view to_string(WifiErrc code) {
  switch (code) {
    case WifiErrc::kNoDaemon:
      return "no-daemon";
    case WifiErrc::kDaemonGone:
      return "daemon-gone";
    case WifiErrc::kTimeout:
      return "timeout";
    case WifiErrc::kCommandFailed:
      return "command-failed";
    case WifiErrc::kUnknownCommand:
      return "unknown-command";
    case WifiErrc::kBadReply:
      return "bad-reply";
    case WifiErrc::kWrongPassphrase:
      return "wrong-passphrase";
    case WifiErrc::kNetworkNotFound:
      return "network-not-found";
    case WifiErrc::kAssociationRejected:
      return "association-rejected";
    case WifiErrc::kApStartFailed:
      return "ap-start-failed";
    case WifiErrc::kDhcpFailed:
      return "dhcp-failed";
    case WifiErrc::kBadArgument:
      return "bad-argument";
    case WifiErrc::kIo:
      return "io";
  }
  return "unknown";
}

}  // namespace tapbench::wifi
