// printerd's token auth, exact page quota, supplies and router hand-over, driven by real clients: libcups
// (HTTP Basic answering the 401 challenge, or a Bearer header) and CUPS's ipptool.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <thread>
#include <tuple>

#include "tests/integration/printerd/printerd_test_support.hpp"
#include "tests/support/pdf_writer.hpp"

using namespace printerd_test;

namespace {

constexpr const char* kRaster = "image/pwg-raster";

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

boost::json::object status(const Printerd& p) {
  return boost::json::parse(get_status_json(p.port())).as_object();
}

std::int64_t pages_left(const Printerd& p) {
  return status(p).at("pages_remaining").to_number<std::int64_t>();
}

// The job's JSON line is appended when PAPPL reports the job final (its event), which can trail the
// job-state a client polls by a moment: wait (bounded) for the `count`-th record.
boost::json::object last_record(const Printerd& p, std::size_t count) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  auto records = p.job_records();
  while (records.size() < count && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling interval, bounded by deadline
    records = p.job_records();
  }
  REQUIRE(records.size() == count);
  return boost::json::parse(records.back()).as_object();
}

void check_no_token_in_log(const Printerd& p) {
  const std::string log = p.log();
  CHECK(log.find(Printerd::kPwt) == std::string::npos);
  CHECK(log.find(Printerd::kPt) == std::string::npos);
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
  TempDir tmp;
  const fs::path doc = tmp.path() / "one.pwg";
  write_pwg_raster(doc, "iso_a4_210x297mm", "sgray_8", 150, 1);
  PrinterdOptions options;
  options.pages = 5;
  Printerd p(tmp.path(), options);

  // printerd answers 401 with a Basic challenge; libcups then asks its password callback (counted as a
  // challenge), and when that has no (other) token to offer it gives up ("authorization canceled").
  SUBCASE("HTTP Basic with a wrong token (what CUPS clients send)") {
    IppClient client(p.port(), Credentials::basic("PWT-WRONG000"));
    const auto r = client.print_job(doc, kRaster);
    CHECK(r.challenges == 2);  // challenged, sent the wrong token, challenged again
    CHECK(r.http_status == HTTP_STATUS_CUPS_AUTHORIZATION_CANCELED);
    CHECK(r.status == IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED);
  }
  SUBCASE("Bearer with a wrong token") {
    IppClient client(p.port(), Credentials::bearer("pt-00000000000000000000000000000000"));
    const auto r = client.print_job(doc, kRaster);
    // libcups cannot answer a challenge for a Bearer client: it stops at the 401.
    CHECK(r.http_status == HTTP_STATUS_CUPS_AUTHORIZATION_CANCELED);
    CHECK(r.status == IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED);
  }
  SUBCASE("no credentials at all") {
    IppClient client(p.port(), {});
    const auto r = client.print_job(doc, kRaster);
    CHECK(r.http_status == HTTP_STATUS_CUPS_AUTHORIZATION_CANCELED);
  }
  SUBCASE("ipptool with a wrong token in the URI") {
    write_file(tmp.path() / "print.test",
               "{\n NAME \"Print-Job\"\n OPERATION Print-Job\n GROUP operation-attributes-tag\n"
               " ATTR charset attributes-charset utf-8\n ATTR language attributes-natural-language en\n"
               " ATTR uri printer-uri $uri\n ATTR name requesting-user-name $user\n"
               " ATTR mimeMediaType document-format image/pwg-raster\n FILE one.pwg\n"
               " STATUS client-error-not-authenticated\n}\n");
    const auto run = run_ipptool(tmp.path(), p.uri_with("terminal", "PWT-WRONG000"), "print.test", "",
                                 std::chrono::seconds(20));
    INFO(run.output);
    CHECK(run.output.find("cannot be read") == std::string::npos);
    // ipptool retries with the URI's password, then reports the refusal (an HTTP-level failure, so the test
    // itself is listed as failed whatever STATUS it expects).
    CHECK(run.output.find("IPP request failed with status client-error-not-authenticated") !=
          std::string::npos);
  }
  CHECK(pages_left(p) == 5);
  CHECK(p.job_records().empty());
  CHECK(count_page_files(p.output()) == 0);
  check_no_token_in_log(p);
  check_clean_stop(p);
}

