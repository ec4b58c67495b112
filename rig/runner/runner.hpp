// The timed-cycle engine: runs each case of a suite as setup → N cycles → teardown on a bench, with per-phase
// timeouts, ERROR-only retries with a cap, a bench health check before the suite and after every ERROR, and
// teardown that always runs under its own timeout. It reports everything to a RunObserver (run record,
// progress, metrics) and never writes files itself.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/clock/clock.hpp"
#include "rig/bench/bench.hpp"
#include "rig/runner/case_registry.hpp"
#include "rig/runner/records.hpp"
#include "rig/suite/suite.hpp"

namespace tapbench::rig {

class RunObserver : public PhaseListener {
 public:
  virtual void on_run_start(const Bench& /*bench*/, const Suite& /*suite*/) {}
  virtual void on_case_start(const CaseInfo& /*info*/, const SuiteCase& /*suite_case*/) {}
  void on_phase(std::string_view /*case_id*/, int /*cycle*/, std::string_view /*phase*/) override {}
  virtual void on_step(const std::string& /*case_id*/, const StepRecord& /*step*/) {}
  virtual void on_cycle(const CycleRecord& /*record*/, const CaseCounts& /*so_far*/) {}
  virtual void on_case_end(const CaseResult& /*result*/) {}
  virtual void on_run_end(const RunResult& /*result*/, int /*exit_code*/) {}
  // The bench's health as the runner last judged it: after each health check (before the suite, after an
  // ERROR; healthy when no check is configured) and when it marks the bench bad. `reason` says why not.
  virtual void on_bench_health(const std::string& /*bench*/, bool /*healthy*/,
                               const std::string& /*reason*/) {}
};

// Fans events out to several observers, in order.
class ObserverList final : public RunObserver {
 public:
  void add(RunObserver& o) { observers_.push_back(&o); }
  void on_run_start(const Bench& b, const Suite& s) override;
  void on_case_start(const CaseInfo& i, const SuiteCase& c) override;
  void on_phase(std::string_view id, int cycle, std::string_view phase) override;
  void on_step(const std::string& id, const StepRecord& step) override;
  void on_cycle(const CycleRecord& r, const CaseCounts& c) override;
  void on_case_end(const CaseResult& r) override;
  void on_run_end(const RunResult& r, int code) override;
  void on_bench_health(const std::string& bench, bool healthy, const std::string& reason) override;
  void on_token_violation(std::string_view id, int cycle, std::string_view token, std::string_view violation,
                          std::uint64_t count) override;

 private:
  std::vector<RunObserver*> observers_;
};

// Returns why the bench is unhealthy, or nullopt when it is fine.
using HealthCheck = std::function<std::optional<std::string>()>;

struct RunOptions {
  std::filesystem::path run_dir;
  HealthCheck health_check;  // none: the bench is assumed healthy
  // A bench that keeps erroring is marked bad (DESIGN §7): after this many cycles in a row end in ERROR
  // (retries exhausted), across cases, the rest of the run is not started. 0: never.
  int max_consecutive_errors = 5;
};

class Runner {
 public:
  Runner(const Clock& clock, const CaseRegistry& registry, SecretRegistry& secrets, RunObserver& observer);

  // Runs every case of `suite` on `bench`. Never throws for what a case does.
  RunResult run(const Bench& bench, const Suite& suite, const RunOptions& options = {});
  // Asks the run to stop: the cycle in progress is interrupted at its next mark/check, teardown still runs,
  // the remaining cases are not started. Safe from a signal handler (one lock-free atomic store).
  void request_stop() { stop_.store(true, std::memory_order_relaxed); }

 private:
  CaseResult run_case(const Bench& bench, const Suite& suite, const SuiteCase& suite_case,
                      const RunOptions& options, bool& bench_bad, std::string& bench_bad_reason);
  StepRecord run_step(const std::string& case_id, const std::string& step, std::chrono::milliseconds limit,
                      const std::function<void(StepContext&)>& body);
  CycleRecord run_attempt(Case& the_case, const CaseInfo& info, const SuiteCase& suite_case, int cycle,
                          int attempt);

  const Clock& clock_;
  const CaseRegistry& registry_;
  SecretRegistry& secrets_;
  RunObserver& observer_;
  std::atomic<bool> stop_{false};
  int consecutive_errors_ = 0;
};

}  // namespace tapbench::rig
