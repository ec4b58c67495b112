// The token lifecycle cases (rig/cases/token_cases.cpp) run against real printerd (core) and vendord on a
// sim clock, through a test TokenBench over the test's own processes (the rig's sim bench strategy will
// provide the same interface). Each case PASSes when the lifetimes the suite states are the ones the
// daemons run with, and FAILs with the violation's class when a daemon keeps a token longer or shorter.
#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>

#include "rig/cases/token_cases.hpp"
#include "rig/terminal/ipp_client.hpp"
#include "rig/terminal/printer_api_client.hpp"
#include "rig/terminal/vendor_client.hpp"
#include "tests/integration/rig_terminal/sim_bench_fixture.hpp"

using namespace std::chrono_literals;
using namespace tapbench;
using namespace tapbench::rig;
using SimBench = rig_terminal_test::Bench;

namespace {

class TestTokenBench final : public TokenBench {
 public:
  explicit TestTokenBench(SimBench& b, std::function<bool()> revoke = {})
      : b_(b), revoke_(std::move(revoke)) {}
  bool revoke_printer_st(std::chrono::milliseconds) override { return revoke_ && revoke_(); }
  std::string printer_url() const override { return b_.printer_url(); }
  std::string printer_ipp_uri() const override { return b_.printerd->uri(); }
  std::string vendor_url() const override { return b_.vendor_url(); }
  std::filesystem::path sim_clock_file() const override { return b_.clock_file; }
  std::string tap(std::chrono::milliseconds) override {
    const auto view = b_.tap_view();
    if (!view.pwt) throw BenchError("tag-without-pwt", "the printer's tag carries no PWT");
    return *view.pwt;
  }
  std::optional<std::string> tap_svwt(std::chrono::milliseconds) override {
    const auto view = b_.tap_view();
    if (view.pwt) return std::nullopt;
    return view.svwt;
  }

 private:
  SimBench& b_;
  std::function<bool()> revoke_;
};

struct TokenCaseRun {
  std::string result = "PASS";  // PASS, FAIL, ERROR, SKIP
  std::string failure_class;
  std::string reason;
  std::vector<std::optional<std::chrono::nanoseconds>> edges;
  std::vector<TokenViolationCount> violations;
};

// One case, one cycle, as the runner drives it: setup, run_cycle, teardown.
TokenCaseRun run_case(SimBench& bench, const std::string& id, const Lifetimes& lifetimes,
                      std::function<bool()> revoke = {}) {
  CaseRegistry registry;
  register_token_cases(registry, [&bench, revoke](const CaseEnvironment&, StepContext&) {
    return std::make_unique<TestTokenBench>(bench, revoke);
  });
  const auto* entry = registry.find(id);
  REQUIRE(entry != nullptr);
  const RealClock& clock = RealClock::instance();
  rig::Bench rig_bench;
  SuiteCase suite_case;
  suite_case.id = id;
  CaseEnvironment env{clock, rig_bench, suite_case, lifetimes, nullptr, {}};
  SecretRegistry secrets;
  auto c = entry->factory(env);
  TokenCaseRun out;
  StepContext setup(clock, "setup", 30s, secrets);
  c->setup(setup);
  {
    CycleContext cycle(clock, id, entry->info.phases, suite_case.timeouts, 1, 1, secrets);
    try {
      c->run_cycle(cycle);
    } catch (const CaseOutcome& e) {
      out.result = std::string(to_string(e.outcome()));
      out.failure_class = e.failure_class();
      out.reason = e.what();
    }
    out.edges = cycle.edges();
    out.violations = cycle.token_violations();
  }
  StepContext teardown(clock, "teardown", 20s, secrets);
  c->teardown(teardown);
  return out;
}

// What the suite says (fixtures/suites/smoke.yaml's values), and what the daemons are started with.
Lifetimes smoke_lifetimes() {
  Lifetimes l;
  l.printer.pwt_period = 20s;
  l.printer.pt_idle = 30s;
  l.server.svwt_ttl = 10s;
  l.server.svt_idle = 30s;
  l.server.cwt_ttl = 10s;
  return l;
}
const std::vector<std::string> kPrinterdSmoke = {"--pwt-period", "20", "--pt-idle-timeout", "30"};
const std::vector<std::string> kVendordSmoke = {"--svwt-ttl", "10", "--svt-idle", "30", "--cwt-ttl", "10"};

bool all_edges(const TokenCaseRun& o) {
  for (const auto& e : o.edges) {
    if (!e) return false;
  }
  return !o.edges.empty();
}

}  // namespace

