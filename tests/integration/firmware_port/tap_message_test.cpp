// Issue 3's "a tap reads the printer's current handover message", through the real stack: PrinterRuntime
// (the core on the Linux bindings: PTB file, link-model radio, simulated ink, file print engine; a Fake…
// server link) serves its tag through drivers/nfc's TagFrontend on an emulated PN532 (pn532-sim, in
// process), and drivers/nfc's NfcReader reads it through libnfc's pn532_uart driver on the other chip.
// After each change of the core's state the next tap reads the new state's message.
#include <doctest/doctest.h>

#include "drivers/nfc/nfc_factory.hpp"
#include "firmware-under-test/hal/fake/fake_server_link.hpp"
#include "firmware-under-test/port/linux/bindings/printer_runtime.hpp"
#include "protocol/handover/tap_message.hpp"
#include "sim/pn532/simulator.hpp"
#include "tests/integration/nfc/nfc_test_support.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::port;
using handover::PrinterState;
using nfc_test::TempDir;

namespace {

struct Bench {
  TempDir dir;
  sim::pn532::Simulator sim;
  wifi::LinkModelAir air;
  std::shared_ptr<hal::FakeServerLink> server = std::make_shared<hal::FakeServerLink>();
  std::unique_ptr<PrinterRuntime> runtime;
  std::unique_ptr<nfc::NfcReader> phone;

  Bench() {
    nfc_test::quiet_libnfc();
    sim.add_chip_on_pty(dir / "phone");
    sim.add_chip_on_pty(dir / "printer");
    PrinterRuntimeOptions o;
    o.state_dir = dir / "state";
    o.nfc = "pn532_uart:" + dir / "printer";
    o.server_link = server;
    o.core.page_threshold = 5;
    o.ink.mono_page_black = 0.5;
    runtime = std::make_unique<PrinterRuntime>(o, RealClock::instance(), &air);
  }

  // One tap: the phone reads the tag; the bytes must be exactly what the core published on this tap.
  handover::TapView tap() {
    const auto r = phone->read_ndef(std::chrono::seconds(3));
    CHECK(r.ndef == runtime->nfc_tag()->ndef());
    auto view = handover::parse_tap_message(r.ndef);
    REQUIRE_MESSAGE(view.ok(), "tag content does not parse");
    return *view;
  }
};

const Terminal kAdmin{"app:admin", Link::wfd};

}  // namespace

