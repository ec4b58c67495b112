// The runner with in-process fake cases (Fake…) on a ManualClock: no sleeps, exact timestamps.
#include <doctest/doctest.h>

#include <functional>
#include <sstream>

#include "rig/bench/bench_loader.hpp"
#include "rig/runner/progress.hpp"
#include "rig/runner/runner.hpp"

using namespace tapbench;
using namespace tapbench::rig;
using namespace std::chrono_literals;

namespace {

// What a fake case does, step by step. `attempt_no` counts run_cycle calls across the case.
struct FakeScript {
  std::function<void(StepContext&)> setup = [](StepContext&) {};
  std::function<void(CycleContext&, int attempt_no)> cycle = [](CycleContext&, int) {};
  std::function<void(StepContext&)> teardown = [](StepContext&) {};
  int setups = 0, cycles = 0, recovers = 0, teardowns = 0;
};

class FakeScriptedCase final : public Case {
 public:
  explicit FakeScriptedCase(FakeScript& script) : s_(script) {}
  void setup(StepContext& step) override {
    ++s_.setups;
    s_.setup(step);
  }
  void run_cycle(CycleContext& cycle) override { s_.cycle(cycle, ++s_.cycles); }
  void recover(StepContext&) override { ++s_.recovers; }
  void teardown(StepContext& step) override {
    ++s_.teardowns;
    s_.teardown(step);
  }

 private:
  FakeScript& s_;
};

class FakeRecorder final : public RunObserver {
 public:
  std::vector<CycleRecord> cycles;
  std::vector<CaseResult> cases;
  std::vector<std::string> phases_seen;
  int exit_code = -1;
  void on_phase(std::string_view, int, std::string_view phase) override { phases_seen.emplace_back(phase); }
  void on_cycle(const CycleRecord& r, const CaseCounts&) override { cycles.push_back(r); }
  void on_case_end(const CaseResult& r) override { cases.push_back(r); }
  void on_run_end(const RunResult&, int code) override { exit_code = code; }
};

const std::vector<std::string> kTapPhases = {"field_on", "target_found", "ndef_read"};

struct Fixture {
  ManualClock clock;
  CaseRegistry registry;
  SecretRegistry secrets;
  FakeRecorder recorder;
  Bench bench = load_bench("sim");
  Suite suite;
  FakeScript script;

  Fixture() {
    registry.add({"fake-tap", "a fake tap", "", kTapPhases, {Role::kPhoneReader}},
                 [this](const CaseEnvironment&) { return std::make_unique<FakeScriptedCase>(script); });
    suite.name = "t";
  }
  SuiteCase& add_case(std::string id, int cycles, int retries = 1) {
    SuiteCase c;
    c.id = std::move(id);
    c.cycles = cycles;
    c.retries = retries;
    c.timeouts.phase = 1s;
    c.timeouts.setup = 10s;
    c.timeouts.teardown = 5s;
    suite.cases.push_back(c);
    return suite.cases.back();
  }
  RunResult run(RunOptions options = {}) {
    Runner runner(clock, registry, secrets, recorder);
    return runner.run(bench, suite, options);
  }
};

}  // namespace

TEST_CASE("a passing cycle records its phase edges as offsets from the cycle's start") {
  Fixture f;
  f.add_case("fake-tap", 2);
  f.script.cycle = [&](CycleContext& c, int) {
    f.clock.advance(5ms);
    c.mark("field_on");
    f.clock.advance(20ms);
    c.mark(1);
    f.clock.advance(7ms);
    c.mark("ndef_read");
    c.note("firmware", "1.2.0");
  };
  const RunResult result = f.run();
  CHECK(run_exit_code(result) == 0);
  CHECK(f.recorder.exit_code == 0);
  REQUIRE(f.recorder.cycles.size() == 2);
  const CycleRecord& r = f.recorder.cycles[1];
  CHECK(r.cycle == 2);
  CHECK(r.attempt == 1);
  CHECK(r.outcome == Outcome::kPass);
  CHECK(r.duration == 32ms);
  REQUIRE(r.phases.size() == 3);
  CHECK(r.phases[0].at == 5ms);
  CHECK(r.phases[1].at == 25ms);
  CHECK(r.phases[2].at == 32ms);
  CHECK(r.notes == std::vector<std::pair<std::string, std::string>>{{"firmware", "1.2.0"}});
  CHECK(f.script.setups == 1);
  CHECK(f.script.teardowns == 1);
  REQUIRE(result.cases.size() == 1);
  CHECK(result.cases[0].counts.passed == 2);
  // The progress listener hears the phase in progress: the first at the cycle's start, then each next one.
  CHECK(f.recorder.phases_seen[0] == "field_on");
  CHECK(f.recorder.phases_seen[1] == "target_found");
}