TEST_CASE("the right token prints, by HTTP Basic (PWT) and by Bearer (PT), and each page costs one") {
  TempDir tmp;
  const fs::path doc = tmp.path() / "two.pwg";
  write_pwg_raster(doc, "iso_a4_210x297mm", "srgb_8", 150, 2);
  PrinterdOptions options;
  options.pages = 10;
  Printerd p(tmp.path(), options);

  IppClient pwt(p.port(), Credentials::basic(Printerd::kPwt));
  auto r = pwt.print_job(doc, kRaster);
  REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
  auto done = pwt.wait_job_done(r.integer("job-id"));
  CHECK(done.integer("job-state") == IPP_JSTATE_COMPLETED);
  CHECK(done.integer("job-impressions-completed") == 2);
  CHECK(done.string("job-originating-user-name") == "pwt");
  CHECK(pages_left(p) == 8);

  IppClient pt(p.port(), Credentials::bearer(Printerd::kPt));
  r = pt.print_job(doc, kRaster);
  REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
  done = pt.wait_job_done(r.integer("job-id"));
  INFO(done.status_text);
  CHECK(done.integer("job-state") == IPP_JSTATE_COMPLETED);
  CHECK(done.string("job-originating-user-name") == "pt:terminal-1");
  CHECK(pages_left(p) == 6);

  // What was printed is in the state directory: one PWG raster file per page, one JSON line per job.
  CHECK(count_page_files(p.output()) == 4);
  const auto rec = last_record(p, 2);
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
  check_no_token_in_log(p);
  check_clean_stop(p);
}

TEST_CASE("quota is exact: a job never takes the count below zero") {
  TempDir tmp;
  const fs::path three = tmp.path() / "three.pwg";
  write_pwg_raster(three, "iso_a4_210x297mm", "sgray_8", 150, 3);
  PrinterdOptions options;
  options.pages = 2;
  Printerd p(tmp.path(), options);
  IppClient client(p.port(), Credentials::basic(Printerd::kPwt));

  SUBCASE("a 3-page PWG raster job with 2 pages left prints 2 pages and stops at 0") {
    auto r = client.print_job(three, kRaster);
    REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
    const auto done = wait_cut_at_two(client, r.integer("job-id"));
    // S125: the terminal learns the count left.
    CHECK(done.string("job-state-message").find("0 printable pages left") != std::string::npos);
    const auto rec = last_record(p, 1);
    CHECK(rec.at("state").as_string() == "cut");
    CHECK(rec.at("pages_printed").to_number<int>() == 2);
    CHECK(rec.at("pages_remaining").to_number<int>() == 0);
  }
  SUBCASE("a JPEG with copies=3 and 2 pages left prints 2 copies") {
    const fs::path jpeg = tmp.path() / "photo.jpg";
    write_jpeg(jpeg, 300, 200, true);
    auto r = client.print_job(jpeg, "image/jpeg", 3);
    REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
    (void)wait_cut_at_two(client, r.integer("job-id"));
    CHECK(last_record(p, 1).at("pages_printed").to_number<int>() == 2);
  }
  SUBCASE("a 3-page PDF with 2 pages left prints its first 2 pages (Poppler) and stops at 0") {
    const fs::path pdf = tmp.path() / "three.pdf";
    tapbench::testing::PdfSpec spec;
    spec.pages = 3;
    tapbench::testing::write_pdf(pdf, spec);
    auto r = client.print_job(pdf, "application/pdf");
    REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
    const auto done = wait_cut_at_two(client, r.integer("job-id"));
    CHECK(done.string("job-state-message").find("0 printable pages left") != std::string::npos);
    const auto rec = last_record(p, 1);
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
    CHECK(last_record(p, 1).at("pages_printed").to_number<int>() == 2);
  }
  CHECK(pages_left(p) == 0);
  CHECK(count_page_files(p.output()) == 2);

  // At zero, the next job is refused up front: forbidden, nothing printed, still 0 (never negative).
  const fs::path one = tmp.path() / "one.pwg";
  write_pwg_raster(one, "iso_a4_210x297mm", "sgray_8", 150, 1);
  const auto refused = client.print_job(one, kRaster);
  CHECK(refused.status == IPP_STATUS_ERROR_FORBIDDEN);
  CHECK(pages_left(p) == 0);
  CHECK(count_page_files(p.output()) == 2);
  check_no_token_in_log(p);
  check_clean_stop(p);
}

