#include <doctest/doctest.h>

#include "drivers/wifi/credentials.hpp"
#include "drivers/wifi/hostapd_access_point.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "drivers/wifi/wpa_ctrl.hpp"

using namespace tapbench::wifi;

TEST_CASE("event datagrams: <N> prefix parsed, replies are not events") {
  auto e = parse_event_datagram(
      "<3>CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=]");
  REQUIRE(e);
  CHECK(e->priority == 3);
  CHECK(e->name() == "CTRL-EVENT-CONNECTED");
  CHECK(e->field("id") == "0");
  CHECK(e->field("id_str") == "");

  auto ap = parse_event_datagram("<3>AP-ENABLED ");
  REQUIRE(ap);
  CHECK(ap->is("AP-ENABLED"));

  CHECK_FALSE(parse_event_datagram("OK\n"));
  CHECK_FALSE(parse_event_datagram("PONG\n"));
  CHECK_FALSE(parse_event_datagram("<>x"));
  CHECK_FALSE(parse_event_datagram("<3"));
  CHECK_FALSE(parse_event_datagram("<12345>x"));
}

TEST_CASE("event fields: quoted values, keys only at word starts") {
  auto e = parse_event_datagram(
      "<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid=\"my net\" auth_failures=1 duration=10 reason=WRONG_KEY");
  REQUIRE(e);
  CHECK(e->field("ssid") == "my net");
  CHECK(e->field("reason") == "WRONG_KEY");
  CHECK(e->field("failures") == std::nullopt);  // not a match inside auth_failures
  CHECK(e->field("auth_failures") == "1");
}

TEST_CASE("commands in errors and logs never carry secrets") {
  CHECK(redact_command("SET_NETWORK 0 psk \"hunter2hunter2\"") == "SET_NETWORK 0 psk");
  CHECK(redact_command("SET wpa_passphrase hunter2hunter2") == "SET wpa_passphrase");
  CHECK(redact_command("WPS_NFC_TAG_READ 10020304") == "WPS_NFC_TAG_READ");
  CHECK(redact_command("PING") == "PING");
}

TEST_CASE("STATUS key=value lines") {
  std::string reply = "state=ENABLED\nfreq=2437\nbssid[0]=02:00:00:00:00:00\nssid[0]=x=y\n";
  CHECK(status_value(reply, "state") == "ENABLED");
  CHECK(status_value(reply, "ssid[0]") == "x=y");
  CHECK(status_value(reply, "ssid") == "");
  CHECK(status_value(reply, "freq") == "2437");
}

TEST_CASE("credentials: WPA2 rules, errors never echo the passphrase") {
  CHECK_NOTHROW(validate({"lab", "12345678"}));
  CHECK_NOTHROW(validate({std::string(32, 'x'), std::string(63, 'p')}));
  for (WifiCredentials bad : std::vector<WifiCredentials>{{"", "12345678"},
                                                          {std::string(33, 'x'), "12345678"},
                                                          {"lab", "1234567"},
                                                          {"lab", std::string(64, 'p')},
                                                          {"lab", "secret\npass"}}) {
    try {
      validate(bad);
      FAIL("accepted bad credentials");
    } catch (const WifiError& e) {
      CHECK(e.code() == WifiErrc::kBadArgument);
      if (bad.passphrase.size() > 0) CHECK(std::string(e.what()).find(bad.passphrase) == std::string::npos);
    }
  }
  CHECK(channel_to_freq_mhz(1) == 2412);
  CHECK(channel_to_freq_mhz(6) == 2437);
  CHECK(channel_to_freq_mhz(14) == 2484);
  CHECK(channel_to_freq_mhz(36) == 5180);
  CHECK_THROWS_AS(channel_to_freq_mhz(0), WifiError);
  CHECK(to_hex("A b") == "412062");
  CHECK(same_secret("abcdefgh", "abcdefgh"));
  CHECK_FALSE(same_secret("abcdefgh", "abcdefgi"));
  CHECK_FALSE(same_secret("abcdefgh", "abcdefg"));
}