TEST_CASE("a phase over its timeout is an ERROR naming the phase; a retry that passes exits 1") {
  Fixture f;
  f.add_case("fake-tap", 1, 2).timeouts.phases["target_found"] = 300ms;
  f.script.cycle = [&](CycleContext& c, int attempt) {
    c.mark("field_on");
    f.clock.advance(attempt == 1 ? 301ms : 300ms);  // exactly the limit is still in time
    c.mark("target_found");
    c.mark("ndef_read");
  };
  const RunResult result = f.run();
  REQUIRE(f.recorder.cycles.size() == 2);
  const CycleRecord& first = f.recorder.cycles[0];
  CHECK(first.outcome == Outcome::kError);
  CHECK(first.failure_class == "phase-timeout");
  CHECK(first.reason == "phase 'target_found' took 301ms, its timeout is 300ms");
  CHECK(first.retried);
  CHECK(first.phases[1].at == 301ms);  // the late edge is still recorded
  CHECK_FALSE(first.phases[2].at.has_value());
  CHECK(first.phase == "ndef_read");
  CHECK(f.recorder.cycles[1].outcome == Outcome::kPass);
  CHECK(f.recorder.cycles[1].attempt == 2);
  CHECK(f.script.recovers == 1);
  CHECK(result.cases[0].counts.passed_on_retry == 1);
  CHECK(run_exit_code(result) == 1);
}

TEST_CASE("a FAIL is never retried and exits 2") {
  Fixture f;
  f.add_case("fake-tap", 3, 5);
  f.script.cycle = [&](CycleContext& c, int n) {
    c.mark("field_on");
    if (n == 2) throw CaseFailure("quota-not-decremented", "pages stayed at 10 after a print");
  };
  const RunResult result = f.run();
  CHECK(f.recorder.cycles.size() == 3);
  CHECK(f.recorder.cycles[1].outcome == Outcome::kFail);
  CHECK(f.recorder.cycles[1].failure_class == "quota-not-decremented");
  CHECK(f.recorder.cycles[1].phase == "target_found");
  CHECK(f.script.recovers == 0);
  CHECK(result.cases[0].outcome == Outcome::kFail);
  CHECK(result.cases[0].reason == "1 of 3 cycles failed; first: cycle 2: pages stayed at 10 after a print");
  CHECK(run_exit_code(result) == 2);
}

TEST_CASE("ERROR retries are capped; an ERROR that persists exits 3") {
  Fixture f;
  f.add_case("fake-tap", 1, 2);
  f.script.cycle = [&](CycleContext&, int) {
    throw BenchError("reader-missing", "phone-nfc did not answer");
  };
  const RunResult result = f.run();
  CHECK(f.recorder.cycles.size() == 3);  // 1 + 2 retries
  CHECK(f.recorder.cycles[2].attempt == 3);
  CHECK_FALSE(f.recorder.cycles[2].retried);
  CHECK(result.cases[0].outcome == Outcome::kError);
  CHECK(result.cases[0].counts.attempts == 3);
  CHECK(run_exit_code(result) == 3);
}

