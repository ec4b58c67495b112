// Progress of a run for the person watching it. On a terminal: one live status line (case n/N, cycle n/N,
// pass/fail/error so far, the phase in progress), redrawn at most 10 times a second, with a line kept for
// every non-PASS cycle and every finished case. Otherwise (CI logs): plain lines only — every non-PASS cycle,
// every finished case, and a progress line every 10% of a case's cycles (or every 30 s of a duration-bound
// case). Colour only on a terminal and never when NO_COLOR is set.
#pragma once

#include <ostream>
#include <string>

#include "protocol/clock/clock.hpp"
#include "rig/runner/runner.hpp"

namespace tapbench::rig {

class ProgressPrinter final : public RunObserver {
 public:
  ProgressPrinter(std::ostream& out, const Clock& clock, bool live, bool color);

  void on_run_start(const Bench& bench, const Suite& suite) override;
  void on_case_start(const CaseInfo& info, const SuiteCase& suite_case) override;
  void on_phase(std::string_view case_id, int cycle, std::string_view phase) override;
  void on_step(const std::string& case_id, const StepRecord& step) override;
  void on_cycle(const CycleRecord& record, const CaseCounts& so_far) override;
  void on_case_end(const CaseResult& result) override;
  void on_run_end(const RunResult& result, int exit_code) override;

 private:
  void status_line(bool force);
  void clear_status();
  std::string paint(Outcome outcome) const;
  std::string cycle_total() const;

  std::ostream& out_;
  const Clock& clock_;
  bool live_;
  bool color_;
  std::size_t case_count_ = 0;
  std::size_t case_index_ = 0;   // cases started
  std::size_t cases_ended_ = 0;  // cases finished, started or not
  std::string case_id_;
  const SuiteCase* suite_case_ = nullptr;
  CaseCounts counts_;
  int cycle_ = 0;
  std::string phase_;
  MonotonicTime last_draw_{};
  MonotonicTime case_started_{};
  MonotonicTime last_plain_{};
  int last_plain_decile_ = 0;
  bool status_shown_ = false;
};

// True when `fd` is a terminal; colour is off when NO_COLOR is set to anything (https://no-color.org).
bool is_terminal(int fd);
bool color_allowed(int fd);

}  // namespace tapbench::rig
