#include "rig/runner/progress.hpp"

#include <unistd.h>

#include <cstdlib>

#include "rig/bench/yaml_check.hpp"

namespace tapbench::rig {
namespace {

std::string seconds(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", std::chrono::duration<double>(d).count());
  return buf;
}

}  // namespace

bool is_terminal(int fd) {
  return ::isatty(fd) == 1;
}

bool color_allowed(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return is_terminal(fd);
}

ProgressPrinter::ProgressPrinter(std::ostream& out, const Clock& clock, bool live, bool color)
    : out_(out), clock_(clock), live_(live), color_(color) {}

std::string ProgressPrinter::paint(Outcome outcome) const {
  const std::string word(to_string(outcome));
  if (!color_) return word;
  const char* code = outcome == Outcome::kPass    ? "32"
                     : outcome == Outcome::kFail  ? "31"
                     : outcome == Outcome::kError ? "35"
                                                  : "33";
  return std::string("\033[") + code + "m" + word + "\033[0m";
}

std::string ProgressPrinter::cycle_total() const {
  if (suite_case_ && suite_case_->cycles) return "/" + std::to_string(*suite_case_->cycles);
  if (suite_case_ && suite_case_->duration) return " (for " + format_duration(*suite_case_->duration) + ")";
  return "";
}

void ProgressPrinter::clear_status() {
  if (live_ && status_shown_) {
    out_ << "\r\033[K";
    status_shown_ = false;
  }
}

void ProgressPrinter::status_line(bool force) {
  if (!live_) return;
  const MonotonicTime now = clock_.monotonic_now();
  if (!force && status_shown_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  out_ << "\r\033[K[" << case_index_ << "/" << case_count_ << " " << case_id_ << "] cycle " << cycle_
       << cycle_total() << "  pass " << counts_.passed << "  fail " << counts_.failed << "  error "
       << counts_.errored;
  if (!phase_.empty()) out_ << "  · " << phase_;
  out_ << std::flush;
  status_shown_ = true;
}

void ProgressPrinter::on_run_start(const Bench& bench, const Suite& suite) {
  case_count_ = suite.cases.size();
  out_ << "tapbench: suite '" << suite.name << "' on bench '" << bench.name << "': " << case_count_ << " case"
       << (case_count_ == 1 ? "" : "s") << "\n"
       << std::flush;
}

void ProgressPrinter::on_case_start(const CaseInfo& info, const SuiteCase& suite_case) {
  case_id_ = info.id;
  suite_case_ = &suite_case;
  counts_ = {};
  cycle_ = 0;
  phase_.clear();
  case_started_ = last_plain_ = clock_.monotonic_now();
  last_plain_decile_ = 0;
  ++case_index_;
  if (!live_)
    out_ << "[" << case_index_ << "/" << case_count_ << "] " << info.id << ": starting\n" << std::flush;
  status_line(true);
}

void ProgressPrinter::on_phase(std::string_view /*case_id*/, int cycle, std::string_view phase) {
  cycle_ = cycle;
  phase_ = phase;
  status_line(false);
}

void ProgressPrinter::on_step(const std::string& case_id, const StepRecord& step) {
  if (step.outcome == Outcome::kPass) return;
  clear_status();
  out_ << "  " << case_id << " " << step.step << ": " << paint(step.outcome) << " — " << step.reason << "\n";
  status_line(true);
}

void ProgressPrinter::on_cycle(const CycleRecord& record, const CaseCounts& so_far) {
  counts_ = so_far;
  cycle_ = record.cycle;
  phase_.clear();
  if (record.outcome != Outcome::kPass) {
    clear_status();
    out_ << "  " << record.case_id << " cycle " << record.cycle << cycle_total();
    if (record.attempt > 1) out_ << " attempt " << record.attempt;
    out_ << ": " << paint(record.outcome) << " [" << record.failure_class << "]";
    if (!record.phase.empty()) out_ << " in " << record.phase;
    out_ << " — " << record.reason << (record.retried ? " (retrying)" : "") << "\n";
  } else if (!live_) {
    // Plain output: a progress line every 10% (count-bound) or every 30 s (duration-bound).
    const MonotonicTime now = clock_.monotonic_now();
    bool print = false;
    if (suite_case_ && suite_case_->cycles) {
      const int decile = record.cycle * 10 / *suite_case_->cycles;
      if (decile > last_plain_decile_) {
        last_plain_decile_ = decile;
        print = *suite_case_->cycles >= 10 || record.cycle == *suite_case_->cycles;
      }
    } else if (now - last_plain_ >= std::chrono::seconds(30)) {
      print = true;
    }
    if (print) {
      last_plain_ = now;
      out_ << "  " << record.case_id << " cycle " << record.cycle << cycle_total() << ": pass "
           << so_far.passed << " fail " << so_far.failed << " error " << so_far.errored << "\n";
    }
  }
  // A PASS only updates the counters: redraws stay rate-limited however fast cycles go.
  status_line(record.outcome != Outcome::kPass);
}

void ProgressPrinter::on_case_end(const CaseResult& result) {
  clear_status();
  ++cases_ended_;
  out_ << (live_ ? "" : "  ") << "[" << cases_ended_ << "/" << case_count_ << "] " << result.case_id << ": "
       << paint(result.outcome);
  if (result.counts.cycles > 0) {
    out_ << " (" << result.counts.passed << "/" << result.counts.cycles << " cycles passed";
    if (result.counts.passed_on_retry > 0) out_ << ", " << result.counts.passed_on_retry << " on retry";
    out_ << ", " << seconds(result.duration) << ")";
  }
  if (!result.reason.empty() && result.outcome != Outcome::kPass) out_ << " — " << result.reason;
  out_ << "\n" << std::flush;
}

void ProgressPrinter::on_run_end(const RunResult& result, int exit_code) {
  clear_status();
  int pass = 0, fail = 0, error = 0, skip = 0;
  for (const auto& c : result.cases) {
    pass += c.outcome == Outcome::kPass;
    fail += c.outcome == Outcome::kFail;
    error += c.outcome == Outcome::kError;
    skip += c.outcome == Outcome::kSkip;
  }
  out_ << "tapbench: " << pass << " passed, " << fail << " failed, " << error << " errored, " << skip
       << " skipped in " << seconds(result.duration) << " (exit " << exit_code << ")\n";
  if (result.interrupted) out_ << "tapbench: the run was interrupted\n";
  if (!result.aborted_reason.empty()) out_ << "tapbench: stopped early: " << result.aborted_reason << "\n";
  if (pass + fail + error == 0)
    out_ << "tapbench: nothing ran: every case was skipped (see the reasons above)\n";
  out_ << std::flush;
}

}  // namespace tapbench::rig
