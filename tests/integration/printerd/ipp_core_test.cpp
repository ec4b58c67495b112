// printerd's IPP side over the real printer core, in one process: IppService + CorePrintAuthority +
// ControlApi on a PrinterCore whose HAL is the core's Fake… backends (an in-process test; printerd itself
// never links them). Real PAPPL, real libcups clients on loopback; the sim bench's convention that loopback
// models the Wi-Fi Direct link (LinkClassifier prefix 127.0.0.0/8).
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <optional>
#include <thread>

#include "firmware-under-test/port/linux/control_api.hpp"
#include "firmware-under-test/port/linux/core_print_authority.hpp"
#include "firmware-under-test/port/linux/ipp_service.hpp"
#include "tests/integration/printerd/core_ipp_fixture.hpp"

using namespace printerd_test;
using namespace tapbench::firmware;
using namespace tapbench::firmware::port;

namespace {

// One page of PWG raster, printed to its end with `token`; the IPP status of Print-Job.
ipp_status_t print_one(CoreIpp& p, const std::string& token) {
  const fs::path one = p.tmp.path() / "one.pwg";
  if (!fs::exists(one)) write_pwg_raster(one, "iso_a4_210x297mm", "sgray_8", 150, 1);
  IppClient client(p.port, Credentials::bearer(token));
  auto r = client.print_job(one, "image/pwg-raster");
  if (r.status <= IPP_STATUS_OK_EVENTS_COMPLETE) client.wait_job_done(r.integer("job-id"));
  return r.status;
}

}  // namespace

TEST_CASE("IPP over the printer core: PT from the JSON API, exact quota in the PTB, router hand-over") {
  CoreIpp p(2);
  test::Rig& rig = p.rig;
  const int port = p.port;
  int& marked = p.marked;
  auto locked = [&](auto f) { return p.locked(f); };
  TempDir& tmp = p.tmp;
  IppServiceOptions& options = p.options;
  const std::string pwt = locked([](PrinterCore& c) { return c.current_pwt(); });

  // S31–S35 over the JSON API: the PWT buys a PT (and the PWT rotates).
  const auto issued = http_json(port, "POST", "/tapbench/api/pt", pwt, R"({"terminal_id":"app:admin"})");
  const int status = issued.first;
  const std::string body = issued.second;
  REQUIRE_MESSAGE(status == 201, body);
  const std::string pt(boost::json::parse(body).as_object().at("pt").as_string());
  CHECK(http_json(port, "POST", "/tapbench/api/pt", pwt).first == 401);  // rotated away
  CHECK(http_json(port, "GET", "/tapbench/api/registration", pt).first == 200);

  // S121–S125: a 3-page job with 2 pages left prints 2; the core's committed PTB says 0, 2 printed.
  const fs::path three = tmp.path() / "three.pwg";
  write_pwg_raster(three, "iso_a4_210x297mm", "sgray_8", 150, 3);
  IppClient client(port, Credentials::bearer(pt));
  auto r = client.print_job(three, "image/pwg-raster");
  REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
  const auto done = client.wait_job_done(r.integer("job-id"));
  CHECK(done.integer("job-state") == IPP_JSTATE_ABORTED);
  CHECK(done.integer("job-impressions-completed") == 2);
  CHECK(done.string("job-originating-user-name") == "pt:app:admin");
  CHECK(locked([](PrinterCore& c) { return c.ptb().printable_pages; }) == 0);
  CHECK(locked([](PrinterCore& c) { return c.ptb().pages_printed; }) == 2);
  CHECK(locked([&](PrinterCore&) { return rig.ram_equals_committed(); }));
  CHECK(marked == 2);
  // At zero the core refuses the next job up front.
  CHECK(client.print_job(three, "image/pwg-raster").status == IPP_STATUS_ERROR_FORBIDDEN);

  // S27–S29: router credentials with the (new) PWT over the WFD link; a PT may not.
  auto set_wifi = [&](IppClient& c) {
    ipp_t* req = c.new_request(IPP_OP_SET_PRINTER_ATTRIBUTES);
    ippAddString(req, IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-wifi-ssid", nullptr, "home-router");
    const std::string pass = "correct horse battery";
    ippAddOctetString(req, IPP_TAG_PRINTER, "printer-wifi-password", pass.data(),
                      static_cast<int>(pass.size()));
    return c.send(req);
  };
  CHECK(set_wifi(client).status == IPP_STATUS_ERROR_FORBIDDEN);
  CHECK(client.printer_attributes().integer("printer-wifi-state") == PAPPL_WIFI_STATE_NOT_CONFIGURED);
  const std::string pwt2 = locked([](PrinterCore& c) { return c.current_pwt(); });
  IppClient by_pwt(port, Credentials::bearer(pwt2));
  CHECK(set_wifi(by_pwt).status == IPP_STATUS_OK);
  // PAPPL's 1 s timer drives the core's tick(), which completes the hand-over (S29): wait for the commit.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline && !locked([](PrinterCore& c) { return c.ptb().network.has_value(); })) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling interval, bounded by deadline
  }
  CHECK(locked(
      [](PrinterCore& c) { return c.ptb().network.has_value() && c.ptb().network->ssid == "home-router"; }));
  CHECK(by_pwt.printer_attributes().string("printer-wifi-ssid") == "home-router");
  // printer-wifi-state follows the station (S29): joined → on.
  CHECK(by_pwt.printer_attributes().integer("printer-wifi-state") == PAPPL_WIFI_STATE_ON);
  // No token in printerd's log.
  const std::string log = read_file(options.state_dir / "printerd.log");
  CHECK(log.find(pwt) == std::string::npos);
  CHECK(log.find(pt) == std::string::npos);
}

