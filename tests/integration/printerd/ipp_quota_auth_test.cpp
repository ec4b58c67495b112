// printerd's token auth, exact page quota, supplies and router hand-over, driven by real clients: libcups
// (HTTP Basic answering the 401 challenge, or a Bearer header) and CUPS's ipptool. The printer is printerd's
// IPP side on the real printer core (CoreIpp: PAPPL + CorePrintAuthority + the JSON API over a PrinterCore on
// the core's Fake HAL, in this process); tokens are the core's: its PWT (what the tag hands out) and a PT
// bought with it over the JSON API. The command line and the PTB across a restart run the printerd process.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <initializer_list>
#include <thread>
#include <tuple>

#include "tests/integration/printerd/core_ipp_fixture.hpp"
#include "tests/integration/printerd/printerd_test_support.hpp"
#include "tests/support/pdf_writer.hpp"

using namespace printerd_test;

namespace {

constexpr const char* kRaster = "image/pwg-raster";
constexpr const char* kWrongPwt = "PWT-WRONG000";

// A job that asked for more pages than the 2 left ended aborted with exactly 2 printed (cut at the page
// boundary). Returns its final attributes.
IppResult wait_cut_at_two(IppClient& client, int job_id) {
  auto done = client.wait_job_done(job_id);
  CHECK(done.integer("job-state") == IPP_JSTATE_ABORTED);
  CHECK(done.integer("job-impressions-completed") == 2);
  return done;
}

std::size_t count_page_files(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    n += e.path().extension() == ".pwg";
  return n;
}

boost::json::object status(int port) {
  return boost::json::parse(get_status_json(port)).as_object();
}

// The job's JSON line is appended when PAPPL reports the job final (its event), which can trail the
// job-state a client polls by a moment: wait (bounded) for the `count`-th record in OUTPUT/jobs.jsonl.
boost::json::object last_record(const fs::path& output, std::size_t count) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  auto records = job_records_in(output);
  while (records.size() < count && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling interval, bounded by deadline
    records = job_records_in(output);
  }
  REQUIRE(records.size() == count);
  return boost::json::parse(records.back()).as_object();
}

void check_no_token_in_log(const std::string& log, std::initializer_list<std::string> tokens) {
  for (const auto& token : tokens)
    CHECK_MESSAGE(log.find(token) == std::string::npos, "a token is in the log");
}

// An ipptool test file (in DIR, next to one.pwg): Print-Job of one.pwg expecting STATUS.
std::string write_print_test(const fs::path& dir, const std::string& expected_status) {
  write_file(dir / "print.test",
             "{\n NAME \"Print-Job\"\n OPERATION Print-Job\n GROUP operation-attributes-tag\n"
             " ATTR charset attributes-charset utf-8\n ATTR language attributes-natural-language en\n"
             " ATTR uri printer-uri $uri\n ATTR name requesting-user-name $user\n"
             " ATTR mimeMediaType document-format image/pwg-raster\n FILE one.pwg\n"
             " STATUS " +
                 expected_status + "\n}\n");
  return "print.test";
}

// SIGTERM ends printerd cleanly (exit 0, no sanitizer report in an ASan build).
void check_clean_stop(Printerd& p) {
  CHECK(p.stop() == 0);
  const std::string console = p.console();
  CHECK(console.find("Sanitizer") == std::string::npos);
  CHECK(console.find("runtime error") == std::string::npos);
  CHECK(console.find("printerd: stopped") != std::string::npos);
}

}  // namespace