TEST_CASE("an exhausted quota is forbidden for ipptool too") {
  TempDir tmp;
  write_pwg_raster(tmp.path() / "one.pwg", "iso_a4_210x297mm", "sgray_8", 150, 1);
  write_file(tmp.path() / "print.test",
             "{\n NAME \"Print-Job at zero pages\"\n OPERATION Print-Job\n GROUP operation-attributes-tag\n"
             " ATTR charset attributes-charset utf-8\n ATTR language attributes-natural-language en\n"
             " ATTR uri printer-uri $uri\n ATTR name requesting-user-name $user\n"
             " ATTR mimeMediaType document-format image/pwg-raster\n FILE one.pwg\n"
             " STATUS client-error-forbidden\n}\n");
  PrinterdOptions options;
  options.pages = 0;
  Printerd p(tmp.path(), options);
  const auto run = run_ipptool(tmp.path(), p.uri_with("terminal", Printerd::kPwt), "print.test", "",
                               std::chrono::seconds(20));
  INFO(run.output);
  CHECK(run.output.find("IPP request failed with status client-error-forbidden") != std::string::npos);
  CHECK(count_page_files(p.output()) == 0);
}

TEST_CASE("supplies follow the ink model: marker levels and marker-supply-low below the threshold") {
  TempDir tmp;
  PrinterdOptions options;
  options.ink = "cyan=80,magenta=70,yellow=60,black=20";
  options.extra = {"--ink-use-per-page", "10", "--ink-low-percent", "10"};
  Printerd p(tmp.path(), options);
  IppClient client(p.port(), Credentials::basic(Printerd::kPwt));

  auto attrs = client.printer_attributes();
  CHECK(attrs.string("marker-levels") == "80,70,60,20");
  CHECK(attrs.string("marker-colors").find("#") != std::string::npos);
  CHECK(attrs.string("printer-state-reasons").find("marker-supply-low") == std::string::npos);

  // Each monochrome page takes 10 % black: 20 → 10 is not low yet (the threshold is "below 10").
  const fs::path mono = tmp.path() / "mono.pwg";
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
  const auto s = status(p);
  CHECK(s.at("ink").as_array()[3].as_object().at("low").as_bool());
}

TEST_CASE("router hand-over: Set-Printer-Attributes printer-wifi-ssid / printer-wifi-password") {
  TempDir tmp;
  Printerd p(tmp.path());
  const std::string secret = "router-passphrase-42";

  auto set_wifi = [&](IppClient& client, const std::string& ssid, const std::string& password) {
    ipp_t* req = client.new_request(IPP_OP_SET_PRINTER_ATTRIBUTES);
    ippAddString(req, IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-wifi-ssid", nullptr, ssid.c_str());
    ippAddOctetString(req, IPP_TAG_PRINTER, "printer-wifi-password", password.data(),
                      static_cast<int>(password.size()));
    return client.send(req);
  };

  SUBCASE("the PWT hands over; the SSID is reported back, the passphrase never logged") {
    IppClient client(p.port(), Credentials::basic(Printerd::kPwt));
    const auto r = set_wifi(client, "HomeRouter", secret);
    CHECK(r.status == IPP_STATUS_OK);
    const auto attrs = client.printer_attributes();
    CHECK(attrs.string("printer-wifi-ssid") == "HomeRouter");
    CHECK(status(p).at("router_ssid").as_string() == "HomeRouter");
  }
  SUBCASE("a PT may not hand over router credentials") {
    IppClient client(p.port(), Credentials::bearer(Printerd::kPt));
    const auto r = set_wifi(client, "HomeRouter", secret);
    CHECK(r.status == IPP_STATUS_ERROR_FORBIDDEN);
    CHECK(status(p).at("router_ssid").as_string() == "");
  }
  SUBCASE("a wrong token is not authenticated") {
    IppClient client(p.port(), Credentials::basic("PWT-WRONG000"));
    const auto r = set_wifi(client, "HomeRouter", secret);
    CHECK(r.challenges == 2);
    CHECK(r.status == IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED);
    CHECK(status(p).at("router_ssid").as_string() == "");
  }
  SUBCASE("a passphrase too short for WPA2 is refused and nothing is stored") {
    IppClient client(p.port(), Credentials::basic(Printerd::kPwt));
    CHECK(set_wifi(client, "HomeRouter", "short").status != IPP_STATUS_OK);
    CHECK(status(p).at("router_ssid").as_string() == "");
  }
  const std::string log = p.log();
  CHECK(log.find(secret) == std::string::npos);
  check_no_token_in_log(p);
  check_clean_stop(p);
}

TEST_CASE("--tls on: ipps:// with a self-signed certificate in the state directory, token auth over TLS") {
  TempDir tmp;
  const fs::path doc = tmp.path() / "one.pwg";
  write_pwg_raster(doc, "iso_a4_210x297mm", "sgray_8", 150, 1);
  PrinterdOptions options;
  options.pages = 2;
  options.extra = {"--tls", "on"};
  Printerd p(tmp.path(), options);
  IppClient client(p.port(), Credentials::basic(Printerd::kPwt), HTTP_ENCRYPTION_ALWAYS);
  const auto r = client.print_job(doc, kRaster);
  REQUIRE(r.status <= IPP_STATUS_OK_EVENTS_COMPLETE);
  CHECK(client.wait_job_done(r.integer("job-id")).integer("job-state") == IPP_JSTATE_COMPLETED);
  CHECK(pages_left(p) == 1);
  CHECK(p.log().find("Connection now encrypted") != std::string::npos);
  CHECK(fs::exists(p.state() / "ssl"));
  check_no_token_in_log(p);
  check_clean_stop(p);
}

TEST_CASE("printerd's command line: --help, usage errors (exit 64) and runtime errors (exit 1)") {
  TempDir tmp;
  const std::string bin = printerd_path().string();
  const fs::path out = tmp.path() / "out";
  const std::string tokens = (tmp.path() / "tokens").string();
  write_file(tokens, "pwt PWT-7QKD3M9X\n");
  fs::permissions(tokens, fs::perms::owner_read | fs::perms::owner_write);
  const std::string state = (tmp.path() / "state").string();

  auto [code, text] = run_command({bin, "--help"}, out);
  CHECK(code == 0);
  CHECK(text.find("--state-dir") != std::string::npos);
  CHECK(text.find("--fake-tokens") != std::string::npos);

  std::tie(code, text) = run_command({bin, "--fake-tokens", tokens}, out);
  CHECK(code == 64);
  CHECK(text.find("--state-dir is required") != std::string::npos);

  std::tie(code, text) =
      run_command({bin, "--state-dir", state, "--fake-tokens", tokens, "--listen", "127.0.0.1"}, out);
  CHECK(code == 64);
  CHECK(text.find("expected ADDR:PORT") != std::string::npos);

  std::tie(code, text) =
      run_command({bin, "--state-dir", state, "--fake-tokens", tokens, "--listen", "127.0.0.1:70000"}, out);
  CHECK(code == 64);
  CHECK(text.find("port must be 0") != std::string::npos);

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

  write_file(tokens, "pwt PWT-7QKD3M9X\npt:x SHORT7\n");
  std::tie(code, text) = run_command({bin, "--state-dir", state, "--fake-tokens", tokens}, out);
  CHECK(code == 64);
  CHECK(text.find(":2:") != std::string::npos);
  CHECK(text.find("SHORT7") == std::string::npos);  // the message names the line, never the token

  // The port is taken by a running printerd: the second one says so and exits 1.
  write_file(tokens, "pwt PWT-7QKD3M9X\n");
  Printerd first(tmp.path() / "first");
  std::tie(code, text) = run_command({bin, "--state-dir", state, "--fake-tokens", tokens, "--listen",
                                      "127.0.0.1:" + std::to_string(first.port())},
                                     out);
  CHECK(code == 1);
  CHECK(text.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) != std::string::npos);
  check_clean_stop(first);
}

