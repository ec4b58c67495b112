// report.html as a person opening it would meet it: the figures, the drawings, the failures with their logs —
// and nothing that runs, loads from elsewhere, or shows a token.
#include <doctest/doctest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "rig/report/html_report.hpp"
#include "rig/report/log_tail.hpp"
#include "rig/report/summary.hpp"

using namespace tapbench::rig;
using namespace std::chrono_literals;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size()))
    ++n;
  return n;
}

CycleRecord cycle(int n, int attempt, Outcome outcome,
                  std::vector<std::optional<std::chrono::nanoseconds>> at, std::chrono::nanoseconds took) {
  const std::vector<std::string> names = {"field_on", "target_found", "ndef_read"};
  CycleRecord r;
  r.case_id = "nfc-selftest";
  r.cycle = n;
  r.attempt = attempt;
  r.outcome = outcome;
  r.duration = took;
  for (std::size_t i = 0; i < names.size(); ++i)
    r.phases.push_back({names[i], i < at.size() ? at[i] : std::nullopt});
  return r;
}

constexpr const char* kToken = "PWT-0123456789abcdef";

RunData sample_run() {
  RunData run;
  run.header = {"sim<b>",   "fixtures/benches/sim.yaml", "smoke", "(embedded)", "0.1.0",
                "rig-host", "2026-01-01T00:00:00.000Z"};
  run.exit_code = 2;
  run.duration = 3s;
  CaseData& c = run.case_named("nfc-selftest");
  c.title = "tap a known tag";
  c.phases = {"field_on", "target_found", "ndef_read"};
  c.cycles.push_back(cycle(1, 1, Outcome::kPass, {1ms, 3ms, 10ms}, 11ms));
  c.cycles.push_back(cycle(2, 1, Outcome::kPass, {2ms, 5ms, 30ms}, 31ms));
  CycleRecord failed = cycle(3, 1, Outcome::kFail, {1ms, std::nullopt, std::nullopt}, 20ms);
  failed.failure_class = "ndef-mismatch";
  failed.phase = "target_found";
  failed.reason = std::string("the tag said <script>alert(1)</script> & ") + kToken;
  failed.notes = {{"firmware", "1.2.0"}};
  failed.token_violations = {{"pwt", "accepted-after-expiry", 3}};
  c.cycles.push_back(failed);
  CaseResult result;
  result.case_id = c.id;
  result.outcome = Outcome::kFail;
  result.reason = "1 of 3 cycles failed";
  result.counts = {3, 2, 1, 0, 0, 0, 3};
  c.result = result;
  return run;
}

}  // namespace

TEST_CASE("report.html shows the run's figures, drawn, escaped and without a token") {
  SecretRegistry secrets;
  secrets.add(kToken);
  HtmlReportInput input;
  input.secrets = &secrets;
  input.logs.push_back({"nfc-selftest/pn532-sim.log", "nfc-selftest",
                        std::string("ready\nsent ") + kToken + "\nlast line\n", 3, false, 40});
  input.logs.push_back({"other.log", "", "bench-wide\n", 1, false, 11});
  const RunData run = sample_run();
  const std::string html = render_html_report(run, input);

  // Self-contained: no script, no external resource, styles inline.
  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find(" src=") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  CHECK(count(html, "http://") + count(html, "https://") == count(html, "http://www.w3.org/2000/svg"));
  CHECK(html.find("<style>") != std::string::npos);
  // Escaped and redacted.
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; [redacted]") != std::string::npos);
  CHECK(html.find("sim&lt;b&gt;") != std::string::npos);
  CHECK(html.find(kToken) == std::string::npos);
  CHECK(html.find("sent [redacted]") != std::string::npos);
  // The figures are summary.txt's (phase_stats): target_found has 2 samples, 2 ms and 3 ms.
  CHECK(html.find("<tr data-phase=\"target_found\"><td>target_found</td><td class=\"num\">2</td><td "
                  "class=\"num\">2.000</td><td class=\"num\">3.000</td><td class=\"num\">3.000</td><td "
                  "class=\"num\">3.000</td></tr>") != std::string::npos);
  const auto stats = phase_stats(run.cases[0]);
  CHECK(count(html, "<svg class=\"histogram\"") == stats.size());  // field_on, target_found, ndef_read, cycle
  // Timelines: the slowest (cycle 2) and the failure (cycle 3), whose phase in progress is drawn failed.
  CHECK(count(html, "<svg class=\"timeline\"") == 2);
  CHECK(html.find("data-cycle=\"2\" data-attempt=\"1\"") != std::string::npos);
  CHECK(html.find("data-cycle=\"3\" data-attempt=\"1\"") != std::string::npos);
  CHECK(html.find("<rect class=\"seg failed\" data-phase=\"target_found\"") != std::string::npos);
  CHECK(count(html, "not reached") == 1);  // ndef_read of cycle 3
  // Failures: class, message, the case's log and the run-wide one; environment; violations.
  CHECK(html.find("<code>ndef-mismatch</code>") != std::string::npos);
  CHECK(html.find("<code>nfc-selftest/pn532-sim.log</code>") != std::string::npos);
  CHECK(html.find("<code>other.log</code>") != std::string::npos);
  CHECK(html.find("<h3>Logs the cases share</h3>") != std::string::npos);
  CHECK(html.find("<dd data-key=\"firmware\">1.2.0</dd>") != std::string::npos);
  // A drawn cycle's notes under its timeline (cycle 3's; cycle 2 has none).
  CHECK(count(html, "<table class=\"notes\">") == 1);
  CHECK(html.find("<tr data-note=\"firmware\"><td>firmware</td><td>1.2.0</td></tr>") != std::string::npos);
  CHECK(html.find("<dd data-key=\"host\">rig-host</dd>") != std::string::npos);
  CHECK(html.find("<td>pwt</td><td>accepted-after-expiry</td><td class=\"num\">3</td>") != std::string::npos);
}