TEST_CASE("a wrong or missing token is refused with not-authenticated and prints nothing") {
  CoreIpp p(5);
  const fs::path doc = p.tmp.path() / "one.pwg";
  write_pwg_raster(doc, "iso_a4_210x297mm", "sgray_8", 150, 1);

  // printerd answers 401 with a Basic challenge; libcups then asks its password callback (counted as a
  // challenge), and when that has no (other) token to offer it gives up ("authorization canceled").
  SUBCASE("HTTP Basic with a wrong token (what CUPS clients send)") {
    IppClient client(p.port, Credentials::basic(kWrongPwt));
    const auto r = client.print_job(doc, kRaster);
    CHECK(r.challenges == 2);  // challenged, sent the wrong token, challenged again
    CHECK(r.http_status == HTTP_STATUS_CUPS_AUTHORIZATION_CANCELED);
    CHECK(r.status == IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED);
  }
  SUBCASE("Bearer with a wrong token") {
    IppClient client(p.port, Credentials::bearer("pt-00000000000000000000000000000000"));
    const auto r = client.print_job(doc, kRaster);
    // libcups cannot answer a challenge for a Bearer client: it stops at the 401.
    CHECK(r.http_status == HTTP_STATUS_CUPS_AUTHORIZATION_CANCELED);
    CHECK(r.status == IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED);
  }
  SUBCASE("no credentials at all") {
    IppClient client(p.port, {});
    const auto r = client.print_job(doc, kRaster);
    CHECK(r.http_status == HTTP_STATUS_CUPS_AUTHORIZATION_CANCELED);
  }
  SUBCASE("ipptool with a wrong token in the URI") {
    const auto test = write_print_test(p.tmp.path(), "client-error-not-authenticated");
    const auto run =
        run_ipptool(p.tmp.path(), p.uri_with("terminal", kWrongPwt), test, "", std::chrono::seconds(20));
    INFO(run.output);
    CHECK(run.output.find("cannot be read") == std::string::npos);
    // ipptool retries with the URI's password, then reports the refusal (an HTTP-level failure, so the test
    // itself is listed as failed whatever STATUS it expects).
    CHECK(run.output.find("IPP request failed with status client-error-not-authenticated") !=
          std::string::npos);
  }
  CHECK(p.pages() == 5);
  CHECK(job_records_in(p.output()).empty());
  CHECK(count_page_files(p.output()) == 0);
  check_no_token_in_log(p.log(), {p.pwt()});
}

