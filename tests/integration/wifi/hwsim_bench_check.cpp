// Checks the run folder that `tapbench run --bench hwsim --suite radio` wrote inside the radio-lab VM and
// that came back to the host through the 9p share (hwsim_bench_test.sh boots the VM, then runs this with
// HWSIM_RUN_DIR=<share>/run). What it asserts is what a user reads in the run record: every case passed,
// on real hostapd / wpa_supplicant (backend hostap, daemon event text, not the link model's), with every
// radio phase reached in order, and each injected fault counted in its own class.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "tests/integration/wifi/run_record.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace hwsim_check;

TEST_CASE("hwsim bench, radio suite: real association events in the run record, faults in their classes") {
  const char* dir = std::getenv("HWSIM_RUN_DIR");
  REQUIRE_MESSAGE(dir != nullptr, "set HWSIM_RUN_DIR to the run folder the VM wrote");
  const auto recs = records(dir);
  REQUIRE(!recs.empty());
  CHECK(str(recs.front(), "bench") == "hwsim");

  const auto handover = final_cycle(recs, "radio-handover");
  INFO("radio-handover: " << json::serialize(handover));
  CHECK(str(handover, "outcome") == "PASS");
  const auto e = edges(handover);
  for (const char* phase :
       {"router_up", "group_up", "phone_scan", "phone_associated", "phone_connected", "phone_ip",
        "go_saw_phone", "printer_connected", "printer_ip", "router_saw_printer"})
    CHECK_MESSAGE(e.count(phase) == 1, phase);
  const auto& notes = handover.at("notes").as_object();
  CHECK(str(notes, "radio.backend") == "hostap");
  // wpa_supplicant's own event, not the model's "link-model: …"
  CHECK(str(notes, "phone.connected").starts_with("CTRL-EVENT-CONNECTED - Connection to "));
  CHECK(str(notes, "phone.ip").starts_with("192.168.49."));
  CHECK(str(notes, "printer.ip").starts_with("192.168.77."));

  const auto faults = final_cycle(recs, "radio-faults");
  INFO("radio-faults: " << json::serialize(faults));
  CHECK(str(faults, "outcome") == "PASS");
  edges(faults);
  const auto& fnotes = faults.at("notes").as_object();
  CHECK(str(fnotes, "radio.backend") == "hostap");
  CHECK(str(fnotes, "fault.handshake") == "FAIL wifi-wrong-passphrase");
  CHECK(str(fnotes, "fault.dhcp") == "FAIL wifi-dhcp-failed");
  CHECK(str(fnotes, "fault.ap-gone") == "ERROR wifi-network-not-found");
}