TEST_CASE(
    "printerd on the printer core: PTB in the state directory, tokens from the core, restart keeps the "
    "count") {
  TempDir tmp;
  PrinterdOptions options;
  options.core = true;
  options.extra = {"--factory-pages", "3", "--nfc", "none"};
  {
    Printerd p(tmp.path(), options);
    CHECK(pages_left(p) == 3);
    CHECK(fs::exists(p.state() / "ptb.json"));
    CHECK((fs::status(p.state() / "ptb.json").permissions() & fs::perms::others_read) == fs::perms::none);
    // No fixed tokens here: the PWT is the core's, handed out on the tag. Guesses are refused (and counted).
    const fs::path doc = tmp.path() / "one.pwg";
    write_pwg_raster(doc, "iso_a4_210x297mm", "sgray_8", 150, 1);
    IppClient client(p.port(), Credentials::bearer(Printerd::kPwt));
    CHECK(client.print_job(doc, kRaster).http_status == HTTP_STATUS_CUPS_AUTHORIZATION_CANCELED);
    const auto refused = http_json(p.port(), "POST", "/tapbench/api/pt", Printerd::kPwt);
    const int status = refused.first;
    const std::string body = refused.second;
    CHECK(status == 401);
    CHECK(body.find("unauthenticated") != std::string::npos);
    CHECK(http_json(p.port(), "GET", "/tapbench/api/pt", Printerd::kPwt).first == 405);
    check_clean_stop(p);
  }
  // A restart loads the committed PTB: the factory value no longer applies.
  options.extra = {"--factory-pages", "99", "--nfc", "none"};
  Printerd again(tmp.path(), options);
  CHECK(pages_left(again) == 3);
  check_clean_stop(again);
}