TEST_CASE("FAIL outranks ERROR in the exit code") {
  Fixture f;
  f.registry.add({"fake-flaky", "", "", {}, {}}, [](const CaseEnvironment&) -> std::unique_ptr<Case> {
    throw std::runtime_error("no device");
  });
  f.add_case("fake-flaky", 1, 0);
  f.add_case("fake-tap", 1);
  f.script.cycle = [](CycleContext&, int) { throw CaseFailure("wrong", "wrong answer"); };
  const RunResult result = f.run();
  CHECK(result.cases[0].outcome == Outcome::kError);
  CHECK(result.cases[0].reason == "setup: no device");
  CHECK(result.cases[1].outcome == Outcome::kFail);
  CHECK(run_exit_code(result) == 2);
}

TEST_CASE("teardown always runs: after a setup error and after a cycle threw") {
  Fixture f;
  f.add_case("fake-tap", 2);
  f.script.setup = [](StepContext&) { throw BenchError("printerd-not-ready", "printerd did not come up"); };
  RunResult result = f.run();
  CHECK(f.script.teardowns == 1);
  CHECK(f.script.cycles == 0);
  CHECK(result.cases[0].outcome == Outcome::kError);
  CHECK(result.cases[0].reason == "setup: printerd did not come up");

  Fixture g;
  g.add_case("fake-tap", 1, 0);
  g.script.cycle = [](CycleContext&, int) { throw std::runtime_error("boom"); };
  result = g.run();
  CHECK(g.script.teardowns == 1);
  CHECK(g.recorder.cycles[0].failure_class == "exception");
}

TEST_CASE("teardown has its own timeout") {
  Fixture f;
  f.add_case("fake-tap", 1);
  f.script.teardown = [&](StepContext& step) {
    f.clock.advance(6s);
    step.check_deadline();
  };
  const RunResult result = f.run();
  CHECK(result.cases[0].outcome == Outcome::kError);
  CHECK(result.cases[0].reason == "teardown: teardown ran past its timeout of 5s (6s so far)");
  CHECK(run_exit_code(result) == 3);
}

TEST_CASE("the cycle's own timeout bounds all phases together") {
  Fixture f;
  f.add_case("fake-tap", 1, 0).timeouts.cycle = 1500ms;
  f.script.cycle = [&](CycleContext& c, int) {
    f.clock.advance(900ms);
    c.mark("field_on");
    CHECK(c.deadline() == c.started() + 1500ms);  // the phase would allow 1.9 s, the cycle only 1.5 s
    f.clock.advance(900ms);
    c.mark("target_found");
  };
  f.run();
  CHECK(f.recorder.cycles[0].failure_class == "cycle-timeout");
}

TEST_CASE("a case that returns without marking in time is not a PASS") {
  Fixture f;
  f.add_case("fake-tap", 1, 0);
  f.script.cycle = [&](CycleContext& c, int) {
    c.mark("field_on");
    f.clock.advance(2s);  // then returns without target_found: its wait must have timed out
  };
  f.run();
  CHECK(f.recorder.cycles[0].outcome == Outcome::kError);
  CHECK(f.recorder.cycles[0].reason == "phase 'target_found' ran past its timeout of 1s");
}

TEST_CASE("marking out of order is a bug of the case (ERROR case-bug)") {
  Fixture f;
  f.add_case("fake-tap", 1, 0);
  f.script.cycle = [](CycleContext& c, int) {
    c.mark("target_found");
    c.mark("field_on");
  };
  f.run();
  CHECK(f.recorder.cycles[0].failure_class == "case-bug");
  CHECK(f.recorder.cycles[0].reason ==
        "case 'fake-tap' marked phase 'field_on' out of order (after 'target_found')");
}

TEST_CASE("mark_at takes an edge a driver already stamped on the same clock") {
  Fixture f;
  f.add_case("fake-tap", 1, 0);
  f.script.cycle = [&](CycleContext& c, int) {
    f.clock.advance(4ms);
    const MonotonicTime stamped = f.clock.monotonic_now();  // what NfcReader::timestamps() would hold
    f.clock.advance(3ms);
    c.mark_at("field_on", stamped);
    c.mark_at(1, f.clock.monotonic_now() + 1ms);  // in the future: a bug of the case
  };
  f.run();
  const CycleRecord& r = f.recorder.cycles[0];
  CHECK(r.phases[0].at == 4ms);
  CHECK(r.failure_class == "case-bug");
  CHECK(
      r.reason ==
      "case 'fake-tap' marked phase 'target_found' at an instant before the previous edge or in the future");
}

