// The radio cases through the runner on the sim bench's link model (ManualClock: modelled time passes
// exactly, no wall time), and Wi-Fi errors → outcome classes.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>

#include "rig/bench/bench_loader.hpp"
#include "rig/cases/builtin_cases.hpp"
#include "rig/cases/radio_bench.hpp"
#include "rig/cases/radio_cases.hpp"
#include "rig/runner/runner.hpp"

using namespace tapbench;
using namespace tapbench::rig;
using namespace std::chrono_literals;
using wifi::WifiErrc;

namespace {

class Recorder final : public RunObserver {
 public:
  std::vector<CycleRecord> cycles;
  std::vector<CaseResult> cases;
  void on_cycle(const CycleRecord& r, const CaseCounts&) override { cycles.push_back(r); }
  void on_case_end(const CaseResult& r) override { cases.push_back(r); }
};

struct Fixture {
  ManualClock clock;
  CaseRegistry registry = make_case_registry();
  SecretRegistry secrets;
  Recorder recorder;
  Bench bench = load_bench("sim");
  Suite suite;
  wifi::WaitUntil wait = [this](MonotonicTime t) {
    const auto d = t - clock.monotonic_now();
    if (d.count() > 0) clock.advance(d);
  };

  explicit Fixture(const std::string& id) {
    registry.add(id == "radio-handover" ? radio_handover_info() : radio_faults_info(),
                 [this, id](const CaseEnvironment& env) { return make_radio_case_waiting(id, env, wait); });
    suite.name = "radio";
    SuiteCase c;
    c.id = id;
    c.cycles = 2;
    c.retries = 0;
    c.timeouts.phase = 10s;
    suite.cases.push_back(c);
  }
  RunResult run() {
    Runner runner(clock, registry, secrets, recorder);
    return runner.run(bench, suite);
  }
};

std::string note_of(const CycleRecord& r, const std::string& key) {
  for (const auto& [k, v] : r.notes)
    if (k == key) return v;
  return "";
}

std::chrono::nanoseconds at(const CycleRecord& r, const std::string& phase) {
  for (const auto& p : r.phases)
    if (p.name == phase) {
      REQUIRE_MESSAGE(p.at.has_value(), phase << " not reached");
      return *p.at;
    }
  FAIL("no phase " << phase);
  return {};
}

}  // namespace

TEST_CASE("wifi errors: the system under test's radio → FAIL, the bench's → ERROR, each with its class") {
  const wifi::WifiError wrong(WifiErrc::kWrongPassphrase, "4-way handshake failed");
  auto o = wifi_outcome(wrong, WifiParty::kSystemUnderTest, "phone joins");
  CHECK(o.outcome() == Outcome::kFail);
  CHECK(o.failure_class() == "wifi-wrong-passphrase");
  CHECK(std::string(o.what()) == "phone joins: 4-way handshake failed");
  CHECK(wifi_outcome(wrong, WifiParty::kBench, "x").outcome() == Outcome::kError);
  for (auto code : {WifiErrc::kNetworkNotFound, WifiErrc::kDhcpFailed, WifiErrc::kAssociationRejected,
                    WifiErrc::kApStartFailed, WifiErrc::kTimeout}) {
    CHECK(wifi_outcome(wifi::WifiError(code, "m"), WifiParty::kSystemUnderTest, "x").outcome() ==
          Outcome::kFail);
    CHECK(wifi_outcome(wifi::WifiError(code, "m"), WifiParty::kBench, "x").outcome() == Outcome::kError);
  }
  // A daemon that died is the bench's problem whoever's radio it was.
  for (auto code : {WifiErrc::kDaemonGone, WifiErrc::kNoDaemon, WifiErrc::kIo, WifiErrc::kCommandFailed}) {
    CHECK(wifi_outcome(wifi::WifiError(code, "m"), WifiParty::kSystemUnderTest, "x").outcome() ==
          Outcome::kError);
  }
  CHECK(wifi_failure_class(WifiErrc::kDhcpFailed) == "wifi-dhcp-failed");
  CHECK(wifi_failure_class(WifiErrc::kNetworkNotFound) == "wifi-network-not-found");
  CHECK(wifi_failure_class(WifiErrc::kDaemonGone) == "wifi-daemon-gone");
}

