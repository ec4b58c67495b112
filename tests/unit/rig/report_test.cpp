// The run folder: crash-safe run record, the redaction guard, JUnit XML, percentiles.
#include <doctest/doctest.h>
#include <unistd.h>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rig/bench/bench_loader.hpp"
#include "rig/report/junit.hpp"
#include "rig/report/run_folder.hpp"
#include "rig/report/run_record.hpp"
#include "rig/report/summary.hpp"
#include "rig/runner/runner.hpp"

using namespace tapbench;
using namespace tapbench::rig;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/tapbench-report-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class FakeTimedCase final : public Case {
 public:
  FakeTimedCase(ManualClock& clock, std::function<void(CycleContext&)> extra)
      : clock_(clock), extra_(std::move(extra)) {}
  void run_cycle(CycleContext& c) override {
    ++n_;
    clock_.advance(std::chrono::milliseconds(n_));  // field_on at n ms
    c.mark("field_on");
    clock_.advance(10ms);
    c.mark("auth_ok");
    extra_(c);
  }

 private:
  ManualClock& clock_;
  std::function<void(CycleContext&)> extra_;
  int n_ = 0;
};

struct RunFixture {
  ManualClock clock;
  CaseRegistry registry;
  SecretRegistry secrets;
  Bench bench = load_bench("sim");
  Suite suite;
  std::function<void(CycleContext&)> extra = [](CycleContext&) {};

  RunFixture() {
    registry.add({"fake-handover", "fake handover", "", {"field_on", "auth_ok"}, {}},
                 [this](const CaseEnvironment&) { return std::make_unique<FakeTimedCase>(clock, extra); });
    registry.add_planned({"provisioning", "Provisioning", "", {"field_on"}, {}}, "needs the terminal role");
    suite.name = "t";
    SuiteCase c;
    c.id = "fake-handover";
    c.cycles = 100;
    c.retries = 0;
    suite.cases.push_back(c);
    c.id = "provisioning";
    suite.cases.push_back(c);
  }
  RunData run_into(const fs::path& dir) {
    prepare_run_folder(dir);
    RunRecordWriter writer(dir / kRunRecordFile, secrets,
                           {"", "", "", "", "0.1.0", "host-1", "2026-01-01T00:00:00.000Z"});
    Runner runner(clock, registry, secrets, writer);
    runner.run(bench, suite);
    REQUIRE(writer.write_error().empty());
    write_reports(dir, writer.data());
    return writer.data();
  }
};

}  // namespace

TEST_CASE("nearest-rank percentiles are values of real samples") {
  std::vector<std::chrono::nanoseconds> v;
  for (int i = 1; i <= 100; ++i)
    v.push_back(std::chrono::milliseconds(i));
  CHECK(percentile(v, 0.50) == 50ms);
  CHECK(percentile(v, 0.90) == 90ms);
  CHECK(percentile(v, 0.99) == 99ms);
  CHECK(percentile({7ms}, 0.99) == 7ms);
}

TEST_CASE("a run writes run.jsonl line by line, then junit.xml and summaries that agree with it") {
  TempDir tmp;
  RunFixture f;
  const fs::path dir = tmp.path / "run";
  const RunData written = f.run_into(dir);

  // The record read back from disk equals what was written.
  const RunData read = read_run_record(dir / kRunRecordFile);
  CHECK(read.exit_code == 0);
  CHECK_FALSE(read.torn_last_line);
  REQUIRE(read.cases.size() == 2);
  CHECK(read.cases[0].cycles.size() == 100);
  CHECK(read.cases[0].cycles[41].phases[0].at == 42ms);
  CHECK(read.cases[1].result->outcome == Outcome::kSkip);
  CHECK(read.cases[1].result->reason == "needs the terminal role");
  CHECK(read.header.host == "host-1");
  // 1 run + (case_start + setup + 100 cycles + teardown + case_end) + case_start + case_end + run_end
  const std::string jsonl = slurp(dir / kRunRecordFile);
  CHECK(std::count(jsonl.begin(), jsonl.end(), '\n') == 1 + 104 + 2 + 1);

  // field_on took 1..100 ms, auth_ok 10 ms each, handover = auth_ok - field_on = 10 ms.
  const auto stats = phase_stats(read.cases[0]);
  REQUIRE(stats.size() == 4);
  CHECK(stats[0].phase == "field_on");
  CHECK(stats[0].p50 == 50ms);
  CHECK(stats[0].p99 == 99ms);
  CHECK(stats[0].max == 100ms);
  CHECK(stats[1].phase == "auth_ok");
  CHECK(stats[1].max == 10ms);
  CHECK(stats[2].phase == "handover");
  CHECK(stats[2].samples == 100);
  CHECK(stats[3].phase == "cycle");
  CHECK(stats[3].p90 == 100ms);

  const std::string summary = slurp(dir / "summary.txt");
  CHECK(summary.find("fake-handover: PASS (100/100 cycles passed)") != std::string::npos);
  CHECK(summary.find("provisioning: SKIP — needs the terminal role") != std::string::npos);
  CHECK(summary.find("field_on") != std::string::npos);

  // JUnit parses with a real XML parser and carries the counts CI shows.
  boost::property_tree::ptree xml;
  std::istringstream in(slurp(dir / "junit.xml"));
  boost::property_tree::read_xml(in, xml);
  CHECK(xml.get<int>("testsuites.<xmlattr>.tests") == 2);
  CHECK(xml.get<int>("testsuites.<xmlattr>.skipped") == 1);
  CHECK(xml.get<int>("testsuites.<xmlattr>.failures") == 0);
  int testcases = 0;
  for (const auto& [name, node] : xml.get_child("testsuites.testsuite")) {
    if (name != "testcase") continue;
    ++testcases;
    CHECK(node.get<std::string>("<xmlattr>.classname") == "tapbench.sim.t");
    if (node.get<std::string>("<xmlattr>.name") == "provisioning") {
      CHECK(node.get<std::string>("skipped.<xmlattr>.message") == "needs the terminal role");
    }
  }
  CHECK(testcases == 2);
}