TEST_CASE("catalogued cases without an implementation are SKIPs with the reason; nothing ran exits 3") {
  Fixture f;
  f.registry.add_planned({"provisioning", "", "", {"field_on"}, {}}, "needs the terminal role");
  f.add_case("provisioning", 1);
  const RunResult result = f.run();
  CHECK(f.recorder.cycles.empty());
  CHECK(result.cases[0].outcome == Outcome::kSkip);
  CHECK(result.cases[0].reason == "needs the terminal role");
  CHECK(run_exit_code(result) == 3);
}

TEST_CASE("a case whose role the bench lacks is skipped; others still count") {
  Fixture f;
  f.registry.add({"fake-power", "", "", {}, {Role::kPrinterPower}},
                 [&](const CaseEnvironment&) { return std::make_unique<FakeScriptedCase>(f.script); });
  f.bench.roles.erase(Role::kPrinterPower);
  f.add_case("fake-power", 1);
  f.add_case("fake-tap", 1);
  const RunResult result = f.run();
  CHECK(result.cases[0].outcome == Outcome::kSkip);
  CHECK(result.cases[0].reason ==
        "bench 'sim' binds no device to role 'printer-power', which this case needs");
  CHECK(result.cases[1].outcome == Outcome::kPass);
  CHECK(run_exit_code(result) == 0);
}

TEST_CASE("a duration-bound case runs cycles until its time is up") {
  Fixture f;
  SuiteCase& c = f.add_case("fake-tap", 1);
  c.cycles.reset();
  c.duration = 1s;
  f.script.cycle = [&](CycleContext&, int) { f.clock.advance(300ms); };
  f.run();
  CHECK(f.recorder.cycles.size() == 4);  // starts at 0, 300, 600, 900 ms
}

TEST_CASE("the health check runs before the suite and after an ERROR; a bad bench stops the run") {
  Fixture f;
  f.add_case("fake-tap", 5, 3);
  f.add_case("fake-tap", 1);
  int checks = 0;
  RunOptions options;
  options.health_check = [&]() -> std::optional<std::string> {
    ++checks;
    if (checks >= 2) return "phone-nfc is gone";
    return std::nullopt;
  };
  f.script.cycle = [&](CycleContext&, int n) {
    if (n == 2) throw BenchError("reader-missing", "no reader");
  };
  const RunResult result = f.run(options);
  CHECK(checks == 2);
  CHECK(f.recorder.cycles.size() == 2);  // cycle 1 passed; cycle 2 errored, the bench went bad: no retry
  CHECK(result.cases[0].outcome == Outcome::kError);
  CHECK(result.cases[1].outcome == Outcome::kError);
  CHECK(result.cases[1].reason ==
        "not run: bench health check failed after an ERROR (details in the run summary)");
  CHECK(result.aborted_reason == "bench health check failed after an ERROR: phone-nfc is gone");
  CHECK(run_exit_code(result) == 3);
}

TEST_CASE("a bench that keeps erroring is marked bad: the rest of the run is not started") {
  Fixture f;
  f.add_case("fake-tap", 100, 1);
  f.add_case("fake-tap", 1);
  int n = 0;
  f.script.cycle = [&](CycleContext&, int) {
    if (++n == 3) throw CaseFailure("wrong", "a FAIL resets the count");
    throw BenchError("reader-missing", "phone-nfc did not answer");
  };
  RunOptions options;
  options.max_consecutive_errors = 3;
  const RunResult result = f.run(options);
  // cycle 1: ERROR, ERROR(retry) · cycle 2: FAIL (n=3) · cycles 3-5: ERROR each after a retry → bad after 5.
  CHECK(result.cases[0].counts.cycles == 5);
  CHECK(result.cases[0].counts.failed == 1);
  CHECK(result.cases[0].counts.errored == 4);
  CHECK(result.aborted_reason ==
        "bench marked bad: 3 cycles in a row ended in ERROR (last: phone-nfc did not answer)");
  CHECK(result.cases[1].outcome == Outcome::kError);
  CHECK(f.script.teardowns == 1);
  CHECK(run_exit_code(result) == 2);  // the FAIL still outranks
}