TEST_CASE("the right token prints, by HTTP Basic (PWT) and by Bearer (PT), and each page costs one") {
  CoreIpp p(10);
  const fs::path doc = p.tmp.path() / "two.pwg";
  write_pwg_raster(doc, "iso_a4_210x297mm", "srgb_8", 150, 2);
  const std::string pt = p.pt_for("terminal-1");  // S33: issuing the PT rotated the PWT
  const std::string pwt = p.pwt();

  IppClient by_pwt(p.port, Credentials::basic(pwt));
  auto r = by_pwt.print_job(doc, kRaster);
  REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
  auto done = by_pwt.wait_job_done(r.integer("job-id"));
  CHECK(done.integer("job-state") == IPP_JSTATE_COMPLETED);
  CHECK(done.integer("job-impressions-completed") == 2);
  CHECK(done.string("job-originating-user-name") == "pwt:terminal");  // the Basic user names the terminal
  CHECK(p.pages() == 8);

  IppClient by_pt(p.port, Credentials::bearer(pt));
  r = by_pt.print_job(doc, kRaster);
  REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
  done = by_pt.wait_job_done(r.integer("job-id"));
  INFO(done.status_text);
  CHECK(done.integer("job-state") == IPP_JSTATE_COMPLETED);
  CHECK(done.string("job-originating-user-name") == "pt:terminal-1");
  CHECK(p.pages() == 6);
  CHECK(p.locked([](PrinterCore& c) { return c.ptb().pages_printed; }) == 4);

  // What was printed is in the state directory: one PWG raster file per page, one JSON line per job.
  CHECK(count_page_files(p.output()) == 4);
  const auto rec = last_record(p.output(), 2);
  CHECK(rec.at("state").as_string() == "completed");
  CHECK(rec.at("principal").as_string() == "pt:terminal-1");
  CHECK(rec.at("pages_printed").to_number<int>() == 2);
  CHECK(rec.at("pages_remaining").to_number<int>() == 6);
  // The page file is the page the client sent (same size, something drawn on it).
  const auto& files = rec.at("files").as_array();
  REQUIRE(files.size() == 2);
  const int fd = ::open((p.output() / std::string(files[1].as_string())).c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  cups_raster_t* ras = cupsRasterOpen(fd, CUPS_RASTER_READ);
  cups_page_header2_t h;
  REQUIRE(cupsRasterReadHeader2(ras, &h));
  CHECK(h.cupsWidth == 1240);  // A4 at 150 dpi
  CHECK(h.HWResolution[0] == 150);
  CHECK(h.cupsColorSpace == CUPS_CSPACE_SRGB);
  cupsRasterClose(ras);
  ::close(fd);
  CHECK(rec.at("marked_bytes").as_array()[1].to_number<std::int64_t>() > 0);
  check_no_token_in_log(p.log(), {pwt, pt});
}

TEST_CASE("quota is exact: a job never takes the count below zero") {
  CoreIpp p(2);
  const fs::path three = p.tmp.path() / "three.pwg";
  write_pwg_raster(three, "iso_a4_210x297mm", "sgray_8", 150, 3);
  const std::string pwt = p.pwt();
  IppClient client(p.port, Credentials::basic(pwt));

  SUBCASE("a 3-page PWG raster job with 2 pages left prints 2 pages and stops at 0") {
    auto r = client.print_job(three, kRaster);
    REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
    const auto done = wait_cut_at_two(client, r.integer("job-id"));
    // S125: the terminal learns the count left.
    CHECK(done.string("job-state-message").find("0 printable pages left") != std::string::npos);
    const auto rec = last_record(p.output(), 1);
    CHECK(rec.at("state").as_string() == "cut");
    CHECK(rec.at("pages_printed").to_number<int>() == 2);
    CHECK(rec.at("pages_remaining").to_number<int>() == 0);
  }
  SUBCASE("a JPEG with copies=3 and 2 pages left prints 2 copies") {
    const fs::path jpeg = p.tmp.path() / "photo.jpg";
    write_jpeg(jpeg, 300, 200, true);
    auto r = client.print_job(jpeg, "image/jpeg", 3);
    REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
    (void)wait_cut_at_two(client, r.integer("job-id"));
    CHECK(last_record(p.output(), 1).at("pages_printed").to_number<int>() == 2);
  }
  SUBCASE("a 3-page PDF with 2 pages left prints its first 2 pages (Poppler) and stops at 0") {
    const fs::path pdf = p.tmp.path() / "three.pdf";
    tapbench::testing::PdfSpec spec;
    spec.pages = 3;
    tapbench::testing::write_pdf(pdf, spec);
    auto r = client.print_job(pdf, "application/pdf");
    REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
    const auto done = wait_cut_at_two(client, r.integer("job-id"));
    CHECK(done.string("job-state-message").find("0 printable pages left") != std::string::npos);
    const auto rec = last_record(p.output(), 1);
    CHECK(rec.at("format").as_string() == "application/pdf");
    CHECK(rec.at("state").as_string() == "cut");
    CHECK(rec.at("pages_printed").to_number<int>() == 2);
    // Each page file is a rendered page with ink on it (the document's square and page number).
    CHECK(rec.at("marked_bytes").as_array()[0].to_number<std::int64_t>() > 0);
    CHECK(rec.at("marked_bytes").as_array()[1].to_number<std::int64_t>() > 0);
  }
  SUBCASE("Create-Job + Send-Document (spooled document) is cut the same way") {
    ipp_t* create = client.new_request(IPP_OP_CREATE_JOB);
    ippAddString(create, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nullptr, "spooled");
    auto c = client.send(create);
    REQUIRE(c.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
    const int job_id = c.integer("job-id");
    ipp_t* send = client.new_request(IPP_OP_SEND_DOCUMENT);
    ippAddInteger(send, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
    ippAddString(send, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", nullptr, kRaster);
    ippAddBoolean(send, IPP_TAG_OPERATION, "last-document", 1);
    auto s = client.send(send, three);
    REQUIRE(s.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
    (void)wait_cut_at_two(client, job_id);
    CHECK(last_record(p.output(), 1).at("pages_printed").to_number<int>() == 2);
  }
  // The core's committed PTB: 0 left, 2 printed.
  CHECK(p.pages() == 0);
  CHECK(p.locked([](PrinterCore& c) { return c.ptb().pages_printed; }) == 2);
  CHECK(p.locked([&](PrinterCore&) { return p.rig.ram_equals_committed(); }));
  CHECK(count_page_files(p.output()) == 2);

  // At zero, the next job is refused up front: forbidden, nothing printed, still 0 (never negative).
  const fs::path one = p.tmp.path() / "one.pwg";
  write_pwg_raster(one, "iso_a4_210x297mm", "sgray_8", 150, 1);
  const auto refused = client.print_job(one, kRaster);
  CHECK(refused.status == IPP_STATUS_ERROR_FORBIDDEN);
  CHECK(p.pages() == 0);
  CHECK(count_page_files(p.output()) == 2);
  check_no_token_in_log(p.log(), {pwt});
}

TEST_CASE("an exhausted quota is forbidden for ipptool too") {
  CoreIpp p(0);
  write_pwg_raster(p.tmp.path() / "one.pwg", "iso_a4_210x297mm", "sgray_8", 150, 1);
  const auto test = write_print_test(p.tmp.path(), "client-error-forbidden");
  const auto run =
      run_ipptool(p.tmp.path(), p.uri_with("terminal", p.pwt()), test, "", std::chrono::seconds(20));
  INFO(run.output);
  CHECK(run.output.find("IPP request failed with status client-error-forbidden") != std::string::npos);
  CHECK(p.pages() == 0);
  CHECK(count_page_files(p.output()) == 0);
}

TEST_CASE("supplies follow the core's ink model: marker levels and marker-supply-low below the threshold") {
  // The ink sensor reads these levels at boot; each monochrome page then takes 10 % black.
  CoreIpp p({.factory_pages = 10,
             .ink = {{"cyan", 80}, {"magenta", 70}, {"yellow", 60}, {"black", 20}},
             .ink_use_per_page = 10});
  REQUIRE(p.locked([](PrinterCore& c) { return c.ptb().ink_low_percent; }) == 10);
  IppClient client(p.port, Credentials::basic(p.pwt()));

  auto attrs = client.printer_attributes();
  CHECK(attrs.string("marker-levels") == "80,70,60,20");
  CHECK(attrs.string("marker-colors").find("#") != std::string::npos);
  CHECK(attrs.string("printer-state-reasons").find("marker-supply-low") == std::string::npos);

  // 20 → 10 is not low yet (the threshold is "below 10").
  const fs::path mono = p.tmp.path() / "mono.pwg";
  write_pwg_raster(mono, "iso_a4_210x297mm", "sgray_8", 150, 1);
  auto r = client.print_job(mono, kRaster);
  REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
  client.wait_job_done(r.integer("job-id"));
  attrs = client.printer_attributes();
  CHECK(attrs.string("marker-levels") == "80,70,60,10");
  CHECK(attrs.string("printer-state-reasons").find("marker-supply-low") == std::string::npos);

  r = client.print_job(mono, kRaster);
  REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
  client.wait_job_done(r.integer("job-id"));
  attrs = client.printer_attributes();
  CHECK(attrs.string("marker-levels") == "80,70,60,0");
  CHECK(attrs.string("printer-state-reasons").find("marker-supply-low") != std::string::npos);
  const auto s = status(p.port);
  CHECK(s.at("ink").as_array()[3].as_object().at("low").as_bool());
}

TEST_CASE("router hand-over: Set-Printer-Attributes printer-wifi-ssid / printer-wifi-password") {
  CoreIpp p(10);  // loopback is the Wi-Fi Direct link here (S27), as on the sim bench
  const std::string secret = "router-passphrase-42";
  std::string pt;  // bought by the subcase that needs one
  const std::string pwt_before = p.pwt();

  auto set_wifi = [&](IppClient& client, const std::string& ssid, const std::string& password) {
    ipp_t* req = client.new_request(IPP_OP_SET_PRINTER_ATTRIBUTES);
    ippAddString(req, IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-wifi-ssid", nullptr, ssid.c_str());
    ippAddOctetString(req, IPP_TAG_PRINTER, "printer-wifi-password", password.data(),
                      static_cast<int>(password.size()));
    return client.send(req);
  };
  auto router_ssid = [&] { return std::string(status(p.port).at("router_ssid").as_string()); };

  SUBCASE("the PWT hands over; the SSID is reported back, the passphrase never logged") {
    IppClient client(p.port, Credentials::basic(p.pwt()));
    const auto r = set_wifi(client, "HomeRouter", secret);
    CHECK(r.status == IPP_STATUS_OK);
    const auto attrs = client.printer_attributes();
    CHECK(attrs.string("printer-wifi-ssid") == "HomeRouter");
    CHECK(router_ssid() == "HomeRouter");
  }
  SUBCASE("a PT may not hand over router credentials") {
    pt = p.pt_for("terminal-1");
    IppClient client(p.port, Credentials::bearer(pt));
    const auto r = set_wifi(client, "HomeRouter", secret);
    CHECK(r.status == IPP_STATUS_ERROR_FORBIDDEN);
    CHECK(router_ssid() == "");
  }
  SUBCASE("a wrong token is not authenticated") {
    IppClient client(p.port, Credentials::basic(kWrongPwt));
    const auto r = set_wifi(client, "HomeRouter", secret);
    CHECK(r.challenges == 2);
    CHECK(r.status == IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED);
    CHECK(router_ssid() == "");
  }
  SUBCASE("a passphrase too short for WPA2 is refused and nothing is stored") {
    IppClient client(p.port, Credentials::basic(p.pwt()));
    CHECK(set_wifi(client, "HomeRouter", "short").status != IPP_STATUS_OK);
    CHECK(router_ssid() == "");
    CHECK_FALSE(p.locked([](PrinterCore& c) { return c.ptb().network.has_value(); }));
  }
  const std::string log = p.log();
  CHECK(log.find(secret) == std::string::npos);
  check_no_token_in_log(log, {pwt_before, p.pwt()});
  if (!pt.empty()) check_no_token_in_log(log, {pt});
}

TEST_CASE("TLS on: ipps:// with a self-signed certificate in the state directory, token auth over TLS") {
  CoreIpp p({.factory_pages = 2, .tls = IppServiceOptions::Tls::on});
  const fs::path doc = p.tmp.path() / "one.pwg";
  write_pwg_raster(doc, "iso_a4_210x297mm", "sgray_8", 150, 1);
  const std::string pwt = p.pwt();
  IppClient client(p.port, Credentials::basic(pwt), HTTP_ENCRYPTION_ALWAYS);
  const auto r = client.print_job(doc, kRaster);
  REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
  CHECK(client.wait_job_done(r.integer("job-id")).integer("job-state") == IPP_JSTATE_COMPLETED);
  CHECK(p.pages() == 1);
  CHECK(p.log().find("Connection now encrypted") != std::string::npos);
  CHECK(fs::exists(p.options.state_dir / "ssl"));
  check_no_token_in_log(p.log(), {pwt});
}

TEST_CASE("printerd's command line: --help, usage errors (exit 64) and runtime errors (exit 1)") {
  TempDir tmp;
  const std::string bin = printerd_path().string();
  const fs::path out = tmp.path() / "out";
  const std::string state = (tmp.path() / "state").string();

  auto [code, text] = run_command({bin, "--help"}, out);
  CHECK(code == 0);
  CHECK(text.find("--state-dir") != std::string::npos);
  CHECK(text.find("--factory-pages") != std::string::npos);

  std::tie(code, text) = run_command({bin, "--listen", "127.0.0.1:0"}, out);
  CHECK(code == 64);
  CHECK(text.find("--state-dir is required") != std::string::npos);

  std::tie(code, text) = run_command({bin, "--state-dir", state, "--listen", "127.0.0.1"}, out);
  CHECK(code == 64);
  CHECK(text.find("expected ADDR:PORT") != std::string::npos);

  std::tie(code, text) = run_command({bin, "--state-dir", state, "--listen", "127.0.0.1:70000"}, out);
  CHECK(code == 64);
  CHECK(text.find("port must be 0") != std::string::npos);

  // There is no mode without the printer core: the interim fixed-token mode is gone.
  std::tie(code, text) = run_command({bin, "--state-dir", state, "--fake-tokens", out.string()}, out);
  CHECK(code == 64);
  CHECK(text.find("--fake-tokens") != std::string::npos);

  // Lifetimes: a duration with a unit, at least 1 s; a misspelt key in --config is an error, not ignored.
  std::tie(code, text) = run_command({bin, "--state-dir", state, "--pwt-period", "0"}, out);
  CHECK(code == 64);
  CHECK(text.find("--pwt-period: must be between 1 s and 366 days") != std::string::npos);
  std::tie(code, text) = run_command({bin, "--state-dir", state, "--pt-idle-timeout", "2x"}, out);
  CHECK(code == 64);
  CHECK(text.find("expected a duration such as 90, 90s, 15m, 1h or 7d") != std::string::npos);
  // "1h" and "90s" parse (the run then stops at the next check, the listen port).
  std::tie(code, text) = run_command({bin, "--state-dir", state, "--pwt-period", "1h", "--pt-idle-timeout",
                                      "90s", "--listen", "127.0.0.1:70000"},
                                     out);
  CHECK(code == 64);
  CHECK(text.find("port must be 0") != std::string::npos);
  const std::string config = (tmp.path() / "printerd.ini").string();
  write_file(config, "pwt-perod = 30\n");
  std::tie(code, text) = run_command({bin, "--state-dir", state, "--config", config}, out);
  CHECK(code == 64);
  CHECK(text.find("pwt-perod") != std::string::npos);

  // The port is taken by a running printerd: the second one says so and exits 1.
  Printerd first(tmp.path() / "first");
  std::tie(code, text) =
      run_command({bin, "--state-dir", state, "--listen", "127.0.0.1:" + std::to_string(first.port())}, out);
  CHECK(code == 1);
  CHECK(text.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) != std::string::npos);
  check_clean_stop(first);
}

TEST_CASE(
    "printerd on the printer core: PTB in the state directory, tokens from the core, restart keeps the "
    "count") {
  TempDir tmp;
  PrinterdOptions options;
  options.extra = {"--factory-pages", "3", "--nfc", "none"};
  const auto pages_left = [](const Printerd& p) {
    return status(p.port()).at("pages_remaining").to_number<std::int64_t>();
  };
  {
    Printerd p(tmp.path(), options);
    CHECK(pages_left(p) == 3);
    CHECK(fs::exists(p.state() / "ptb.json"));
    CHECK((fs::status(p.state() / "ptb.json").permissions() & fs::perms::others_read) == fs::perms::none);
    // No fixed tokens: the PWT is the core's, handed out on the tag. Guesses are refused (and counted).
    const fs::path doc = tmp.path() / "one.pwg";
    write_pwg_raster(doc, "iso_a4_210x297mm", "sgray_8", 150, 1);
    IppClient client(p.port(), Credentials::bearer(kWrongPwt));
    CHECK(client.print_job(doc, kRaster).http_status == HTTP_STATUS_CUPS_AUTHORIZATION_CANCELED);
    const auto refused = http_json(p.port(), "POST", "/tapbench/api/pt", kWrongPwt);
    CHECK(refused.first == 401);
    CHECK(refused.second.find("unauthenticated") != std::string::npos);
    CHECK(http_json(p.port(), "GET", "/tapbench/api/pt", kWrongPwt).first == 405);
    check_clean_stop(p);
  }
  // A restart loads the committed PTB: the factory value no longer applies.
  options.extra = {"--factory-pages", "99", "--nfc", "none"};
  Printerd again(tmp.path(), options);
  CHECK(pages_left(again) == 3);
  check_clean_stop(again);
}
