// rig/terminal's clients against the real processes: printerd on the printer core (its tag on pn532-sim,
// read by a libnfc "phone"), vendord, both on one sim clock file. The whole provisioning-to-print path
// (PWT → PT → register → SVWT → SVT → free charge → sync → print → pages decrement), the refusals a case
// must see as refusals (Reply with status and error code), and the transport failures it must see as
// TerminalTransportError. Token lifetimes at their exact boundary on the frozen sim clock: no wall-clock
// wait.
#include <doctest/doctest.h>

#include "rig/terminal/ipp_client.hpp"
#include "rig/terminal/printer_api_client.hpp"
#include "rig/terminal/vendor_client.hpp"
#include "tests/integration/rig_terminal/sim_bench_fixture.hpp"

using namespace std::chrono_literals;
using namespace tapbench::rig::terminal;
using rig_terminal_test::Bench;
using rig_terminal_test::closed_port;

namespace {

constexpr ms kTimeout = 10s;

}  // namespace

TEST_CASE(
    "terminal clients: PWT → PT → register → SVWT → SVT → free charge → sync → print, pages decrement") {
  Bench bench;
  const PrinterApiClient printer(bench.printer_url());
  const VendorClient vendor(bench.vendor_url());
  const IppClient ipp(bench.printerd->uri());

  const auto before = printer.status(kTimeout);
  REQUIRE(before.ok());
  CHECK(before.value->pages_remaining == 0);  // the patent ships the printer with zero pages

  const std::string pwt = bench.tap_pwt();
  const auto pt = printer.issue_pt(pwt, "app:admin", kTimeout);
  REQUIRE_MESSAGE(pt.ok(), pt.status, " ", pt.error);
  CHECK(pt.status == 201);
  CHECK(pt.value->terminal_id == "app:admin");

  const auto reg = printer.register_printer(pt.value->pt, "app:admin", kTimeout);
  REQUIRE_MESSAGE(reg.ok(), reg.status, " ", reg.error, " ", reg.detail);
  CHECK(reg.value->registered);
  const auto seen = printer.registration(pt.value->pt, kTimeout);
  REQUIRE(seen.ok());
  CHECK(seen.value->registered);

  const auto svwt = printer.request_svwt(pt.value->pt, "app:admin", kTimeout);
  REQUIRE_MESSAGE(svwt.ok(), svwt.status, " ", svwt.error, " ", svwt.detail);
  const auto svt = vendor.svt(*svwt.value, "phone-1", kTimeout);
  REQUIRE_MESSAGE(svt.ok(), svt.status, " ", svt.error);
  CHECK(svt.status == 201);
  CHECK(svt.value->svt.rfind("svt_", 0) == 0);

  const auto cwt = vendor.free_charge(svt.value->svt, kTimeout);
  REQUIRE_MESSAGE(cwt.ok(), cwt.status, " ", cwt.error);
  CHECK(cwt.value->pages == 5);
  CHECK(cwt.value->purpose == "free");
  const auto charged = vendor.charge(cwt.value->cwt, kTimeout);
  REQUIRE_MESSAGE(charged.ok(), charged.status, " ", charged.error);
  CHECK(charged.value->pages_granted == 5);

  const auto synced = printer.sync(pt.value->pt, "app:admin", kTimeout);
  REQUIRE_MESSAGE(synced.ok(), synced.status, " ", synced.error, " ", synced.detail);
  CHECK(synced.value->pages_added == 5);
  CHECK(synced.value->printable_pages == 5);
  CHECK(synced.value->printing_enabled);

  const auto device = vendor.device(svt.value->svt, kTimeout);
  REQUIRE(device.ok());
  CHECK(device.value->device_id == svt.value->device_id);
  CHECK(device.value->free_charge_used);

  // S121-S125: one page printed with the PT (Bearer), one with the PT as the Basic password.
  PrintRequest one;
  one.document = IppClient::pwg_raster_pages(1);
  const auto printed = ipp.print(pt.value->pt, one, 30s);
  REQUIRE_MESSAGE(printed.ok(), printed.status, " ", printed.error, " ", printed.detail);
  CHECK(printed.value->job_state == "completed");
  CHECK(printed.value->pages_printed == 1);
  CHECK(printed.value->pages_remaining == 4);
  CHECK(printer.status(kTimeout).value->pages_remaining == 4);

  one.scheme = TokenScheme::basic_password;
  one.user = "phone-1";
  const auto basic = ipp.print(pt.value->pt, one, 30s);
  REQUIRE_MESSAGE(basic.ok(), basic.status, " ", basic.error, " ", basic.detail);
  CHECK(basic.value->pages_printed == 1);
  CHECK(printer.status(kTimeout).value->pages_remaining == 3);

  const auto supplies = ipp.supplies(kTimeout);
  REQUIRE(supplies.ok());
  CHECK_FALSE(supplies.value->markers.empty());

  // The web page opened with the SVT (S118) shows this printer.
  const WebPage page = vendor.open_page(svt.value->charge_url, kTimeout);
  CHECK(page.status == 200);
  CHECK(page.body.find(svt.value->device_id) != std::string::npos);

  // No token in either process's log.
  const std::string plog = bench.printerd->log();
  for (const std::string& token : {pwt, pt.value->pt, *svwt.value, svt.value->svt, cwt.value->cwt})
    CHECK(plog.find(token) == std::string::npos);
}

