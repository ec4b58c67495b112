// The radio half of the bench strategy (rig/strategy/bench_radio.hpp): which backend a bench gets, what
// printerd is told, and what a user reads when the radio lab is not there or reached the wrong way. Nothing
// here starts a daemon or a model's timer (the lab's daemons run in integration_hwsim_smoke).
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>

#include "protocol/clock/clock.hpp"
#include "rig/bench/bench_loader.hpp"
#include "rig/radio_lab/radio_lab_run.hpp"
#include "rig/runner/outcome.hpp"
#include "rig/strategy/bench_radio.hpp"
#include "rig/strategy/sim_bench_strategy.hpp"

using namespace tapbench;
using namespace tapbench::rig;

namespace {

const char* const kLabVars[] = {"RADIO_ROUTER_CTRL", "RADIO_ROUTER_NETNS",    "RADIO_PHONE_CTRL",
                                "RADIO_PHONE_NETNS", "RADIO_PRINTER_GO_CTRL", "RADIO_PRINTER_STA_CTRL"};

struct LabEnv {  // radio-lab-up's variables (or radio-lab up's host.env) for the test's scope
  LabEnv(const std::string& router, const std::string& phone, const std::string& go, const std::string& sta) {
    ::setenv("RADIO_ROUTER_CTRL", router.c_str(), 1);
    ::setenv("RADIO_ROUTER_NETNS", "router", 1);
    ::setenv("RADIO_PHONE_CTRL", phone.c_str(), 1);
    ::setenv("RADIO_PHONE_NETNS", "phone", 1);
    ::setenv("RADIO_PRINTER_GO_CTRL", go.c_str(), 1);
    ::setenv("RADIO_PRINTER_STA_CTRL", sta.c_str(), 1);
  }
  ~LabEnv() {
    for (const char* v : kLabVars)
      ::unsetenv(v);
  }
};

std::string outcome_text(const CaseOutcome& o) {
  return o.failure_class() + ": " + o.what();
}

}  // namespace

TEST_CASE("the sim bench gets the link model: printerd on the strategy's directory air") {
  const auto& clock = RealClock::instance();
  const auto radio = make_bench_radio(load_bench("sim"), clock, "/tmp/tb-bench");
  CHECK(radio->backend() == "link-model");
  CHECK(radio->printerd_radio() == "link-model:/tmp/tb-bench/air");
  CHECK(radio->describe() == "link-model air /tmp/tb-bench/air");
  CHECK(radio_lab_device(load_bench("sim")) == nullptr);
}

TEST_CASE("the hwsim bench: its radio lab, refused outside the lab and through the relay") {
  const auto& clock = RealClock::instance();
  const Bench hwsim = load_bench("hwsim");
  const Device* lab = radio_lab_device(hwsim);
  REQUIRE(lab != nullptr);
  CHECK(lab->name == "radio-lab");

  for (const char* v : kLabVars)
    ::unsetenv(v);
  CHECK_FALSE(inside_radio_lab());
  try {
    make_bench_radio(hwsim, clock, "/tmp/tb-bench");
    FAIL("no error outside the lab");
  } catch (const BenchError& e) {
    CHECK(outcome_text(e).find("radio-lab-not-up") == 0);
    CHECK(outcome_text(e).find("RADIO_ROUTER_CTRL is not set") != std::string::npos);
  }

  {
    LabEnv relayed("tcp:127.0.0.1:5101", "tcp:127.0.0.1:5102", "tcp:127.0.0.1:5103", "tcp:127.0.0.1:5104");
    CHECK_THROWS_WITH_AS(make_bench_radio(hwsim, clock, "/tmp/tb-bench"),
                         doctest::Contains("reached through radio-lab up's tcp: relay"), StrategyUnsupported);
  }
}

TEST_CASE("inside the lab: printerd is told the lab's sockets; no daemon there is a clear StrategyError") {
  const auto& clock = RealClock::instance();
  const Bench hwsim = load_bench("hwsim");
  LabEnv env("/nonexistent/radio-lab/router/wlan0", "/nonexistent/radio-lab/phone/wlan1",
             "/nonexistent/radio-lab/printer-p2p/p2p-dev-wlan2", "/nonexistent/radio-lab/printer-sta/wlan3");
  CHECK(inside_radio_lab());
  const auto radio = make_bench_radio(hwsim, clock, "/tmp/tb-bench");
  CHECK(radio->backend() == "hostap");
  CHECK(radio->describe().find("/nonexistent/radio-lab/router/wlan0") != std::string::npos);
  // Before start() the GO's MAC is not known yet: printerd's spec carries the sockets and DHCP.
  CHECK(
      radio->printerd_radio().starts_with("hostap:p2p=/nonexistent/radio-lab/printer-p2p/p2p-dev-wlan2,sta=/"
                                          "nonexistent/radio-lab/printer-sta/wlan3,"
                                          "go-mac="));
  CHECK(radio->printerd_radio().ends_with(",dhcp"));
  CHECK_THROWS_WITH_AS(radio->start(clock.monotonic_now() + std::chrono::seconds(2)),
                       doctest::Contains("the radio lab's router did not come up"), StrategyError);
  radio->stop();  // idempotent after a failed start
}

TEST_CASE("mixed radios (a real supplicant beside link-model ones) are refused, naming each") {
  const auto& clock = RealClock::instance();
  Bench bench = load_bench("sim");
  for (auto& d : bench.devices)
    if (d.name == "phone-wifi") {
      d.backend = "wpa_supplicant";
      d.config = WpaSupplicantBackend{"wlan1", std::nullopt, std::nullopt};
    }
  CHECK_THROWS_WITH_AS(
      make_bench_radio(bench, clock, "/tmp/tb-bench"),
      doctest::Contains("phone 'phone-wifi' wpa_supplicant, printer 'printer-wifi' link-model"),
      StrategyUnsupported);
}