TEST_CASE("a stop request interrupts the cycle at its next mark; teardown still runs") {
  Fixture f;
  f.add_case("fake-tap", 10);
  f.add_case("fake-tap", 1);
  Runner* runner_ptr = nullptr;
  f.script.cycle = [&](CycleContext& c, int n) {
    c.mark("field_on");
    if (n == 3) runner_ptr->request_stop();
    c.mark("target_found");
  };
  Runner runner(f.clock, f.registry, f.secrets, f.recorder);
  runner_ptr = &runner;
  const RunResult result = runner.run(f.bench, f.suite);
  CHECK(f.recorder.cycles.size() == 3);
  CHECK(f.recorder.cycles[2].failure_class == "interrupted");
  CHECK(f.script.teardowns == 1);
  CHECK(result.interrupted);
  CHECK(result.cases[1].outcome == Outcome::kSkip);
  CHECK(run_exit_code(result) == 3);
}

TEST_CASE("registered secrets never reach a record") {
  Fixture f;
  f.add_case("fake-tap", 1, 0);
  f.script.cycle = [](CycleContext& c, int) {
    const std::string pt = "PT-3f9a8c1d2e7b";
    c.secret(pt);
    c.note("terminal", "holds " + pt);
    c.note("pwt", "BCDFGHJK");  // a secret-looking key: redacted though never registered
    throw CaseFailure("pt-refused", "printer refused " + pt);
  };
  f.run();
  const CycleRecord& r = f.recorder.cycles[0];
  CHECK(r.reason == "printer refused [redacted]");
  CHECK(r.notes[0].second == "holds [redacted]");
  CHECK(r.notes[1].second == "[redacted]");
}

TEST_CASE("progress on a pipe: plain lines, no escape codes") {
  Fixture f;
  f.add_case("fake-tap", 20);
  f.script.cycle = [&](CycleContext& c, int n) {
    c.mark("field_on");
    if (n == 7) throw CaseFailure("wrong", "wrong answer");
  };
  std::ostringstream out;
  ProgressPrinter progress(out, f.clock, /*live=*/false, /*color=*/false);
  Runner runner(f.clock, f.registry, f.secrets, progress);
  runner.run(f.bench, f.suite);
  const std::string text = out.str();
  CHECK(text.find('\033') == std::string::npos);
  CHECK(text.find("  fake-tap cycle 7/20: FAIL [wrong] in target_found — wrong answer\n") !=
        std::string::npos);
  CHECK(text.find("  fake-tap cycle 10/20: pass 9 fail 1 error 0\n") != std::string::npos);
  CHECK(text.find("[1/1] fake-tap: FAIL (19/20 cycles passed") != std::string::npos);
  CHECK(text.find("tapbench: 0 passed, 1 failed, 0 errored, 0 skipped") != std::string::npos);
}

TEST_CASE("a step given all the time there is never times out: its deadline saturates instead of wrapping") {
  ManualClock clock;
  clock.advance(10h);  // any uptime: now + the largest limit would overflow
  SecretRegistry secrets;
  // What a top-up after a cycle's last phase got when no cycle timeout bounded the cycle.
  const auto unbounded =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds::max());
  StepContext all_the_time(clock, "top-up", unbounded, secrets);
  CHECK(all_the_time.deadline() == MonotonicTime::max());
  CHECK(all_the_time.remaining() > 24h);
  CHECK_NOTHROW(all_the_time.check_deadline());

  StepContext bounded(clock, "top-up", 60s, secrets);
  clock.advance(60s);
  CHECK_NOTHROW(bounded.check_deadline());
  clock.advance(1ns);
  CHECK_THROWS_AS(bounded.check_deadline(), StepTimeout);
}