TEST_CASE("token cases PASS on daemons that keep the suite's lifetimes, every phase reached") {
  SimBench bench(kPrinterdSmoke, kVendordSmoke);
  for (const std::string id : {"token-pwt", "token-pt", "token-svwt", "token-svt", "token-cwt"}) {
    CAPTURE(id);
    const TokenCaseRun o = run_case(bench, id, smoke_lifetimes());
    CHECK_MESSAGE(o.result == "PASS", o.failure_class, ": ", o.reason);
    CHECK(all_edges(o));
    CHECK(o.violations.empty());
  }
}

TEST_CASE("token cases FAIL with the violation's class when a daemon's lifetime differs from the suite's") {
  // printerd rotates the PWT after 40 s and expires PTs after 60 s idle; vendord keeps CWTs 20 s and SVWTs 5
  // s.
  SimBench bench({"--pwt-period", "40", "--pt-idle-timeout", "60"},
                 {"--svwt-ttl", "5", "--svt-idle", "30", "--cwt-ttl", "20"});
  const Lifetimes suite = smoke_lifetimes();
  struct Expect {
    const char* id;
    const char* failure_class;
    const char* token;
    const char* violation;
  };
  for (const Expect& e :
       {Expect{"token-pwt", "pwt-accepted-after-expiry", "pwt", "accepted-after-expiry"},
        Expect{"token-pt", "pt-accepted-after-idle-expiry", "pt", "accepted-after-expiry"},
        Expect{"token-cwt", "cwt-accepted-after-expiry", "cwt", "accepted-after-expiry"},
        Expect{"token-svwt", "svwt-refused-before-expiry", "svwt", "refused-before-expiry"}}) {
    CAPTURE(e.id);
    const TokenCaseRun o = run_case(bench, e.id, suite);
    CHECK(o.result == "FAIL");
    CHECK(o.failure_class == e.failure_class);
    REQUIRE(o.violations.size() == 1);
    CHECK(o.violations[0].token == e.token);
    CHECK(o.violations[0].violation == e.violation);
    CHECK(o.reason.find("HTTP") != std::string::npos);  // says what the system answered
  }
}

TEST_CASE("token cases start from a printer left without pages: recharged through the tag's SVWT") {
  SimBench bench(kPrinterdSmoke, kVendordSmoke);
  namespace term = tapbench::rig::terminal;
  const term::PrinterApiClient printer(bench.printer_url());
  const term::VendorClient vendor(bench.vendor_url());
  // Provision (5 free pages), then print them all: the tag now asks for a charge and carries no PWT.
  const auto pt = printer.issue_pt(bench.tap_pwt(), "app:admin", 10s);
  REQUIRE(pt.ok());
  REQUIRE(printer.register_printer(pt.value->pt, "app:admin", 10s).ok());
  const auto svwt = printer.request_svwt(pt.value->pt, "app:admin", 10s);
  REQUIRE(svwt.ok());
  const auto svt = vendor.svt(*svwt.value, "phone-1", 10s);
  REQUIRE(svt.ok());
  const auto cwt = vendor.free_charge(svt.value->svt, 10s);
  REQUIRE(cwt.ok());
  REQUIRE(vendor.charge(cwt.value->cwt, 10s).ok());
  REQUIRE(printer.sync(pt.value->pt, "app:admin", 10s).value->printable_pages == 5);
  term::PrintRequest five;
  five.document = term::IppClient::pwg_raster_pages(5);
  const auto printed = term::IppClient(bench.printerd->uri()).print(pt.value->pt, five, 60s);
  REQUIRE(printed.ok());
  REQUIRE(printed.value->pages_remaining == 0);
  const auto empty = bench.tap_view();
  REQUIRE_FALSE(empty.pwt.has_value());
  REQUIRE(empty.svwt.has_value());

  for (const std::string id : {"token-pwt", "token-svt"}) {
    CAPTURE(id);
    const TokenCaseRun o = run_case(bench, id, smoke_lifetimes());
    CHECK_MESSAGE(o.result == "PASS", o.failure_class, ": ", o.reason);
    CHECK(all_edges(o));
  }
  CHECK(printer.status(10s).value->pages_remaining == 100);  // the paid recharge (free charge used up)
}

