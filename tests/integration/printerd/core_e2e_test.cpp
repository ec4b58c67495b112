// printerd as a process on the printer core, end to end through real parts: the PWT is read from
// printerd's tag by a "phone" (drivers/nfc NfcReader through libnfc's pn532_uart driver, both chips emulated
// by pn532-sim on ptys), traded for a PT over the JSON API, and the PT prints over IPP (libcups) against the
// core's page ledger, which survives a restart.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <thread>

#include "drivers/nfc/nfc_factory.hpp"
#include "firmware-under-test/port/linux/bindings/json_file_storage.hpp"
#include "protocol/handover/tap_message.hpp"
#include "sim/pn532/simulator.hpp"
#include "tests/integration/printerd/printerd_test_support.hpp"

using namespace printerd_test;
using namespace tapbench;

namespace {

std::int64_t pages_left(const Printerd& p) {
  return boost::json::parse(get_status_json(p.port()))
      .as_object()
      .at("pages_remaining")
      .to_number<std::int64_t>();
}

}  // namespace

TEST_CASE(
    "printerd on the core: PWT from the tag, PT from the API, exact quota over IPP, kept across restart") {
  TempDir tmp;
  ::setenv("LIBNFC_AUTO_SCAN", "false", 1);  // only the emulated chips, never a real reader
  ::setenv("LIBNFC_INTRUSIVE_SCAN", "false", 1);
  ::unsetenv("LIBNFC_DEVICE");
  sim::pn532::Simulator sim;
  sim.add_chip_on_pty((tmp.path() / "phone").string());
  sim.add_chip_on_pty((tmp.path() / "printer").string());

  PrinterdOptions options;
  options.extra = {"--factory-pages", "2", "--nfc", "pn532_uart:" + (tmp.path() / "printer").string()};
  std::string pt;
  {
    Printerd p(tmp.path() / "pd", options);
    CHECK(pages_left(p) == 2);

    // S17–S21: the phone taps and reads the printer's handover message; the PWT is in it.
    auto phone = nfc::make_nfc_reader("pn532_uart:" + (tmp.path() / "phone").string());
    const auto read = phone->read_ndef(std::chrono::seconds(5));
    auto view = handover::parse_tap_message(read.ndef);
    REQUIRE_MESSAGE(view.ok(), "tag content does not parse");
    REQUIRE(view->pwt.has_value());
    const std::string pwt = *view->pwt;

    // S31–S35: PWT → PT over the JSON API.
    const auto issued =
        http_json(p.port(), "POST", "/tapbench/api/pt", pwt, R"({"terminal_id":"app:admin"})");
    REQUIRE_MESSAGE(issued.first == 201, issued.second);
    pt = std::string(boost::json::parse(issued.second).as_object().at("pt").as_string());

    // S121–S125: 3 pages with 2 left → 2 printed, count 0 (committed), the next job refused.
    const fs::path three = tmp.path() / "three.pwg";
    write_pwg_raster(three, "iso_a4_210x297mm", "sgray_8", 150, 3);
    IppClient client(p.port(), Credentials::bearer(pt));
    auto r = client.print_job(three, "image/pwg-raster");
    REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
    const auto done = client.wait_job_done(r.integer("job-id"));
    CHECK(done.integer("job-state") == IPP_JSTATE_ABORTED);
    CHECK(done.integer("job-impressions-completed") == 2);
    CHECK(done.string("job-originating-user-name") == "pt:app:admin");
    CHECK(pages_left(p) == 0);
    CHECK(client.print_job(three, "image/pwg-raster").status == IPP_STATUS_ERROR_FORBIDDEN);

    const std::string log = p.log();
    CHECK(log.find(pwt) == std::string::npos);
    CHECK(log.find(pt) == std::string::npos);
    CHECK(p.stop() == 0);
    CHECK(p.console().find("Sanitizer") == std::string::npos);
  }
  // The PTB was committed: after a restart the count is still 0 and the PT (bound to app:admin) still works
  // for operations that need no page.
  options.extra = {"--factory-pages", "50", "--nfc", "none"};
  Printerd again(tmp.path() / "pd", options);
  CHECK(pages_left(again) == 0);
  CHECK(http_json(again.port(), "GET", "/tapbench/api/registration", pt).first == 200);
  CHECK(again.stop() == 0);
}

