// Checks the run folder that `tapbench run --bench hwsim --suite radio` wrote inside the radio-lab VM and
// that came back to the host through the 9p share (hwsim_bench_test.sh boots the VM, then runs this with
// HWSIM_RUN_DIR=<share>/run). What it asserts is what a user reads in the run record: every case passed,
// on real hostapd / wpa_supplicant (backend hostap, daemon event text, not the link model's), with every
// radio phase reached in order, and each injected fault counted in its own class.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::vector<json::object> records(const fs::path& dir) {
  std::ifstream in(dir / "run.jsonl");
  REQUIRE_MESSAGE(in, "no run.jsonl in " << dir.string());
  std::vector<json::object> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line).as_object());
  return out;
}

std::string str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

// The final cycle record of `case_id` (the attempt that counts).
json::object final_cycle(const std::vector<json::object>& recs, const std::string& case_id) {
  json::object found;
  for (const auto& r : recs)
    if (str(r, "type") == "cycle" && str(r, "case") == case_id && !r.at("retried").as_bool()) found = r;
  REQUIRE_MESSAGE(!found.empty(), "no cycle of " << case_id << " in run.jsonl");
  return found;
}

std::map<std::string, std::int64_t> edges(const json::object& cycle) {
  std::map<std::string, std::int64_t> out;
  std::int64_t previous = 0;
  for (const auto& p : cycle.at("phases").as_array()) {
    const auto& e = p.as_object();
    const auto name = str(e, "name");
    REQUIRE_MESSAGE(e.at("at_ns").is_int64(), name << " not reached");
    const auto at = e.at("at_ns").as_int64();
    CHECK_MESSAGE(at >= previous, name << " out of order");
    previous = at;
    out[name] = at;
  }
  return out;
}

}  // namespace

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
