// Checks the run folder of `tapbench run --bench hwsim --suite smoke` started on the host
// (hwsim_smoke_test.sh): tapbench booted the radio-lab VM, ran the suite inside against real hostapd /
// wpa_supplicant and brought the run folder back. What it asserts is what a user reads: every smoke case PASS
// on bench hwsim, and the flow cycles' radio phases come from the daemons' own events (wpa_supplicant's scan
// / association / CTRL-EVENT-CONNECTED, the GO's DHCP lease, hostapd's AP-STA-CONNECTED) — never the link
// model's.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "tests/integration/wifi/run_record.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace hwsim_check;

namespace {

// "+153 ms Associated with 46:00:00:00:02:00" → the text after the offset.
std::string event_of(const json::object& notes, const char* key) {
  const std::string v = str(notes, key);
  INFO(key << " = '" << v << "'");
  REQUIRE(v.starts_with("+"));
  const auto ms = v.find(" ms ");
  REQUIRE(ms != std::string::npos);
  return v.substr(ms + 4);
}

void check_real_join(const json::object& cycle) {
  const auto& notes = cycle.at("notes").as_object();
  INFO(json::serialize(notes));
  CHECK(str(notes, "radio.backend") == "hostap");
  for (const auto& kv : notes) {
    const std::string key(kv.key());
    CHECK_MESSAGE(std::string(kv.value().as_string()).find("link-model") == std::string::npos, key);
  }
  CHECK(event_of(notes, "phone.scan-started").starts_with("CTRL-EVENT-SCAN-STARTED"));
  CHECK(event_of(notes, "phone.scan-results").starts_with("CTRL-EVENT-SCAN-RESULTS"));
  const std::string associated = event_of(notes, "phone.associated");
  REQUIRE(associated.starts_with("Associated with "));
  const std::string bssid = associated.substr(std::string("Associated with ").size(), 17);
  // The 4-way handshake with the very GO it associated with: the printer's group, on a real radio.
  CHECK(event_of(notes, "phone.connected").starts_with("CTRL-EVENT-CONNECTED - Connection to " + bssid));
  CHECK(str(notes, "phone.ip").starts_with("192.168.49."));  // leased by printerd's group (udhcpd)
  // printerd's tag announced the GO the phone really associated with (the strategy learnt it from
  // drivers/wifi and passed it as go-mac=).
  CHECK(str(notes, "tag.go_mac") == bssid);
}

}  // namespace

TEST_CASE("hwsim smoke suite from the host: every case PASS, flow cycles on real association events") {
  const char* dir_env = std::getenv("HWSIM_RUN_DIR");
  REQUIRE_MESSAGE(dir_env != nullptr, "set HWSIM_RUN_DIR to the host run folder");
  const fs::path dir(dir_env);
  const auto recs = records(dir);
  REQUIRE(!recs.empty());
  CHECK(str(recs.front(), "bench") == "hwsim");
  CHECK(str(recs.front(), "suite") == "smoke");

  const std::set<std::string> smoke = {"provisioning", "tap-to-print",   "second-tap",         "token-pwt",
                                       "token-pt",     "token-st",       "token-svwt",         "token-svt",
                                       "token-cwt",    "ink-low-notice", "printer-deactivated"};
  std::set<std::string> passed;
  for (const auto& r : recs) {
    if (str(r, "type") != "case_end") continue;
    INFO(json::serialize(r));
    CHECK(str(r, "outcome") == "PASS");
    if (str(r, "outcome") == "PASS") passed.insert(str(r, "case"));
  }
  CHECK(passed == smoke);
  CHECK(recs.back().at("exit_code").as_int64() == 0);

  SUBCASE("provisioning: the phone joins the printer's GO, the printer's station joins the router") {
    const auto cycle = final_cycle(recs, "provisioning");
    INFO(json::serialize(cycle));
    const auto e = edges(cycle);
    for (const char* phase : {"field_on", "ndef_read", "wifi_scan", "wifi_associated", "carrier_up",
                              "wifi_ip", "auth_ok", "router_handover", "printer_on_lan"})
      CHECK_MESSAGE(e.count(phase) == 1, phase);
    check_real_join(cycle);
    CHECK(str(cycle.at("notes").as_object(), "router.station").starts_with("AP-STA-CONNECTED "));
  }
  SUBCASE("tap-to-print: the second tap's join is real too") {
    const auto cycle = final_cycle(recs, "tap-to-print");
    INFO(json::serialize(cycle));
    edges(cycle);
    check_real_join(cycle);
  }
  SUBCASE("the host run folder holds the reports and the lab's daemon logs") {
    for (const char* f :
         {"junit.xml", "summary.txt", "summary.json", "report.html", "bench/printerd.console.log",
          "bench/vendord.log", "radio-lab/router-hostapd.log", "radio-lab/phone-wpa_supplicant.log",
          "radio-lab/printer-p2p-wpa_supplicant.log", "radio-lab/radio-lab/console.log"})
      CHECK_MESSAGE(fs::exists(dir / f), f);
    // report.html shows the radio phases: the drawn cycles' notes carry the daemons' events.
    std::ifstream in(dir / "report.html");
    const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(html.find("<tr data-note=\"phone.associated\"><td>phone.associated</td><td>+") !=
          std::string::npos);
    CHECK(html.find("CTRL-EVENT-CONNECTED - Connection to ") != std::string::npos);
  }
}