TEST_CASE(
    "kill -9 during a print: after the restart the count is exact (every page file paid for, no page "
    "charged without its file)") {
  TempDir tmp;
  constexpr int kFactory = 100;
  constexpr int kJobPages = 40;
  PrinterdOptions options;
  const fs::path doc = tmp.path() / "long.pwg";
  write_pwg_raster(doc, "iso_a4_210x297mm", "srgb_8", 300, kJobPages);

  // The PT comes the real way: PWT from the tag (pn532-sim), PT from the JSON API.
  ::setenv("LIBNFC_AUTO_SCAN", "false", 1);
  ::setenv("LIBNFC_INTRUSIVE_SCAN", "false", 1);
  ::unsetenv("LIBNFC_DEVICE");
  sim::pn532::Simulator sim;
  sim.add_chip_on_pty((tmp.path() / "phone").string());
  sim.add_chip_on_pty((tmp.path() / "printer").string());
  options.extra = {"--factory-pages", std::to_string(kFactory), "--nfc",
                   "pn532_uart:" + (tmp.path() / "printer").string()};
  fs::path output;
  {
    Printerd p(tmp.path() / "pd", options);
    output = p.output();
    auto phone = nfc::make_nfc_reader("pn532_uart:" + (tmp.path() / "phone").string());
    auto view = handover::parse_tap_message(phone->read_ndef(std::chrono::seconds(5)).ndef);
    REQUIRE(view.ok());
    REQUIRE(view->pwt.has_value());
    const auto issued =
        http_json(p.port(), "POST", "/tapbench/api/pt", *view->pwt, R"({"terminal_id":"app:k"})");
    REQUIRE(issued.first == 201);
    const std::string pt(boost::json::parse(issued.second).as_object().at("pt").as_string());

    std::thread printing([&] {
      IppClient client(p.port(), Credentials::bearer(pt));
      (void)client.print_job(doc, "image/pwg-raster");  // fails when printerd dies under it
    });
    // Kill once a few pages are out (bounded wait).
    auto page_files = [&] {
      std::size_t n = 0;
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(output, ec))
        n += e.path().extension() == ".pwg";
      return n;
    };
    const auto deadline = printerd_test::Clock::now() + std::chrono::seconds(20);
    while (page_files() < 5 && printerd_test::Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(page_files() >= 5);
    REQUIRE(page_files() < kJobPages);  // still printing: the kill lands mid-job
    ::kill(p.pid(), SIGKILL);
    printing.join();
  }
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(output))
    files += e.path().extension() == ".pwg";

  options.extra = {"--factory-pages", "999", "--nfc", "none"};
  Printerd again(tmp.path() / "pd", options);
  const auto charged = kFactory - pages_left(again);
  INFO("page files: " << files << ", pages charged: " << charged << "; " << again.console());
  // The page in flight at the kill (charged, mark not committed) was settled at start: refunded if its file
  // was never renamed into place, kept if it was. A page file exists whole or not at all.
  CHECK(charged == static_cast<std::int64_t>(files));
  CHECK(files >= 5);
  for (const auto& e : fs::directory_iterator(output))
    CHECK_MESSAGE(e.path().extension() != ".part", "leftover temporary page file ", e.path());
  CHECK(again.stop() == 0);
}

TEST_CASE(
    "start settles the pages in flight: a page whose file is in place is kept, one without is refunded") {
  TempDir tmp;
  PrinterdOptions options;
  options.extra = {"--factory-pages", "10", "--nfc", "none"};
  fs::path state;
  {
    Printerd p(tmp.path() / "pd", options);
    state = p.state();
    CHECK(p.stop() == 0);
  }
  // The state a kill -9 leaves in the two windows: job 1 page 1 was renamed into place but its mark was not
  // committed; page 2 was charged and cut mid-write (only its temporary file exists).
  {
    firmware::port::JsonFileStorage storage(state);
    auto loaded = storage.load();
    REQUIRE(loaded.ok());
    REQUIRE(loaded->has_value());
    firmware::Ptb ptb = **loaded;
    REQUIRE(ptb.printable_pages == 10);
    ptb.printable_pages = 8;
    ptb.pages_printed = 2;
    ptb.pages_in_flight = {{1, 1}, {1, 2}};
    REQUIRE(storage.commit(ptb).ok());
  }
  write_pwg_raster(state / "output" / "job-0001-page-001.pwg", "iso_a4_210x297mm", "sgray_8", 150, 1);
  write_file(state / "output" / "job-0001-page-002.pwg.part", "RaS2 half a page");

  options.extra = {"--factory-pages", "999", "--nfc", "none"};
  {
    Printerd again(tmp.path() / "pd", options);
    CHECK(pages_left(again) == 9);  // one page out, one page paid
    CHECK(again.console().find(
              "pages in flight at the last stop: 1 refunded (not printed), 1 kept (printed)") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(state / "output" / "job-0001-page-002.pwg.part"));
    CHECK(fs::exists(state / "output" / "job-0001-page-001.pwg"));
    CHECK(again.stop() == 0);
  }
  // Settled once: the next start changes nothing.
  Printerd third(tmp.path() / "pd", options);
  CHECK(pages_left(third) == 9);
  CHECK(third.console().find("pages in flight") == std::string::npos);
  CHECK(third.stop() == 0);
}
