// The wpa_ctrl client against a real hostapd (driver=none on lo): replies, ATTACH'd events interleaved with
// replies, errors, the AccessPoint role, and a daemon that hangs or dies mid-conversation.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <future>
#include <thread>

#include "drivers/wifi/ctrl_relay.hpp"
#include "drivers/wifi/hostapd_access_point.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "drivers/wifi/wpa_ctrl.hpp"
#include "tests/integration/wifi/hostap_lo.hpp"

using namespace tapbench;
using namespace tapbench::wifi;
using namespace tapbench::wifi::testing;
using namespace std::chrono_literals;

namespace {

WifiErrc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const WifiError& e) {
    return e.code();
  }
  FAIL("expected a WifiError");
  return WifiErrc::kIo;
}

}  // namespace

TEST_CASE("no daemon behind the path: kNoDaemon naming the path") {
  TempDir dir;
  try {
    WpaCtrl ctrl(dir / "nothing/lo", RealClock::instance());
    FAIL("opened a socket nobody serves");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kNoDaemon);
    CHECK(std::string(e.what()).find(dir / "nothing/lo") != std::string::npos);
  }
}

TEST_CASE("hostapd answers commands; unknown and failing commands are typed") {
  TAPBENCH_REQUIRE_ROOT();
  TempDir dir;
  const auto& clock = RealClock::instance();
  auto hostapd = start_hostapd_on_lo(dir, clock);
  WpaCtrl ctrl(hostapd->ctrl_socket(), clock);

  CHECK(ctrl.request("PING") == "PONG\n");
  auto status = ctrl.request("STATUS");
  CHECK(status_value(status, "state") == "ENABLED");
  CHECK(status_value(status, "ssid[0]") == "placeholder");

  CHECK(code_of([&] { ctrl.request_checked("NO_SUCH_COMMAND"); }) == WifiErrc::kUnknownCommand);
  // ENABLE on an enabled interface: hostapd answers FAIL.
  CHECK(code_of([&] { ctrl.request_ok("ENABLE"); }) == WifiErrc::kCommandFailed);
  CHECK(code_of([&] { ctrl.request("two\nlines"); }) == WifiErrc::kBadArgument);
  // The socket still works after errors.
  CHECK(ctrl.request("PING") == "PONG\n");
}

TEST_CASE("ATTACH: events that arrive before a reply are queued, not taken for it") {
  TAPBENCH_REQUIRE_ROOT();
  TempDir dir;
  const auto& clock = RealClock::instance();
  auto hostapd = start_hostapd_on_lo(dir, clock);
  WpaCtrl ctrl(hostapd->ctrl_socket(), clock);
  ctrl.attach();
  CHECK(ctrl.attached());

  // hostapd sends <3>AP-DISABLED before its OK: the reply must still be OK and the event kept.
  ctrl.request_ok("DISABLE");
  auto disabled = ctrl.next_event(2000ms);
  REQUIRE(disabled);
  CHECK(disabled->priority == 3);
  CHECK(disabled->is("AP-DISABLED"));
  CHECK(status_value(ctrl.request("STATUS"), "state") == "DISABLED");

  ctrl.request_ok("ENABLE");
  auto enabled = ctrl.wait_event([](const WpaEvent& e) { return e.is("AP-ENABLED"); }, 2000ms, "AP-ENABLED");
  CHECK(enabled.priority == 3);

  // Nothing else pending: next_event times out with nullopt instead of blocking.
  ctrl.detach();
  ctrl.request_ok("DISABLE");
  CHECK_FALSE(ctrl.next_event(300ms));
}

TEST_CASE("HostapdAccessPoint: reconfigures hostapd and stamps AP-ENABLED") {
  TAPBENCH_REQUIRE_ROOT();
  TempDir dir;
  const auto& clock = RealClock::instance();
  auto hostapd = start_hostapd_on_lo(dir, clock);
  HostapdAccessPoint ap(hostapd->ctrl_socket(), clock);

  auto up = ap.start({{"home router", "correct horse battery"}, 11}, 5000ms);
  REQUIRE(up.phases.size() == 2);
  CHECK(up.phases[0].phase == LinkPhase::kRequested);
  CHECK(up.phases[1].phase == LinkPhase::kApEnabled);
  CHECK(up.phases[1].at >= up.phases[0].at);
  CHECK(up.freq_mhz == 2462);

  // What hostapd now really runs with (read back on a second control connection).
  WpaCtrl check(hostapd->ctrl_socket(), clock);
  auto status = check.request("STATUS");
  CHECK(status_value(status, "ssid[0]") == "home router");
  CHECK(status_value(status, "state") == "ENABLED");
  CHECK(ap.stations().empty());

  ap.stop();
  CHECK(status_value(check.request("STATUS"), "state") == "DISABLED");
  ap.stop();  // idempotent

  CHECK(code_of([&] { ap.start({{"home router", "short"}, 6}, 5000ms); }) == WifiErrc::kBadArgument);
  CHECK(code_of([&] { ap.start({{"home router", "long enough"}, 15}, 5000ms); }) == WifiErrc::kBadArgument);
}