TEST_CASE("report.html draws the timelines asked for, and says when a run is incomplete") {
  RunData run = sample_run();
  run.exit_code.reset();
  run.cases[0].result.reset();
  HtmlReportInput input;
  input.timelines = {parse_timeline_choice("nfc-selftest:1")};
  const std::string html = render_html_report(run, input);
  CHECK(count(html, "<svg class=\"timeline\"") == 1);
  CHECK(html.find("data-cycle=\"1\" data-attempt=\"1\"") != std::string::npos);
  CHECK(html.find("INCOMPLETE: the run record ends before the run did") != std::string::npos);
}

TEST_CASE("timeline choices") {
  const auto c = parse_timeline_choice("tap-to-print:12:2");
  CHECK(c.case_id == "tap-to-print");
  CHECK(c.cycle == 12);
  CHECK(c.attempt == 2);
  CHECK_FALSE(parse_timeline_choice("a:3").attempt);
  CHECK_THROWS_WITH_AS(parse_timeline_choice("a"), doctest::Contains("no case"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_timeline_choice("a:0"), doctest::Contains("the cycle is not a positive number"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_timeline_choice("a:1:x"),
                       doctest::Contains("the attempt is not a positive number"), std::invalid_argument);
}

TEST_CASE("log text: values after a secret-naming key are withheld, registered secrets replaced") {
  SecretRegistry secrets;
  secrets.add("s3cr3t-value");
  CHECK(redact_log_text("issued token=abc.def-1 to 10.0.0.2", nullptr) ==
        "issued token=[redacted] to 10.0.0.2");
  CHECK(redact_log_text(R"({"pwt": "xyz", "pages": 3})", nullptr) == R"({"pwt": "[redacted]", "pages": 3})");
  CHECK(redact_log_text("wpa passphrase: hunter2hunter2\n", nullptr) == "wpa passphrase: [redacted]\n");
  CHECK(redact_log_text("GET http://printer/status st=ok", nullptr) ==
        "GET http://printer/status st=[redacted]");
  CHECK(redact_log_text("status=ok last-pt='p-1'", nullptr) == "status=ok last-pt='[redacted]'");
  CHECK(redact_log_text("echo s3cr3t-value here", &secrets) == "echo [redacted] here");
  CHECK(redact_log_text("pages: 3, status: ok", nullptr) == "pages: 3, status: ok");
}

TEST_CASE("log tails: the last lines of every *.log in the run folder, by case") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("tapbench-logtail-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "nfc-selftest");
  {
    std::ofstream f(dir / "nfc-selftest" / "pn532-sim.log");
    for (int i = 1; i <= 100; ++i)
      f << "line " << i << (i == 100 ? " token=abcdef123" : "") << "\n";
    std::ofstream(dir / "rig.log") << "short\n";
    std::ofstream(dir / "run.jsonl") << "{}\n";
  }
  const auto tails = collect_log_tails(dir, {"nfc-selftest"}, nullptr);
  std::filesystem::remove_all(dir);
  REQUIRE(tails.size() == 2);
  CHECK(tails[0].path == "nfc-selftest/pn532-sim.log");
  CHECK(tails[0].case_id == "nfc-selftest");
  CHECK(tails[0].truncated);
  CHECK(tails[0].lines == 40);
  CHECK(tails[0].text.starts_with("line 61\n"));
  CHECK(tails[0].text.ends_with("line 100 token=[redacted]\n"));
  CHECK(tails[1].path == "rig.log");
  CHECK(tails[1].case_id.empty());
  CHECK_FALSE(tails[1].truncated);
  CHECK(tails[1].text == "short\n");
}