TEST_CASE("a run folder that already holds a run is refused") {
  TempDir tmp;
  RunFixture f;
  f.run_into(tmp.path / "run");
  CHECK_THROWS_WITH_AS(prepare_run_folder(tmp.path / "run"), doctest::Contains("already holds a run"),
                       RunFolderError);
}

TEST_CASE("a rig that died mid-run: every recorded line survives, a torn last line is dropped") {
  TempDir tmp;
  const fs::path path = tmp.path / kRunRecordFile;
  {
    SecretRegistry secrets;
    RunRecordWriter writer(path, secrets, {});
    CycleRecord r;
    r.case_id = "tap-to-print";
    for (int i = 1; i <= 3; ++i) {
      r.cycle = i;
      writer.on_cycle(r, {});
    }
    // No case_end, no run_end: the process "dies" here, mid-way through writing a fourth line.
  }
  {
    std::ofstream torn(path, std::ios::app);
    torn << R"({"type":"cycle","case":"tap-to-pr)";
  }
  const RunData read = read_run_record(path);
  CHECK(read.torn_last_line);
  CHECK_FALSE(read.exit_code.has_value());
  REQUIRE(read.cases.size() == 1);
  CHECK(read.cases[0].cycles.size() == 3);
  CHECK_FALSE(read.cases[0].result.has_value());
  const std::string summary = render_summary_text(read);
  CHECK(summary.find("INCOMPLETE") != std::string::npos);
  CHECK(summary.find("torn") != std::string::npos);
  boost::property_tree::ptree xml;
  std::istringstream in(render_junit(read));
  boost::property_tree::read_xml(in, xml);
  CHECK(xml.get<int>("testsuites.<xmlattr>.errors") == 1);

  // Damage anywhere but the last line is not silently skipped.
  std::ofstream(path, std::ios::trunc) << "{\"type\":\"run\"}\nnot json\n{\"type\":\"run_end\"}\n";
  CHECK_THROWS_WITH(read_run_record(path), doctest::Contains("run.jsonl:2: not a JSON object"));
}

TEST_CASE("the redaction guard: no token in run.jsonl, junit.xml or the summaries") {
  TempDir tmp;
  RunFixture f;
  const std::string token = "SVT-9c2f4e1a7b3d5f60";
  const std::string pwt = "BCDFGHJK";
  f.suite.cases[0].cycles = 2;
  f.extra = [&](CycleContext& c) {
    c.secret(token);
    c.note("svt", pwt);                        // secret-looking key: value withheld
    c.note("url", "https://v/?svt=" + token);  // registered secret inside a value
    if (c.cycle() == 2) throw CaseFailure("svt-refused", "server refused " + token);
  };
  const fs::path dir = tmp.path / "run";
  f.run_into(dir);
  for (const char* file : {"run.jsonl", "junit.xml", "summary.txt", "summary.json"}) {
    const std::string text = slurp(dir / file);
    CHECK_MESSAGE(text.find(token) == std::string::npos, file);
    CHECK_MESSAGE(text.find(pwt) == std::string::npos, file);
  }
  const std::string jsonl = slurp(dir / kRunRecordFile);
  CHECK(jsonl.find("server refused [redacted]") != std::string::npos);
  CHECK(jsonl.find(R"("svt":"[redacted]")") != std::string::npos);

  // The writer's own guard catches a secret registered after the record was built (defence in depth).
  SecretRegistry secrets;
  RunRecordWriter writer(tmp.path / "guard.jsonl", secrets, {});
  secrets.add("late-secret-123");
  writer.write({{"type", "note"},
                {"text", "saw late-secret-123 here"},
                {"list", boost::json::array{"late-secret-123"}}});
  const std::string guarded = slurp(tmp.path / "guard.jsonl");
  CHECK(guarded.find("late-secret-123") == std::string::npos);
  CHECK(guarded.find("saw [redacted] here") != std::string::npos);
  CHECK_THROWS_AS(secrets.add("abc"), std::invalid_argument);
}

TEST_CASE("secret-looking keys") {
  CHECK(SecretRegistry::is_secret_key("pwt"));
  CHECK(SecretRegistry::is_secret_key("SVT"));
  CHECK(SecretRegistry::is_secret_key("router-passphrase"));
  CHECK(SecretRegistry::is_secret_key("cwt_value"));
  CHECK(SecretRegistry::is_secret_key("api.key"));
  CHECK_FALSE(SecretRegistry::is_secret_key("firmware"));
  CHECK_FALSE(SecretRegistry::is_secret_key("pages_left"));
  CHECK_FALSE(SecretRegistry::is_secret_key("stage"));  // contains "st" but is not the word
}

TEST_CASE("XML escaping keeps JUnit well formed whatever a reason says") {
  CHECK(xml_escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  CHECK(xml_escape(std::string("x\x01y\x1bz")) == "xyz");
}