TEST_CASE("radio-handover on the sim bench: every radio phase is an edge, at the modelled durations") {
  Fixture f("radio-handover");
  const RunResult result = f.run();
  REQUIRE(result.cases.size() == 1);
  CHECK_MESSAGE(result.cases[0].outcome == Outcome::kPass, result.cases[0].reason);
  REQUIRE(f.recorder.cycles.size() == 2);
  for (const auto& r : f.recorder.cycles) {
    CHECK_MESSAGE(r.outcome == Outcome::kPass, r.failure_class << ": " << r.reason);
    const wifi::LinkModelTiming t;
    CHECK(at(r, "router_up") == t.ap_start);
    CHECK(at(r, "group_up") - at(r, "router_up") == t.go_start);
    CHECK(at(r, "phone_scan") - at(r, "group_up") == t.scan_one_channel);
    CHECK(at(r, "phone_connected") - at(r, "phone_scan") == t.association + t.handshake);
    CHECK(at(r, "phone_ip") - at(r, "phone_connected") == t.dhcp);
    CHECK(at(r, "printer_ip") > at(r, "printer_connected"));
    CHECK(at(r, "router_saw_printer") >= at(r, "printer_ip"));
    CHECK(note_of(r, "radio.backend") == "link-model");
    CHECK(note_of(r, "phone.ip") == "192.168.49.10");  // each cycle's group is new: its pool starts again
    CHECK(note_of(r, "printer.ip") == "192.168.77.10");
    CHECK(note_of(r, "phone.connected").starts_with("link-model: CTRL-EVENT-CONNECTED"));
    CHECK(note_of(r, "go.station") == "02:00:00:00:ff:01");
  }
}

TEST_CASE("radio-faults on the sim bench: each fault arrives as its typed error and class") {
  Fixture f("radio-faults");
  const RunResult result = f.run();
  REQUIRE(result.cases.size() == 1);
  CHECK_MESSAGE(result.cases[0].outcome == Outcome::kPass, result.cases[0].reason);
  REQUIRE(f.recorder.cycles.size() == 2);
  for (const auto& r : f.recorder.cycles) {
    CHECK_MESSAGE(r.outcome == Outcome::kPass, r.failure_class << ": " << r.reason);
    CHECK(note_of(r, "fault.handshake") == "FAIL wifi-wrong-passphrase");
    CHECK(note_of(r, "fault.dhcp") == "FAIL wifi-dhcp-failed");
    CHECK(note_of(r, "fault.ap-gone") == "ERROR wifi-network-not-found");
    // The DHCP fault waits out its 2 s timeout; the gone router is scanned for until the 3 s deadline.
    CHECK(at(r, "dhcp_failure_reported") - at(r, "wrong_passphrase_refused") >= 2s);
    CHECK(at(r, "ap_gone_reported") - at(r, "router_gone") == 3s);
  }
}

TEST_CASE("radio cases skip on a bench without radios, and refuse a radio-lab bench outside the lab") {
  Fixture f("radio-handover");
  f.bench.roles.erase(Role::kRouter);
  auto result = f.run();
  REQUIRE(result.cases.size() == 1);
  CHECK(result.cases[0].outcome == Outcome::kSkip);
  CHECK(result.cases[0].reason.find("router") != std::string::npos);

  Fixture g("radio-handover");
  g.bench = load_bench("hwsim");
  ::unsetenv("RADIO_ROUTER_CTRL");
  result = g.run();
  REQUIRE(result.cases.size() == 1);
  CHECK(result.cases[0].outcome == Outcome::kError);
  CHECK(result.cases[0].reason.find("RADIO_ROUTER_CTRL") != std::string::npos);
}

TEST_CASE("radio roles on a given air directory: the rig's phone and router share printerd's air") {
  std::string pattern = (std::filesystem::temp_directory_path() / "tb-rig-air-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  const std::filesystem::path dir = pattern;
  ManualClock clock;
  wifi::WaitUntil wait = [&](MonotonicTime t) {
    const auto d = t - clock.monotonic_now();
    if (d.count() > 0) clock.advance(d);
  };
  {
    RadioRoles rig = make_radio_roles(load_bench("sim"), clock, wait, dir);
    REQUIRE(rig.air);
    CHECK(rig.air->directory() == dir);
    // printerd's side: its own handle on the same directory (what --radio link-model:DIR opens).
    wifi::LinkModelAir printerd_air(dir);
    wifi::LinkModelP2pGroupOwner go(printerd_air, clock, wait);
    go.start({{"DIRECT-tb-printer", "handover-passphrase"}, 2437}, 5s);
    auto joined = rig.phone->join({{"DIRECT-tb-printer", "handover-passphrase"}, 2437, 10s});
    CHECK(go.wait_station(1s).mac == "02:00:00:00:ff:01");
    rig.router->start({{"tapbench-home", "sim-only-passphrase"}, 6}, 5s);
    wifi::LinkModelStation printer_sta(printerd_air, clock, wait, {}, "02:00:00:00:f0:01");
    CHECK(printer_sta.join({{"tapbench-home", "sim-only-passphrase"}, 2437, 10s}).bssid != joined.bssid);
    CHECK(rig.router->wait_station(1s).mac == "02:00:00:00:f0:01");
  }
  std::filesystem::remove_all(dir);
}
