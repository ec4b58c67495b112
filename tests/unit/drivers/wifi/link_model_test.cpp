// The link model on a ManualClock: same phases and typed errors as the real backends, modelled durations
// passing exactly (no wall time).
#include <doctest/doctest.h>

#include "drivers/wifi/link_model.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "drivers/wifi/wifi_factory.hpp"

using namespace tapbench;
using namespace tapbench::wifi;
using namespace std::chrono_literals;

namespace {

struct Bench {
  ManualClock clock;
  LinkModelAir air;
  LinkModelTiming timing;
  WaitUntil wait = [this](MonotonicTime t) {
    auto d = t - clock.monotonic_now();
    if (d.count() > 0) clock.advance(d);
  };
};

std::vector<LinkPhase> phases_of(const std::vector<PhaseStamp>& stamps) {
  std::vector<LinkPhase> out;
  for (const auto& s : stamps)
    out.push_back(s.phase);
  return out;
}

}  // namespace

TEST_CASE("link model: a station joins an AP on a known channel, every phase stamped in order") {
  Bench b;
  LinkModelAccessPoint ap(b.air, b.clock, b.wait, b.timing);
  auto up = ap.start({{"home", "router-passphrase"}, 6}, 5s);
  CHECK(up.freq_mhz == 2437);
  CHECK(elapsed_to(up.phases, LinkPhase::kApEnabled) == b.timing.ap_start);

  LinkModelStation sta(b.air, b.clock, b.wait, b.timing, "02:00:00:00:aa:01");
  auto joined = sta.join({{"home", "router-passphrase"}, 2437, 10s});
  CHECK(phases_of(joined.phases) == std::vector<LinkPhase>{LinkPhase::kRequested, LinkPhase::kScanStarted,
                                                           LinkPhase::kScanResults, LinkPhase::kAssociating,
                                                           LinkPhase::kAssociated, LinkPhase::kConnected});
  CHECK(joined.bssid == up.bssid);
  CHECK(elapsed_to(joined.phases, LinkPhase::kConnected) ==
        b.timing.scan_one_channel + b.timing.association + b.timing.handshake);
  for (const auto& p : joined.phases)
    CHECK(p.detail.starts_with("link-model:"));
  CHECK(ap.stations() == std::vector<std::string>{"02:00:00:00:aa:01"});
  // The AP side saw it join (the modelled AP-STA-CONNECTED), at the station's connected instant, once.
  auto seen = ap.wait_station(1s);
  CHECK(seen.mac == "02:00:00:00:aa:01");
  CHECK(seen.stamp.at == *first_of(joined.phases, LinkPhase::kConnected));
  auto before = b.clock.monotonic_now();
  try {
    ap.wait_station(2s);
    FAIL("the same join was reported twice");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kTimeout);
    CHECK(b.clock.monotonic_now() - before == 2s);
  }
  sta.leave();
  CHECK(ap.stations().empty());
}

TEST_CASE("link model: without the channel the station pays a full scan") {
  Bench b;
  LinkModelP2pGroupOwner go(b.air, b.clock, b.wait, b.timing);
  auto up = go.start({{"DIRECT-xy-Printer", "go-passphrase"}, 2412}, 5s);
  CHECK(up.ssid == "DIRECT-xy-Printer");
  CHECK(elapsed_to(up.phases, LinkPhase::kGroupStarted) == b.timing.go_start);
  LinkModelStation sta(b.air, b.clock, b.wait, b.timing);
  auto joined = sta.join({{"DIRECT-xy-Printer", "go-passphrase"}, std::nullopt, 10s});
  CHECK(joined.freq_mhz == 2412);
  CHECK(elapsed_to(joined.phases, LinkPhase::kScanResults) == b.timing.scan_all_channels);
  CHECK(go.wait_station(1s).mac == "02:00:00:00:ff:01");
}

TEST_CASE("link model: wrong passphrase fails the handshake with the same typed error as wpa_supplicant") {
  Bench b;
  LinkModelAccessPoint ap(b.air, b.clock, b.wait, b.timing);
  ap.start({{"home", "router-passphrase"}, 1}, 5s);
  LinkModelStation sta(b.air, b.clock, b.wait, b.timing);
  try {
    sta.join({{"home", "router-passphrasf"}, 2412, 10s});
    FAIL("joined with a wrong passphrase");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kWrongPassphrase);
    CHECK(first_of(e.phases(), LinkPhase::kAssociated));
    CHECK_FALSE(first_of(e.phases(), LinkPhase::kConnected));
    CHECK(std::string(e.what()).find("router-passphras") == std::string::npos);
  }
  CHECK(ap.stations().empty());
}

TEST_CASE("link model: AP absent, gone, or on another channel → network-not-found at the deadline") {
  Bench b;
  LinkModelStation sta(b.air, b.clock, b.wait, b.timing);
  auto t0 = b.clock.monotonic_now();
  try {
    sta.join({{"nowhere", "12345678"}, 2437, 3s});
    FAIL("joined a network that is not on the air");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kNetworkNotFound);
    CHECK(b.clock.monotonic_now() - t0 == 3s);  // it kept scanning until the deadline, like the daemon
  }

  LinkModelAccessPoint ap(b.air, b.clock, b.wait, b.timing);
  ap.start({{"home", "router-passphrase"}, 11}, 5s);
  try {
    sta.join({{"home", "router-passphrase"}, 2437, 2s});  // told channel 6, AP is on 11
    FAIL("found an AP on a channel it did not scan");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kNetworkNotFound);
  }
  ap.stop();
  try {
    sta.join({{"home", "router-passphrase"}, std::nullopt, 10s});
    FAIL("joined a stopped AP");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kNetworkNotFound);
  }
}

