// WifiRadio on drivers/wifi's link model (ManualClock: modelled durations pass instantly): the P2P group
// a phone can join with the tag's credentials, idempotent re-assertion, the router join and its typed
// failures as HalCodes.
#include <doctest/doctest.h>

#include "drivers/wifi/wifi_error.hpp"
#include "firmware-under-test/port/linux/bindings/wifi_radio.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::port;

namespace {
struct Bench {
  ManualClock clock;
  wifi::LinkModelAir air;
  wifi::WifiEnvironment env{clock,
                            &air,
                            [this](MonotonicTime t) {
                              if (t > clock.monotonic_now()) clock.advance(t - clock.monotonic_now());
                            },
                            {}};
  WifiRadio radio{WifiRadioConfig{}, env};
};
}  // namespace

TEST_CASE("group up: a phone joins with the same credentials; the GO MAC and channel come back") {
  Bench b;
  const hal::GroupConfig g{"DIRECT-tb-dv1", "passphrase-123", 6};
  auto up = b.radio.start_group(g);
  REQUIRE(up.ok());
  CHECK(up->channel == 6);
  const auto net = b.air.find("DIRECT-tb-dv1", 2437);
  REQUIRE(net);
  CHECK(WifiRadio::parse_mac(net->bssid) == up->go_mac);
  CHECK(up->go_mac != hal::MacAddress{});
  wifi::LinkModelStation phone(b.air, b.clock, b.env.wait_until);
  wifi::JoinRequest join;
  join.credentials = {"DIRECT-tb-dv1", "passphrase-123"};
  join.freq_mhz = 2437;
  join.credentials.passphrase = "wrong-passphrase";
  CHECK_THROWS_AS(phone.join(join), wifi::WifiError);
  join.credentials.passphrase = "passphrase-123";
  CHECK_NOTHROW(phone.join(join));
  // Idempotent: same config → same group (the phone stays associated).
  auto again = b.radio.start_group(g);
  REQUIRE(again.ok());
  CHECK(again->go_mac == up->go_mac);
  CHECK(b.air.find("DIRECT-tb-dv1", std::nullopt)->stations.size() == 1);
  // A new passphrase (reboot) replaces the group.
  auto other = b.radio.start_group({"DIRECT-tb-dv1", "another-pass-1", 0});
  REQUIRE(other.ok());
  CHECK(other->channel == 6);  // default 2437 MHz
  REQUIRE(b.radio.stop_group().ok());
  CHECK_FALSE(b.air.find("DIRECT-tb-dv1", std::nullopt));
  CHECK(b.radio.stop_group().ok());  // idempotent
}

TEST_CASE("group refusals are HalCodes, not exceptions") {
  Bench b;
  auto bad = b.radio.start_group({"not-direct", "passphrase-123", 0});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code == hal::HalCode::rejected);
  CHECK(bad.status().detail.find("P2P group") == 0);
  auto short_pass = b.radio.start_group({"DIRECT-tb-x", "short", 0});
  CHECK(short_pass.status().code == hal::HalCode::rejected);
  CHECK(short_pass.status().detail.find("short") == std::string::npos);  // never echoes the passphrase
  CHECK(b.radio.start_group({"DIRECT-tb-x", "passphrase-123", 200}).status().code == hal::HalCode::rejected);
}

TEST_CASE("router join: ok on the right passphrase; wrong passphrase, absent SSID and raw PSK are typed") {
  Bench b;
  b.air.add({"home", "router-pass-1"}, 2412);
  WifiRadioConfig cfg;
  cfg.join_timeout = std::chrono::milliseconds{5000};
  WifiRadio radio(cfg, b.env);
  CHECK(radio.join_station({"home", "router-pass-1"}).ok());
  REQUIRE(radio.leave_station().ok());
  const auto wrong = radio.join_station({"home", "router-pass-2"});
  CHECK(wrong.code == hal::HalCode::rejected);
  CHECK(wrong.detail.find("wrong-passphrase") != std::string::npos);
  CHECK(radio.join_station({"nowhere", "router-pass-1"}).code == hal::HalCode::unreachable);
  CHECK(radio.join_station({"home", std::string(64, 'a')}).code == hal::HalCode::unsupported);
}

TEST_CASE("a hostap role without a control socket is refused at construction") {
  ManualClock clock;
  WifiRadioConfig cfg;
  cfg.group_owner.backend = wifi::WifiBackend::kHostap;
  CHECK_THROWS_AS(WifiRadio(cfg, wifi::WifiEnvironment{clock, nullptr, {}, {}}), wifi::WifiError);
}

TEST_CASE("--radio specs: link-model, hostap with its sockets and GO MAC; clear errors") {
  WifiRadioConfig c;
  std::string err;
  REQUIRE(parse_radio_spec("link-model", c, err));
  CHECK(c.group_owner.backend == wifi::WifiBackend::kLinkModel);
  CHECK(c.air_dir.empty());
  REQUIRE(parse_radio_spec("link-model:/tmp/bench/air", c, err));
  CHECK(c.group_owner.backend == wifi::WifiBackend::kLinkModel);
  CHECK(c.station.backend == wifi::WifiBackend::kLinkModel);
  CHECK(c.air_dir == "/tmp/bench/air");
  CHECK(c.station.station_mac != "02:00:00:00:ff:01");  // not the phone's default MAC on a shared air
  CHECK_FALSE(parse_radio_spec("link-model:", c, err));
  CHECK(err.find("link-model:DIR") != std::string::npos);
  REQUIRE(parse_radio_spec(
      "hostap:p2p=/run/wpa/p2p-dev-wlan1,sta=/run/wpa/wlan2,go-mac=02:00:00:00:01:00,dhcp", c, err));
  CHECK(c.group_owner.backend == wifi::WifiBackend::kHostap);
  CHECK(c.station.backend == wifi::WifiBackend::kHostap);
  CHECK(c.group_owner.ctrl_socket == "/run/wpa/p2p-dev-wlan1");
  CHECK(c.station.ctrl_socket == "/run/wpa/wlan2");
  CHECK(c.go_mac == "02:00:00:00:01:00");
  CHECK(c.obtain_address);
  CHECK_FALSE(parse_radio_spec("hwsim", c, err));
  CHECK(err.find("expected link-model, link-model:DIR or hostap:") != std::string::npos);
  CHECK_FALSE(parse_radio_spec("hostap:p2p=/a,sta=/b", c, err));
  CHECK(err == "--radio hostap: go-mac= is required");
  CHECK_FALSE(parse_radio_spec("hostap:p2p=/a,sta=/b,go-mac=zz", c, err));
  CHECK(err.find("not a MAC address") != std::string::npos);
  CHECK_FALSE(parse_radio_spec("hostap:p2p=/a,sta=/b,go-mac=02:00:00:00:01:00,colour=red", c, err));
  CHECK(err.find("unknown key 'colour'") != std::string::npos);
  CHECK_FALSE(parse_radio_spec("hostap:p2p,sta=/b", c, err));
  CHECK(err.find("'p2p' needs a value") != std::string::npos);
}
