#include "drivers/wifi/supplicant_station.hpp"

#include <charconv>

#include "drivers/wifi/ctrl_channel.hpp"
#include "drivers/wifi/dhcp.hpp"
#include "drivers/wifi/hostapd_access_point.hpp"
#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

using std::chrono::milliseconds;

int add_network(WpaCtrl& ctrl) {
  auto reply = ctrl.request_checked("ADD_NETWORK");
  int id = -1;
  auto [ptr, ec] = std::from_chars(reply.data(), reply.data() + reply.size(), id);
  if (ec != std::errc{} || id < 0 || (ptr != reply.data() + reply.size() && *ptr != '\n')) {
    throw WifiError(WifiErrc::kBadReply, "wpa_supplicant answered ADD_NETWORK with '" + reply + "'");
  }
  return id;
}

SupplicantStation::SupplicantStation(std::string ctrl_socket, const Clock& clock, std::string netns)
    : ctrl_socket_(std::move(ctrl_socket)), clock_(clock), netns_(std::move(netns)) {}

SupplicantStation::~SupplicantStation() {
  try {
    remove_network();
  } catch (const WifiError&) {
    // The daemon may be gone already; nothing left to clean up then.
  }
}

WpaCtrl& SupplicantStation::ctrl() {
  if (!ctrl_) {
    ctrl_ = std::make_unique<WpaCtrl>(ctrl_socket_, clock_);
    ctrl_->attach();
  }
  return *ctrl_;
}

void SupplicantStation::remove_network() {
  if (!network_id_ || !ctrl_) return;
  auto id = *network_id_;
  network_id_.reset();
  ctrl_->request("REMOVE_NETWORK " + std::to_string(id));
}

Joined SupplicantStation::join(const JoinRequest& req) {
  validate(req.credentials);
  if (req.obtain_address && is_relayed(ctrl_socket_)) {
    throw WifiError(WifiErrc::kBadArgument,
                    "station at " + ctrl_socket_ +
                        ": DHCP"
                        " runs on the machine of the interface: not available through a relay (tcp:) "
                        "address; run the rig in the radio-lab VM for DHCP");
  }
  auto& c = ctrl();
  remove_network();  // a previous join's network
  Joined joined;
  auto& phases = joined.phases;

  const int id = add_network(c);
  network_id_ = id;
  const std::string n = "SET_NETWORK " + std::to_string(id) + " ";
  try {
    c.request_ok(n + "ssid " + to_hex(req.credentials.ssid));
    c.request_ok(n + "psk \"" + req.credentials.passphrase + "\"");
    c.request_ok(n + "key_mgmt WPA-PSK");
    c.request_ok(n + "scan_ssid 1");
    if (req.freq_mhz) {
      c.request_ok(n + "scan_freq " + std::to_string(*req.freq_mhz));
      c.request_ok(n + "freq_list " + std::to_string(*req.freq_mhz));
    }
    // Events of earlier operations (a leave()'s DISCONNECTED, an old network's failures) are not this join's.
    c.clear_events();
    phases.push_back({LinkPhase::kRequested, clock_.monotonic_now(), "join requested"});
    c.request_ok("SELECT_NETWORK " + std::to_string(id));
  } catch (WifiError& e) {
    remove_network();
    throw WifiError(e.code(), e.what(), phases);
  }

  int not_found = 0, rejects = 0, scan_failures = 0;
  const auto start = clock_.monotonic_now();
  auto fail = [&](WifiErrc code, const std::string& why) -> WifiError {
    try {
      remove_network();
    } catch (const WifiError&) {
    }
    return WifiError(code, "join '" + req.credentials.ssid + "': " + why, phases);
  };
  for (;;) {
    auto spent = std::chrono::duration_cast<milliseconds>(clock_.monotonic_now() - start);
    auto left = req.timeout - spent;
    std::optional<WpaEvent> e;
    try {
      e = left.count() > 0 ? c.next_event(left) : std::nullopt;
    } catch (const WifiError& err) {
      throw WifiError(err.code(), err.what(), phases);
    }
    if (!e) {
      if (rejects > 0)
        throw fail(WifiErrc::kAssociationRejected,
                   "rejected by the AP " + std::to_string(rejects) + " time(s)");
      if (!first_of(phases, LinkPhase::kAssociating) &&
          (not_found > 0 || first_of(phases, LinkPhase::kScanResults))) {
        throw fail(WifiErrc::kNetworkNotFound,
                   "not found in " + std::to_string(std::max(not_found, 1)) + " scan(s)" +
                       (req.freq_mhz ? " on " + std::to_string(*req.freq_mhz) + " MHz" : ""));
      }
      throw fail(WifiErrc::kTimeout,
                 "not connected within " + std::to_string(req.timeout.count()) + " ms" +
                     (scan_failures ? " (" + std::to_string(scan_failures) + " scan(s) failed)" : ""));
    }
    if (e->is("CTRL-EVENT-SCAN-STARTED")) {
      phases.push_back({LinkPhase::kScanStarted, e->at, e->text});
    } else if (e->is("CTRL-EVENT-SCAN-RESULTS")) {
      phases.push_back({LinkPhase::kScanResults, e->at, e->text});
    } else if (e->is("CTRL-EVENT-SCAN-FAILED")) {
      ++scan_failures;
    } else if (e->is("CTRL-EVENT-NETWORK-NOT-FOUND")) {
      ++not_found;
    } else if (e->starts_with("Trying to associate with ")) {
      phases.push_back({LinkPhase::kAssociating, e->at, e->text});
    } else if (e->starts_with("Associated with ")) {
      phases.push_back({LinkPhase::kAssociated, e->at, e->text});
    } else if (e->is("CTRL-EVENT-ASSOC-REJECT")) {
      ++rejects;
    } else if (e->is("CTRL-EVENT-SSID-TEMP-DISABLED")) {
      if (e->field("id") == std::to_string(id) && e->field("reason") == "WRONG_KEY") {
        throw fail(WifiErrc::kWrongPassphrase, "4-way handshake failed: wrong passphrase (" + e->text + ")");
      }
      // Other reasons (CONN_FAILED, AUTH_FAILED): the daemon retries; the deadline decides.
    } else if (e->is("CTRL-EVENT-TERMINATING")) {
      throw WifiError(WifiErrc::kDaemonGone, "wpa_supplicant at " + ctrl_socket_ + " terminated during join",
                      phases);
    } else if (e->is("CTRL-EVENT-CONNECTED")) {
      phases.push_back({LinkPhase::kConnected, e->at, e->text});
      auto status = c.request("STATUS");
      joined.bssid = status_value(status, "bssid");
      auto f = status_value(status, "freq");
      joined.freq_mhz = f.empty() ? 0 : std::stoi(f);
      if (req.obtain_address) {
        try {
          auto lease = obtain_lease(ifname_of(ctrl_socket_), netns_, req.dhcp_timeout);
          joined.ip_address = lease.ip;
          phases.push_back({LinkPhase::kIpAddress, clock_.monotonic_now(), "DHCP lease ip=" + lease.ip});
        } catch (const WifiError& err) {
          c.request("DISCONNECT");
          throw fail(WifiErrc::kDhcpFailed, err.what());
        }
      }
      return joined;
    }
  }
}

void SupplicantStation::leave() {
  if (!network_id_) return;
  ctrl().request("DISCONNECT");
  remove_network();
}

}  // namespace tapbench::wifi
