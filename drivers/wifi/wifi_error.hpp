// Typed errors of the Wi-Fi driver layer. Each failure a lab user can meet on the radio side has its own
// code, so a report can count it in the right failure class (wrong passphrase is not "AP gone").
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/wifi/link_phase.hpp"

namespace tapbench::wifi {

enum class WifiErrc {
  kNoDaemon,             // no control socket at the path / nothing listening there (daemon not started)
  kDaemonGone,           // the daemon went away mid-conversation (socket refused, CTRL-EVENT-TERMINATING)
  kTimeout,              // no reply / no expected event before the deadline
  kCommandFailed,        // the daemon answered FAIL (or FAIL-BUSY, ...) to a command
  kUnknownCommand,       // the daemon answered UNKNOWN COMMAND (wrong daemon or build without that feature)
  kBadReply,             // a reply that does not parse (e.g. ADD_NETWORK without a number)
  kWrongPassphrase,      // 4-way handshake failed: CTRL-EVENT-SSID-TEMP-DISABLED reason=WRONG_KEY
  kNetworkNotFound,      // scans completed, the SSID never showed up (AP/GO absent or on another channel)
  kAssociationRejected,  // CTRL-EVENT-ASSOC-REJECT (AP full, ACL, ...)
  kApStartFailed,        // hostapd / the GO did not come up (AP-DISABLED, P2P-GROUP-FORMATION-FAILURE, FAIL)
  kDhcpFailed,           // the link came up but no IP address was obtained
  kBadArgument,  // caller input that cannot be sent (SSID too long, passphrase < 8 chars, newline, ...)
  kIo,           // any other socket error
};

std::string_view to_string(WifiErrc code);

class WifiError : public std::runtime_error {
 public:
  WifiError(WifiErrc code, const std::string& message, std::vector<PhaseStamp> phases = {})
      : std::runtime_error(message), code_(code), phases_(std::move(phases)) {}
  WifiErrc code() const { return code_; }
  // The phases reached before the failure (empty for plain control-socket errors): a failed join still
  // shows how far it got in the report's timeline.
  const std::vector<PhaseStamp>& phases() const { return phases_; }

 private:
  WifiErrc code_;
  std::vector<PhaseStamp> phases_;
};

}  // namespace tapbench::wifi