TEST_CASE("token cases SKIP without a sim bench, and a dead vendord is an ERROR, not a FAIL") {
  CaseRegistry registry;
  register_token_cases(registry, {});
  const RealClock& clock = RealClock::instance();
  rig::Bench rig_bench;
  SuiteCase suite_case;
  Lifetimes lifetimes;
  CaseEnvironment env{clock, rig_bench, suite_case, lifetimes, nullptr, {}};
  SecretRegistry secrets;
  StepContext step(clock, "setup", 5s, secrets);
  auto c = registry.find("token-svt")->factory(env);
  CHECK_THROWS_WITH_AS(c->setup(step), doctest::Contains("sim bench strategy"), CaseSkip);

  SimBench bench(kPrinterdSmoke, kVendordSmoke);
  bench.vendord.kill9();
  const TokenCaseRun o = run_case(bench, "token-cwt", smoke_lifetimes());
  CHECK(o.result == "ERROR");
  CHECK(o.failure_class == "server-unreachable");
}

// token-st: the printer's sync is accepted, `vendord revoke-st` revokes its ST on the running vendord's
// database, and the next sync is refused (printerd's 502 naming vendord's 401 token_unknown). A server that
// does not revoke is FAIL st-accepted-after-revoke; a bench that cannot revoke makes the case SKIP.
TEST_CASE("token-st PASSes when vendord refuses a revoked ST, FAILs when the revocation is not seen") {
  std::vector<std::string> printerd_args = kPrinterdSmoke;
  printerd_args.insert(printerd_args.end(), {"--device-id", "dv-st"});
  SimBench bench(printerd_args, kVendordSmoke);
  const auto db = bench.tmp.path() / "vendord.db";
  const TokenCaseRun skipped = run_case(bench, "token-st", smoke_lifetimes());
  CHECK(skipped.result == "SKIP");
  CHECK(skipped.reason.find("revoke") != std::string::npos);

  int revocations = 0;
  const TokenCaseRun ignored = run_case(bench, "token-st", smoke_lifetimes(), [&] {
    ++revocations;
    return true;  // says it revoked, but the server still holds the ST
  });
  CHECK(revocations == 1);
  CHECK(ignored.result == "FAIL");
  CHECK(ignored.failure_class == "st-accepted-after-revoke");
  REQUIRE(ignored.violations.size() == 1);
  CHECK(ignored.violations[0].token == "st");
  CHECK(ignored.violations[0].violation == "accepted-after-revoke");

  const TokenCaseRun o = run_case(bench, "token-st", smoke_lifetimes(), [&] {
    const std::string cmd = "timeout 20 " + std::string{VENDORD_PATH} + " revoke-st --db '" + db.string() +
                            "' --device dv-st >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  });
  CHECK_MESSAGE(o.result == "PASS", o.failure_class, ": ", o.reason);
  CHECK(all_edges(o));
  CHECK(o.violations.empty());
}
