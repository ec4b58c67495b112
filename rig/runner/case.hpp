// How a case is written (docs/BENCH.md, "Writing a case"):
//
//   class TapToPrintCase final : public Case {
//    public:
//     static CaseInfo info() { return {"tap-to-print", "Tap to print over WFD with the PWT", "S120-S125, Fig
//     8",
//                                      {"field_on", "target_found", "ndef_read", "carrier_up", "auth_ok",
//                                       "job_accepted", "job_done"}, {Role::kPhoneReader, …}}; }
//     explicit TapToPrintCase(const CaseEnvironment& env);
//     void setup(StepContext& step) override;         // bring the bench into state (printer provisioned …)
//     void run_cycle(CycleContext& cycle) override {  // one timed cycle
//       reader.field_on();           cycle.mark(0);   // field_on
//       auto tag = reader.select(cycle.deadline());  cycle.mark(1);   // target_found
//       …
//       if (pages_after != pages_before - 1) throw CaseFailure("quota-not-decremented", "…");
//     }
//     void teardown(StepContext& step) override;      // always runs, bounded by its own timeout
//   };
//   registry.add(TapToPrintCase::info(), [](const CaseEnvironment& env) {
//     return std::make_unique<TapToPrintCase>(env); });
//
// Returning normally from run_cycle is PASS. Throw CaseFailure for a wrong answer of the system under test
// (FAIL), BenchError for a rig or bench problem (ERROR, retried), CaseSkip from setup when the case cannot
// run here. Any other exception is an ERROR with class "exception".
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/clock/clock.hpp"
#include "rig/bench/bench.hpp"
#include "rig/runner/cycle_context.hpp"
#include "rig/suite/suite.hpp"

namespace tapbench::rig {

struct CaseInfo {
  std::string id;                   // stable, kebab-case: what suites and `--case` name
  std::string title;                // one line for `tapbench list` and reports
  std::string patent;               // the steps / figures it covers ("S11-S115, Figs 4-6")
  std::vector<std::string> phases;  // the edges it marks, in order
  std::vector<Role> needs;          // bench roles it cannot run without (SKIP when unbound)
};

// What a case is built with.
struct CaseEnvironment {
  const Clock& clock;
  const Bench& bench;
  const SuiteCase& suite_case;
  const Lifetimes& lifetimes;
  const LoadShape* load;          // the suite's load shape, null when none
  std::filesystem::path run_dir;  // the run folder (logs of the case's processes go under it)
};

class Case {
 public:
  virtual ~Case() = default;
  // Once per case, before the first cycle; bounded by the suite's setup timeout.
  virtual void setup(StepContext& /*step*/) {}
  // One timed cycle.
  virtual void run_cycle(CycleContext& cycle) = 0;
  // Before re-running a cycle that ended in ERROR: bring the bench back to the state a cycle starts from.
  // Bounded by the setup timeout.
  virtual void recover(StepContext& /*step*/) {}
  // Once, after the last cycle — also when setup failed or a cycle threw. Bounded by the teardown timeout.
  virtual void teardown(StepContext& /*step*/) {}
};

using CaseFactory = std::function<std::unique_ptr<Case>(const CaseEnvironment&)>;

}  // namespace tapbench::rig
