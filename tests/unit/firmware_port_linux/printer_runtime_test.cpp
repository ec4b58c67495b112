// PrinterRuntime without hardware (--nfc none, no server, link-model radio): start/stop, the tick thread
// running the core's due work on the injected clock, and the factory PTB committed to the state directory.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "firmware-under-test/port/linux/bindings/printer_runtime.hpp"
#include "tests/support/scratch_dir.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::port;
namespace fs = std::filesystem;

namespace {
struct Dir : tapbench::testing::ScratchDir {
  Dir() : ScratchDir("rt") {}
};

bool eventually(const std::function<bool()>& cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling interval, bounded by the deadline
  }
  return true;
}
}  // namespace

TEST_CASE("the tick thread rotates the PWT when its period passes on the injected clock") {
  Dir d;
  ManualClock clock;
  wifi::LinkModelAir air;
  PrinterRuntimeOptions o;
  o.state_dir = d.path / "state";
  o.core.pwt_period = std::chrono::seconds(60);
  PrinterRuntime rt(o, clock, &air);
  std::atomic<int> rotations{0};
  rt.set_tick_observer([&](const TickReport& r) { rotations += r.pwt_rotated ? 1 : 0; });
  REQUIRE(rt.start().ok());
  // The factory PTB is committed at start (S11) and the WFD group is on the air.
  REQUIRE(fs::exists(o.state_dir / "ptb.json"));
  const auto group = rt.with_core([](PrinterCore& c) { return c.wfd_group(); });
  CHECK(air.find(group.ssid, std::nullopt));
  const std::string pwt = rt.with_core([](PrinterCore& c) { return c.current_pwt(); });

  clock.advance(std::chrono::seconds(59));
  rt.with_core([](PrinterCore&) {});  // wakes the tick thread (as any call does)
  CHECK(rt.with_core([](PrinterCore& c) { return c.current_pwt(); }) == pwt);
  clock.advance(std::chrono::seconds(1));  // at the boundary the PWT is over
  rt.with_core([](PrinterCore&) {});
  CHECK(eventually([&] { return rt.with_core([](PrinterCore& c) { return c.current_pwt(); }) != pwt; }));
  CHECK(eventually([&] { return rotations.load() == 1; }));
  rt.stop();
  rt.stop();  // idempotent
}

TEST_CASE("without a server, registration fails with a clear reason and nothing is stored") {
  Dir d;
  PrinterRuntimeOptions o;
  o.state_dir = d.path / "state";
  PrinterRuntime rt(o);
  REQUIRE(rt.start(false).ok());
  const Terminal admin{"app:admin", Link::wfd};
  const std::string pwt = rt.with_core([](PrinterCore& c) { return c.current_pwt(); });
  const auto pt = rt.with_core([&](PrinterCore& c) { return c.issue_pt(pwt, admin); });
  REQUIRE(pt.ok());
  const auto reg = rt.with_core([&](PrinterCore& c) { return c.register_with_server(*pt, admin); });
  REQUIRE_FALSE(reg.ok());
  CHECK(reg.error().code == CoreError::server_failed);
  CHECK(reg.error().detail.find("no vendor server configured (--server)") != std::string::npos);
  const auto stored = rt.storage().load();
  REQUIRE(stored.ok());
  CHECK_FALSE((*stored)->server_token);
  CHECK((*stored)->pt_bindings.size() == 1);  // the PT was committed
}
