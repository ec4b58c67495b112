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

namespace {

// libcups' raster writer onto a request body still being sent (cupsSendRequest … cupsGetResponse).
ssize_t write_request_body(void* http, unsigned char* buffer, size_t length) {
  const auto status =
      cupsWriteRequestData(static_cast<http_t*>(http), reinterpret_cast<char*>(buffer), length);
  return status == HTTP_STATUS_CONTINUE ? static_cast<ssize_t>(length) : -1;
}

}  // namespace

TEST_CASE(
    "IPP over the printer core: Cancel-Job while a page prints ends the job canceled, charged as printed") {
  CoreIpp p(10);
  const std::string pt = p.pt_for("app:print");
  IppClient control(p.port, Credentials::bearer(pt));

  // A streamed Print-Job: page 1 whole, then page 2's header and a few lines, and the body kept open, so
  // the job is processing (page 2 charged and in flight) when the Cancel-Job arrives.
  http_t* http =
      httpConnect2("127.0.0.1", p.port, nullptr, AF_INET, HTTP_ENCRYPTION_IF_REQUESTED, 1, 5000, nullptr);
  REQUIRE(http != nullptr);
  httpSetTimeout(http, 10.0, nullptr, nullptr);
  httpSetAuthString(http, "Bearer", pt.c_str());
  ipp_t* request = control.new_request(IPP_OP_PRINT_JOB);
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nullptr, "cancelled-mid-page");
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", nullptr, "image/pwg-raster");
  const http_status_t sent = cupsSendRequest(http, request, "/ipp/print", CUPS_LENGTH_VARIABLE);
  ippDelete(request);  // cupsSendRequest, unlike cupsDoRequest, leaves the request to the caller
  REQUIRE(sent == HTTP_STATUS_CONTINUE);
  cups_raster_t* ras = cupsRasterOpenIO(write_request_body, http, CUPS_RASTER_WRITE_PWG);
  cups_page_header2_t h;
  REQUIRE(cupsRasterInitPWGHeader(&h, pwgMediaForPWG("iso_a4_210x297mm"), "sgray_8", 150, 150, "one-sided",
                                  "normal"));
  std::vector<unsigned char> line(h.cupsBytesPerLine, 0x80);
  REQUIRE(cupsRasterWriteHeader2(ras, &h));
  for (unsigned y = 0; y < h.cupsHeight; ++y)
    REQUIRE(cupsRasterWritePixels(ras, line.data(), h.cupsBytesPerLine));
  REQUIRE(cupsRasterWriteHeader2(ras, &h));
  for (unsigned y = 0; y < 16; ++y)
    REQUIRE(cupsRasterWritePixels(ras, line.data(), h.cupsBytesPerLine));
  REQUIRE(httpFlushWrite(http) >= 0);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline && p.pages() != 8) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling interval, bounded by deadline
  }
  REQUIRE(p.pages() == 8);  // page 2 charged: the job is in its second page

  ipp_t* get_jobs = control.new_request(IPP_OP_GET_JOBS);
  ippAddString(get_jobs, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nullptr, "not-completed");
  const int job_id = control.send(get_jobs).integer("job-id");
  REQUIRE(job_id > 0);
  CHECK(control.get_job(job_id).integer("job-state") == IPP_JSTATE_PROCESSING);
  ipp_t* cancel = control.new_request(IPP_OP_CANCEL_JOB);
  ippAddInteger(cancel, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
  CHECK(control.send(cancel).status == IPP_STATUS_OK);

  // The rest of the document is still sent; the printer drops it.
  for (unsigned y = 16; y < h.cupsHeight; ++y)
    cupsRasterWritePixels(ras, line.data(), h.cupsBytesPerLine);
  cupsRasterClose(ras);
  ippDelete(cupsGetResponse(http, "/ipp/print"));
  httpClose(http);

  // PAPPL stops a cancelled job at the end of the page in progress: page 2 is finished and stays charged.
  const auto done = control.wait_job_done(job_id);
  CHECK(done.integer("job-state") == IPP_JSTATE_CANCELED);
  CHECK(p.pages() == 8);
  CHECK(p.locked([](PrinterCore& c) { return c.ptb().pages_printed; }) == 2);
  CHECK(p.marked == 2);
  // One record, written once the job had stopped: canceled, 2 pages, 2 page files.
  const auto records = job_records_in(p.options.state_dir / "output");
  REQUIRE(records.size() == 1);
  const auto record = boost::json::parse(records[0]).as_object();
  CHECK(record.at("state").as_string() == "canceled");
  CHECK(record.at("pages_printed").as_int64() == 2);
  CHECK(record.at("files").as_array().size() == 2);
}