TEST_CASE(
    "IPP over the printer core: a PWT is refused once its period ends, a PT once idle for its timeout") {
  CoreIpp p(10);
  const auto idle = p.rig.config.pt_idle_timeout;
  const auto period = p.rig.config.pwt_period;
  // libcups reports a 401 it could not answer with other credentials as authentication-canceled.
  constexpr ipp_status_t kRefused = IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED;
  const std::string pt = p.pt_for("app:print");  // S33: the PT issue rotated the PWT now

  // S13: the PWT prints within its period and is refused from its end; the rotated one prints.
  const std::string pwt = p.locked([](PrinterCore& c) { return c.current_pwt(); });
  p.rig.clock.advance(period - std::chrono::nanoseconds(1));
  CHECK(print_one(p, pwt) <= IPP_STATUS_OK_EVENTS_COMPLETE);
  CHECK(p.pages() == 9);
  p.rig.clock.advance(std::chrono::nanoseconds(1));
  CHECK(print_one(p, pwt) == kRefused);
  CHECK(p.pages() == 9);  // nothing charged for a refused job
  // PAPPL's 1 s timer drives the core's tick(), which rotates the PWT: wait for the new one.
  std::string rotated = pwt;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline && rotated == pwt) {
    rotated = p.locked([](PrinterCore& c) { return c.current_pwt(); });
    if (rotated == pwt) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // bounded by deadline
  }
  REQUIRE(rotated != pwt);
  CHECK(print_one(p, rotated) <= IPP_STATUS_OK_EVENTS_COMPLETE);
  CHECK(p.pages() == 8);

  // S39: the PT's lifetime is counted from its last use, to the nanosecond.
  CHECK(print_one(p, pt) <= IPP_STATUS_OK_EVENTS_COMPLETE);  // a use: the idle time starts now
  p.rig.clock.advance(idle - std::chrono::nanoseconds(1));
  CHECK(print_one(p, pt) <= IPP_STATUS_OK_EVENTS_COMPLETE);  // and again
  p.rig.clock.advance(idle - std::chrono::nanoseconds(1));
  CHECK(print_one(p, pt) <= IPP_STATUS_OK_EVENTS_COMPLETE);
  CHECK(p.pages() == 5);
  p.rig.clock.advance(idle);
  CHECK(print_one(p, pt) == kRefused);
  CHECK(p.pages() == 5);
}