TEST_CASE("a daemon killed mid-conversation: kDaemonGone, fast, for requests and event waits") {
  TAPBENCH_REQUIRE_ROOT();
  TempDir dir;
  const auto& clock = RealClock::instance();
  auto hostapd = start_hostapd_on_lo(dir, clock);
  WpaCtrl ctrl(hostapd->ctrl_socket(), clock);
  ctrl.attach();
  CHECK(ctrl.request("PING") == "PONG\n");

  // Waiting for an event that will never come when the daemon dies under it.
  auto waiter = std::async(std::launch::async, [&] {
    auto start = std::chrono::steady_clock::now();
    WifiErrc code = code_of([&] { ctrl.next_event(20000ms); });
    return std::make_pair(code, std::chrono::steady_clock::now() - start);
  });
  // Let the waiter block (bounded poll for it to be inside poll(): not observable; a kill at any point
  // before or during the wait must give the same result).
  hostapd->kill_now();
  auto [code, took] = waiter.get();
  CHECK(code == WifiErrc::kDaemonGone);
  CHECK(took < 5s);  // the liveness probe (200 ms), not the 20 s wait

  CHECK(code_of([&] { ctrl.request("PING"); }) == WifiErrc::kDaemonGone);
}

TEST_CASE("a hung daemon: kTimeout; its late reply is not taken for the next command's, events resume") {
  TAPBENCH_REQUIRE_ROOT();
  TempDir dir;
  const auto& clock = RealClock::instance();
  auto hostapd = start_hostapd_on_lo(dir, clock);
  WpaCtrl ctrl(hostapd->ctrl_socket(), clock);
  ctrl.attach();

  ::kill(hostapd->pid(), SIGSTOP);
  CHECK(code_of([&] { ctrl.request("PING", 300ms); }) == WifiErrc::kTimeout);
  ::kill(hostapd->pid(), SIGCONT);
  // hostapd now answers the old PING with PONG; the STATUS reply must be STATUS.
  auto status = ctrl.request("STATUS", 5000ms);
  CHECK(status_value(status, "state") == "ENABLED");
  // The connection was replaced and re-attached: events still arrive.
  ctrl.request_ok("DISABLE");
  auto e = ctrl.wait_event([](const WpaEvent& ev) { return ev.is("AP-DISABLED"); }, 2000ms, "AP-DISABLED");
  CHECK(e.priority == 3);
}

TEST_CASE("through tapbench-wpa-ctrl-relay (TCP): same replies, events and daemon-gone as the local socket") {
  TAPBENCH_REQUIRE_ROOT();
  TempDir dir;
  const auto& clock = RealClock::instance();
  auto hostapd = start_hostapd_on_lo(dir, clock);
  CtrlRelay relay({{0, hostapd->ctrl_socket()}}, "127.0.0.1");
  std::thread serving([&] { relay.run(); });
  struct Joiner {
    CtrlRelay& r;
    std::thread& t;
    ~Joiner() {
      r.stop();
      t.join();
    }
  } joiner{relay, serving};
  const std::string address = "tcp:127.0.0.1:" + std::to_string(relay.port(0));

  WpaCtrl ctrl(address, clock);
  CHECK(ctrl.request("PING") == "PONG\n");
  CHECK(code_of([&] { ctrl.request_checked("NO_SUCH_COMMAND"); }) == WifiErrc::kUnknownCommand);
  ctrl.attach();
  ctrl.request_ok("DISABLE");  // <3>AP-DISABLED comes before OK, through the relay too
  auto e = ctrl.next_event(2000ms);
  REQUIRE(e);
  CHECK(e->is("AP-DISABLED"));

  // A role over the relay, and a second connection with its own event stream.
  HostapdAccessPoint ap(address, clock);
  auto up = ap.start({{"relayed", "relayed passphrase"}, 1}, 5000ms);
  CHECK(up.freq_mhz == 2412);
  CHECK(status_value(ctrl.request("STATUS"), "ssid[0]") == "relayed");

  hostapd->kill_now();
  auto start = std::chrono::steady_clock::now();
  // (events of the AP's reconfiguration are still queued: wait for one that never comes)
  CHECK(code_of([&] { ctrl.wait_event([](const WpaEvent&) { return false; }, 20000ms, "none"); }) ==
        WifiErrc::kDaemonGone);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("a relay address nobody serves: kNoDaemon; a malformed one: kBadArgument") {
  CHECK(code_of([] { WpaCtrl c("tcp:127.0.0.1:1", RealClock::instance()); }) == WifiErrc::kNoDaemon);
  CHECK(code_of([] { WpaCtrl c("tcp:127.0.0.1", RealClock::instance()); }) == WifiErrc::kBadArgument);
  CHECK(code_of([] { WpaCtrl c("tcp:host:99999", RealClock::instance()); }) == WifiErrc::kBadArgument);
}