TEST_CASE("terminal clients: refusals are Replies with the API's status and error code") {
  Bench bench;
  const PrinterApiClient printer(bench.printer_url());
  const VendorClient vendor(bench.vendor_url());
  const IppClient ipp(bench.printerd->uri());

  const std::string pwt = bench.tap_pwt();
  const auto pt = printer.issue_pt(pwt, "app:admin", kTimeout);
  REQUIRE(pt.ok());

  // S33: the PWT rotated when the PT was issued.
  const auto again = printer.issue_pt(pwt, "app:admin", kTimeout);
  CHECK_FALSE(again.ok());
  CHECK(again.status == 401);
  CHECK(again.error == "unauthenticated");
  CHECK(again.detail.find(pwt) == std::string::npos);

  // S41: only the owner deletes its PT.
  const auto stranger = printer.delete_pt(pt.value->pt, "app:other", kTimeout);
  CHECK(stranger.status == 403);
  CHECK(stranger.error == "not_owner");
  CHECK(printer.registration(pt.value->pt, kTimeout).ok());  // still valid

  // A guessed token at vendord and at IPP: refused, nothing printed.
  const auto guessed = vendor.svt("svwt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "phone-1", kTimeout);
  CHECK(guessed.status == 401);
  CHECK(guessed.error == "token_unknown");
  PrintRequest one;
  one.document = IppClient::pwg_raster_pages(1);
  const auto wrong = ipp.print("pt-wrong", one, 30s);
  CHECK_FALSE(wrong.ok());
  CHECK(wrong.status == 0x0402);  // IPP_STATUS_ERROR_NOT_AUTHENTICATED: printerd answered HTTP 401
  CHECK(wrong.error == "client-error-not-authenticated");

  // S27: router credentials only over the Wi-Fi Direct link (default 192.168.49.0/24, not loopback).
  const auto handover =
      ipp.hand_over_router(bench.tap_new_pwt(pwt), "HomeRouter", "correct horse battery", kTimeout);
  CHECK_FALSE(handover.ok());
  CHECK(handover.error == "client-error-forbidden");

  // S67-S75 before registration (S61): 409 not_registered.
  const auto early = printer.request_svwt(pt.value->pt, "app:admin", kTimeout);
  CHECK(early.status == 409);
  CHECK(early.error == "not_registered");

  // Single use at vendord: the second redemption of one SVWT is refused.
  REQUIRE(printer.register_printer(pt.value->pt, "app:admin", kTimeout).ok());
  const auto svwt = printer.request_svwt(pt.value->pt, "app:admin", kTimeout);
  REQUIRE(svwt.ok());
  REQUIRE(vendor.svt(*svwt.value, "phone-1", kTimeout).ok());
  const auto replay = vendor.svt(*svwt.value, "phone-1", kTimeout);
  CHECK(replay.status == 409);
  CHECK(replay.error == "token_already_used");

  // The owner deletes its PT; the PT is refused from then on.
  const auto deleted = printer.delete_pt(pt.value->pt, "app:admin", kTimeout);
  REQUIRE(deleted.ok());
  CHECK(*deleted.value);
  CHECK(printer.registration(pt.value->pt, kTimeout).error == "unauthenticated");
}

TEST_CASE("terminal clients: no server answering is a TerminalTransportError without the token") {
  const std::uint16_t port = closed_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const std::string token = "svt_SECRETSECRETSECRETSECRETSECRETSECRETSECR";
  try {
    (void)VendorClient(url).device(token, 2s);
    FAIL("no exception");
  } catch (const TerminalTransportError& e) {
    CHECK(std::string(e.what()).find(token) == std::string::npos);
    CHECK(std::string(e.what()).find("/v1/terminal/device") != std::string::npos);
  }
  CHECK_THROWS_AS((void)PrinterApiClient(url).issue_pt(token, "app:admin", 2s), TerminalTransportError);
  PrintRequest one;
  one.document = IppClient::pwg_raster_pages(1);
  try {
    (void)IppClient("ipp://127.0.0.1:" + std::to_string(port) + "/ipp/print").print(token, one, 2s);
    FAIL("no exception");
  } catch (const TerminalTransportError& e) {
    CHECK(std::string(e.what()).find(token) == std::string::npos);
  }
  CHECK_THROWS_AS(PrinterApiClient("ftp://127.0.0.1:1"), std::invalid_argument);  // http(s) only
  CHECK_THROWS_AS(IppClient("ipp://user:token@127.0.0.1:1/ipp/print"), std::invalid_argument);
  one.scheme = TokenScheme::basic_password;
  one.user = "app:print";  // Basic would split the token at this colon
  CHECK_THROWS_AS((void)IppClient("ipp://127.0.0.1:1/ipp/print").print(token, one, 2s),
                  std::invalid_argument);
}

TEST_CASE("sim clock: a token is accepted at TTL - 1 ms and refused at TTL, with no wall-clock wait") {
  Bench bench({"--pwt-period", "60"});
  tapbench::sim::SimClockController clock(bench.clock_file);
  const PrinterApiClient printer(bench.printer_url());
  const VendorClient vendor(bench.vendor_url());

  SUBCASE("vendord: a CWT (600 s)") {
    const auto pt = printer.issue_pt(bench.tap_pwt(), "app:admin", kTimeout);
    REQUIRE(pt.ok());
    REQUIRE(printer.register_printer(pt.value->pt, "app:admin", kTimeout).ok());
    const auto svwt = printer.request_svwt(pt.value->pt, "app:admin", kTimeout);
    REQUIRE(svwt.ok());
    const auto svt = vendor.svt(*svwt.value, "phone-1", kTimeout);
    REQUIRE(svt.ok());

    const auto first = vendor.free_charge(svt.value->svt, kTimeout);
    REQUIRE(first.ok());
    clock.advance(600s - 1ms);
    const auto in_time = vendor.charge(first.value->cwt, kTimeout);
    CHECK_MESSAGE(in_time.ok(), in_time.status, " ", in_time.error);

    const auto second = vendor.free_charge(svt.value->svt, kTimeout);
    REQUIRE(second.ok());
    clock.advance(600s);
    const auto late = vendor.charge(second.value->cwt, kTimeout);
    CHECK(late.status == 401);
    CHECK(late.error == "token_expired");
  }
  SUBCASE("printerd: the PWT (--pwt-period 60)") {
    const std::string pwt = bench.tap_pwt();
    clock.advance(60s - 1ms);
    const auto in_time = printer.issue_pt(pwt, "app:admin", kTimeout);  // rotates the PWT (S33)
    CHECK_MESSAGE(in_time.ok(), in_time.status, " ", in_time.error);

    const std::string next = bench.tap_new_pwt(pwt);  // the tag carries the PWT issued at that PT issue
    CHECK(next != pwt);
    clock.advance(60s);
    const auto late = printer.issue_pt(next, "app:admin", kTimeout);
    CHECK(late.status == 401);
    CHECK(late.error == "unauthenticated");
  }
}