TEST_CASE("each tap reads the printer's current handover message, through libnfc and pn532-sim") {
  Bench b;
  REQUIRE(b.runtime->start().ok());  // with the tick thread: due work (SVWT prefetch) runs by itself
  b.phone = nfc::make_nfc_reader("pn532_uart:" + b.dir / "phone");

  // 1. Factory state: unregistered — WFD credential + PWT (S19/S21).
  const auto first = b.tap();
  CHECK(first.state == PrinterState::unregistered);
  const std::string pwt = b.runtime->with_core([](PrinterCore& c) { return c.current_pwt(); });
  const hal::GroupConfig group = b.runtime->with_core([](PrinterCore& c) { return c.wfd_group(); });
  CHECK(first.pwt == pwt);
  REQUIRE(first.wfd);
  CHECK(first.wfd->ssid == group.ssid);
  CHECK(first.wfd->passphrase == group.passphrase);
  // The group the tag announces is up on the (modelled) air: the phone joins with what it read (S23).
  wifi::LinkModelStation phone_radio(b.air, RealClock::instance(), wifi::sleep_on(RealClock::instance()));
  wifi::JoinRequest join;
  join.credentials = {first.wfd->ssid, first.wfd->passphrase};
  join.freq_mhz =
      2437;  // the radio's default channel (the core leaves it to the radio); a full scan is ≈ 4 s
  CHECK_NOTHROW(phone_radio.join(join));
  CHECK(b.runtime->nfc_tag()->taps() == 1);

  // 2. Registered via the (fake) server with a PT: 0 pages ≤ threshold 5 → charge_needed with an SVWT.
  const auto pt = b.runtime->with_core([&](PrinterCore& c) { return c.issue_pt(pwt, kAdmin); });
  REQUIRE(pt.ok());
  REQUIRE(b.runtime->with_core([&](PrinterCore& c) { return c.register_with_server(*pt, kAdmin); }).ok());
  // The tick thread is woken by the registration (an SVWT is due at once, S43) and fetches it.
  REQUIRE(nfc_test::eventually(
      [&] { return b.runtime->with_core([](PrinterCore& c) { return c.snapshot().svwt_available; }); },
      std::chrono::seconds(5)));
  const auto second = b.tap();
  CHECK(second.state == PrinterState::charge_needed);
  CHECK(second.printable_pages == 0u);
  REQUIRE(second.svwt);
  CHECK(*second.svwt == b.runtime->with_core([](PrinterCore& c) { return c.ptb().svwt->token; }));
  CHECK(b.server->svwt_calls == 1);

  // 3. 20 pages credited by a sync: ready, with the PWT that replaced the one spent on the PT (S33).
  b.server->grant(20);
  REQUIRE(b.runtime->with_core([&](PrinterCore& c) { return c.sync_with_server(*pt, kAdmin); }).ok());
  const auto third = b.tap();
  CHECK(third.state == PrinterState::ready);
  const std::string pwt2 = b.runtime->with_core([](PrinterCore& c) { return c.current_pwt(); });
  CHECK(third.pwt == pwt2);
  CHECK(pwt2 != pwt);

  // 4. 15 pages printed through the core's engine: 5 left ≤ threshold → charge_needed again.
  auto job = b.runtime->with_core([&](PrinterCore& c) { return c.begin_job(*pt, kAdmin); });
  REQUIRE(job.ok());
  const std::vector<std::uint8_t> raster(64, 0x5a);
  for (std::uint32_t i = 1; i <= 15; ++i) {
    hal::Page page;
    page.job_id = job->job_id;
    page.index = i;
    page.data = raster;
    REQUIRE(b.runtime->with_core([&](PrinterCore& c) { return c.print_page(*job, page); }).ok());
  }
  const auto fourth = b.tap();
  CHECK(fourth.state == PrinterState::charge_needed);
  CHECK(fourth.printable_pages == 5u);
  CHECK(std::filesystem::exists(b.runtime->pages_dir() / FilePrintEngine::file_name(job->job_id, 15)));
  // Simulated ink: 15 mono pages × 0.5 % of black.
  CHECK(b.runtime->with_core([](PrinterCore& c) { return c.snapshot().ink; }) ==
        std::vector<InkLevel>{{"black", 92}, {"cyan", 100}, {"magenta", 100}, {"yellow", 100}});

  // 5. Cyan drops to 9 % (< 10 %): ink_low with the exchange URL.
  REQUIRE(b.runtime->ink_sensor().set_level("cyan", 9).ok());
  REQUIRE(b.runtime->with_core([](PrinterCore& c) { return c.refresh_ink(); }).ok());
  const auto fifth = b.tap();
  CHECK(fifth.state == PrinterState::ink_low);
  REQUIRE(fifth.url);
  CHECK(fifth.url->find("exchange") != std::string::npos);
  CHECK(b.runtime->nfc_tag()->taps() == 5);

  // The state survives a restart of the runtime (PTB file): same pages, still registered.
  b.runtime->stop();
  b.phone.reset();
  b.runtime.reset();
  PrinterRuntimeOptions o;
  o.state_dir = b.dir / "state";
  o.server_link = b.server;
  PrinterRuntime again(o, RealClock::instance(), &b.air);
  REQUIRE(again.start(false).ok());
  const auto snap = again.with_core([](PrinterCore& c) { return c.snapshot(); });
  CHECK(snap.printable_pages == 5);
  CHECK(snap.registered);
  CHECK(snap.pages_printed == 15);
}

TEST_CASE("a corrupt PTB stops the runtime with a clear error instead of a factory reset") {
  TempDir dir;
  std::filesystem::create_directories(dir / "state");
  nfc_test::write_file(dir / "state/ptb.json", {'{', '"', 'v'});
  PrinterRuntimeOptions o;
  o.state_dir = dir / "state";
  PrinterRuntime r(o);
  const auto started = r.start(false);
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().code == CoreError::storage_failed);
  CHECK(started.error().detail.find("ptb.json") != std::string::npos);
  CHECK(nfc_test::read_text(dir / "state/ptb.json") == "{\"v");  // untouched
}

TEST_CASE("an NFC device that is not there: start() fails with tag_failed naming the device") {
  TempDir dir;
  nfc_test::quiet_libnfc();
  PrinterRuntimeOptions o;
  o.state_dir = dir / "state";
  o.nfc = "pn532_uart:" + dir / "no-such-chip";
  PrinterRuntime r(o);
  const auto started = r.start();
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().code == CoreError::tag_failed);
  CHECK(started.error().detail.find("no-such-chip") != std::string::npos);
  CHECK(started.error().detail.rfind("NFC tag frontend: device missing: cannot open pn532_uart:", 0) == 0);
}

TEST_CASE("bad runtime options are one-line errors") {
  TempDir dir;
  PrinterRuntimeOptions o;
  o.state_dir = dir / "state";
  o.nfc = "bogus:device";
  CHECK_THROWS_WITH_AS(PrinterRuntime{o}, doctest::Contains("--nfc bogus:device"), std::runtime_error);
  o.nfc = "none";
  o.server_url = "https://vendor";
  CHECK_THROWS_WITH_AS(PrinterRuntime{o}, doctest::Contains("https is not supported"), std::runtime_error);
}