TEST_CASE("link model: a deadline shorter than the join gives a timeout, not a false not-found") {
  Bench b;
  LinkModelAccessPoint ap(b.air, b.clock, b.wait, b.timing);
  ap.start({{"home", "router-passphrase"}, 6}, 5s);
  LinkModelStation sta(b.air, b.clock, b.wait, b.timing);
  try {
    sta.join({{"home", "router-passphrase"}, std::nullopt, 1s});  // a full scan takes 4 s
    FAIL("joined faster than a full scan");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kTimeout);
  }
  LinkModelP2pGroupOwner go(b.air, b.clock, b.wait, b.timing);
  try {
    go.start({{"printer", "go-passphrase"}, 2437}, 5s);
    FAIL("accepted a non-P2P SSID");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kBadArgument);
  }
}

TEST_CASE("factory: backends by name, incomplete configs refused with what is missing") {
  CHECK(parse_wifi_backend("hostap") == WifiBackend::kHostap);
  CHECK(parse_wifi_backend("hostapd") == WifiBackend::kHostap);
  CHECK(parse_wifi_backend("wpa_supplicant") == WifiBackend::kHostap);
  CHECK(parse_wifi_backend("link-model") == WifiBackend::kLinkModel);
  try {
    parse_wifi_backend("hwsim");
    FAIL("accepted an unknown backend");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kBadArgument);
    CHECK(std::string(e.what()).find("hostapd, wpa_supplicant, hostap or link-model") != std::string::npos);
  }

  Bench b;
  WifiEnvironment env{b.clock, &b.air, b.wait, b.timing};
  auto ap = make_access_point({WifiBackend::kLinkModel, "", "", ""}, env);
  auto sta = make_station({WifiBackend::kLinkModel, "", "02:00:00:00:bb:02", ""}, env);
  ap->start({{"home", "router-passphrase"}, 1}, 5s);
  sta->join({{"home", "router-passphrase"}, 2412, 10s});
  CHECK(ap->stations() == std::vector<std::string>{"02:00:00:00:bb:02"});

  CHECK_THROWS_AS(make_station({WifiBackend::kHostap, "", "", ""}, env), WifiError);
  WifiEnvironment no_air{b.clock, nullptr, b.wait, b.timing};
  CHECK_THROWS_AS(make_p2p_group_owner({WifiBackend::kLinkModel, "", "", ""}, no_air), WifiError);
  // The hostap backend connects lazily: a missing daemon shows up at the first operation, as kNoDaemon.
  auto real = make_access_point({WifiBackend::kHostap, "/nonexistent/ctrl/wlan0", "", ""}, env);
  try {
    real->stop();
    FAIL("stopped an AP behind a socket that does not exist");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kNoDaemon);
  }
}

TEST_CASE("link model: DHCP after the handshake — a lease from the AP's pool, or kDhcpFailed without one") {
  Bench b;
  LinkModelAccessPoint ap(b.air, b.clock, b.wait, b.timing);
  ApConfig with_dhcp{{"home", "router-passphrase"}, 6, DhcpPool{}};
  ap.start(with_dhcp, 5s);
  LinkModelStation first(b.air, b.clock, b.wait, b.timing, "02:00:00:00:aa:01");
  LinkModelStation second(b.air, b.clock, b.wait, b.timing, "02:00:00:00:aa:02");
  JoinRequest join{{"home", "router-passphrase"}, 2437, 10s, true, 3s};
  auto a = first.join(join);
  auto c = second.join(join);
  CHECK(a.ip_address == "192.168.77.10");
  CHECK(c.ip_address == "192.168.77.11");
  CHECK(a.phases.back().phase == LinkPhase::kIpAddress);
  CHECK(*elapsed_to(a.phases, LinkPhase::kIpAddress) - *elapsed_to(a.phases, LinkPhase::kConnected) ==
        b.timing.dhcp);

  LinkModelP2pGroupOwner go(b.air, b.clock, b.wait, b.timing);
  go.start({{"DIRECT-xy-Printer", "go-passphrase"}, 2412}, 5s);  // no DHCP server
  LinkModelStation phone(b.air, b.clock, b.wait, b.timing, "02:00:00:00:aa:03");
  try {
    phone.join({{"DIRECT-xy-Printer", "go-passphrase"}, 2412, 10s, true, 3s});
    FAIL("got an address from a group that serves none");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kDhcpFailed);
    CHECK(first_of(e.phases(), LinkPhase::kConnected));  // the link itself came up
    CHECK_FALSE(first_of(e.phases(), LinkPhase::kIpAddress));
    CHECK(b.clock.monotonic_now() - *first_of(e.phases(), LinkPhase::kConnected) == 3s);  // udhcpc's timeout
  }
}
