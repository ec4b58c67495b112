#include "rig/runner/runner.hpp"

#include <algorithm>

#include "rig/bench/yaml_check.hpp"

namespace tapbench::rig {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "PASS";
    case Outcome::kFail:
      return "FAIL";
    case Outcome::kError:
      return "ERROR";
    case Outcome::kSkip:
      return "SKIP";
  }
  return "?";
}

std::optional<Outcome> outcome_from(std::string_view text) {
  for (Outcome o : {Outcome::kPass, Outcome::kFail, Outcome::kError, Outcome::kSkip}) {
    if (to_string(o) == text) return o;
  }
  return std::nullopt;
}

int run_exit_code(const RunResult& result) {
  bool any_fail = false, any_error = false, any_retry_pass = false, anything_ran = false;
  for (const auto& c : result.cases) {
    any_fail |= c.outcome == Outcome::kFail;
    any_error |= c.outcome == Outcome::kError;
    any_retry_pass |= c.counts.passed_on_retry > 0;
    anything_ran |= c.outcome != Outcome::kSkip;
  }
  if (any_fail) return 2;
  if (any_error || result.interrupted || !result.aborted_reason.empty() || !anything_ran) return 3;
  if (any_retry_pass) return 1;
  return 0;
}

void ObserverList::on_run_start(const Bench& b, const Suite& s) {
  for (auto* o : observers_)
    o->on_run_start(b, s);
}
void ObserverList::on_case_start(const CaseInfo& i, const SuiteCase& c) {
  for (auto* o : observers_)
    o->on_case_start(i, c);
}
void ObserverList::on_phase(std::string_view id, int cycle, std::string_view phase) {
  for (auto* o : observers_)
    o->on_phase(id, cycle, phase);
}
void ObserverList::on_step(const std::string& id, const StepRecord& step) {
  for (auto* o : observers_)
    o->on_step(id, step);
}
void ObserverList::on_cycle(const CycleRecord& r, const CaseCounts& c) {
  for (auto* o : observers_)
    o->on_cycle(r, c);
}
void ObserverList::on_case_end(const CaseResult& r) {
  for (auto* o : observers_)
    o->on_case_end(r);
}
void ObserverList::on_run_end(const RunResult& r, int code) {
  for (auto* o : observers_)
    o->on_run_end(r, code);
}
void ObserverList::on_bench_health(const std::string& bench, bool healthy, const std::string& reason) {
  for (auto* o : observers_)
    o->on_bench_health(bench, healthy, reason);
}
void ObserverList::on_token_violation(std::string_view id, int cycle, std::string_view token,
                                      std::string_view violation, std::uint64_t count) {
  for (auto* o : observers_)
    o->on_token_violation(id, cycle, token, violation, count);
}

Runner::Runner(const Clock& clock, const CaseRegistry& registry, SecretRegistry& secrets,
               RunObserver& observer)
    : clock_(clock), registry_(registry), secrets_(secrets), observer_(observer) {}

RunResult Runner::run(const Bench& bench, const Suite& suite, const RunOptions& options) {
  RunResult result;
  consecutive_errors_ = 0;
  result.bench = bench.name;
  result.suite = suite.name;
  const MonotonicTime started = clock_.monotonic_now();
  observer_.on_run_start(bench, suite);

  bool bench_bad = false;
  std::string bad_reason;
  if (options.health_check) {
    if (auto problem = options.health_check()) {
      bench_bad = true;
      bad_reason = "bench health check failed before the suite: " + secrets_.redact(*problem);
    }
  }
  observer_.on_bench_health(bench.name, !bench_bad, bad_reason);
  for (const auto& suite_case : suite.cases) {
    const CaseRegistry::Entry* entry = registry_.find(suite_case.id);
    CaseResult skipped;
    skipped.case_id = suite_case.id;
    skipped.title = entry ? entry->info.title : "";
    if (stop_.load(std::memory_order_relaxed)) {
      result.interrupted = true;
      skipped.outcome = Outcome::kSkip;
      skipped.reason = "not run: the run was interrupted";
    } else if (bench_bad) {
      skipped.outcome = Outcome::kError;
      // The details are in the run's aborted_reason, once; each case names only the cause.
      skipped.reason =
          "not run: " + bad_reason.substr(0, bad_reason.find(':')) + " (details in the run summary)";
    } else {
      result.cases.push_back(run_case(bench, suite, suite_case, options, bench_bad, bad_reason));
      continue;
    }
    observer_.on_case_end(skipped);
    result.cases.push_back(std::move(skipped));
  }
  if (bench_bad) result.aborted_reason = bad_reason;
  if (stop_.load(std::memory_order_relaxed)) result.interrupted = true;
  result.duration = clock_.monotonic_now() - started;
  observer_.on_run_end(result, run_exit_code(result));
  return result;
}

StepRecord Runner::run_step(const std::string& case_id, const std::string& step,
                            std::chrono::milliseconds limit, const std::function<void(StepContext&)>& body) {
  StepRecord record;
  record.step = step;
  StepContext ctx(clock_, step, limit, secrets_, &stop_);
  try {
    body(ctx);
  } catch (const CaseOutcome& e) {
    record.outcome = e.outcome();
    record.failure_class = e.failure_class();
    record.reason = e.what();
  } catch (const std::exception& e) {
    record.outcome = Outcome::kError;
    record.failure_class = "exception";
    record.reason = e.what();
  }
  record.duration = ctx.elapsed();
  if (record.outcome == Outcome::kPass && record.duration > limit) {
    record.outcome = Outcome::kError;
    record.failure_class = step + "-timeout";
    record.reason = step + " took " +
                    format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(record.duration)) +
                    ", its timeout is " + format_duration(limit);
  }
  record.reason = secrets_.redact(record.reason);
  observer_.on_step(case_id, record);
  return record;
}

CycleRecord Runner::run_attempt(Case& the_case, const CaseInfo& info, const SuiteCase& suite_case, int cycle,
                                int attempt) {
  CycleRecord record;
  record.case_id = info.id;
  record.cycle = cycle;
  record.attempt = attempt;
  record.started_wall = clock_.system_now();
  if (!info.phases.empty()) observer_.on_phase(info.id, cycle, info.phases.front());
  CycleContext ctx(clock_, info.id, info.phases, suite_case.timeouts, cycle, attempt, secrets_, &observer_,
                   &stop_);
  try {
    the_case.run_cycle(ctx);
    ctx.check_deadline();  // a cycle that returned late is not a PASS (phase left unmarked, or the cycle
                           // bound)
  } catch (const CaseOutcome& e) {
    record.outcome = e.outcome();
    record.failure_class = e.failure_class();
    record.reason = e.what();
  } catch (const std::logic_error& e) {
    record.outcome = Outcome::kError;
    record.failure_class = "case-bug";
    record.reason = e.what();
  } catch (const std::exception& e) {
    record.outcome = Outcome::kError;
    record.failure_class = "exception";
    record.reason = e.what();
  }
  // When every edge is marked check_deadline() has no phase left to bound: only the cycle bound applies.
  record.duration = clock_.monotonic_now() - ctx.started();
  if (record.outcome != Outcome::kPass) record.phase = std::string(ctx.current_phase());
  const auto edges = ctx.edges();
  record.phases.reserve(edges.size());
  for (std::size_t i = 0; i < edges.size(); ++i)
    record.phases.push_back({info.phases[i], edges[i]});
  record.notes = ctx.notes();
  record.token_violations = ctx.token_violations();
  record.reason = secrets_.redact(record.reason);
  record.failure_class = secrets_.redact(record.failure_class);
  return record;
}

CaseResult Runner::run_case(const Bench& bench, const Suite& suite, const SuiteCase& suite_case,
                            const RunOptions& options, bool& bench_bad, std::string& bad_reason) {
  CaseResult result;
  result.case_id = suite_case.id;
  const MonotonicTime started = clock_.monotonic_now();
  const CaseRegistry::Entry* entry = registry_.find(suite_case.id);
  auto finish = [&](Outcome outcome, std::string reason) {
    result.outcome = outcome;
    result.reason = secrets_.redact(reason);
    result.duration = clock_.monotonic_now() - started;
    observer_.on_case_end(result);
    return result;
  };
  if (!entry) return finish(Outcome::kError, "unknown case '" + suite_case.id + "'");
  result.title = entry->info.title;
  observer_.on_case_start(entry->info, suite_case);
  if (!entry->factory) return finish(Outcome::kSkip, entry->unavailable_reason);
  for (Role role : entry->info.needs) {
    if (!bench.device_for(role)) {
      return finish(Outcome::kSkip, "bench '" + bench.name + "' binds no device to role '" +
                                        std::string(to_string(role)) + "', which this case needs");
    }
  }

  const CaseEnvironment env{
      clock_, bench, suite_case, suite.lifetimes, suite.load ? &*suite.load : nullptr, options.run_dir};
  std::unique_ptr<Case> the_case;
  StepRecord setup = run_step(suite_case.id, "setup", suite_case.timeouts.setup, [&](StepContext& step) {
    the_case = entry->factory(env);
    if (!the_case) throw BenchError("case-bug", "the case factory returned nothing");
    the_case->setup(step);
  });
  result.steps.push_back(setup);

  auto health_ok = [&]() {
    if (!options.health_check) return true;
    if (auto problem = options.health_check()) {
      bench_bad = true;
      bad_reason = "bench health check failed after an ERROR: " + secrets_.redact(*problem);
      observer_.on_bench_health(bench.name, false, bad_reason);
      return false;
    }
    observer_.on_bench_health(bench.name, true, "");
    return true;
  };

  std::string first_problem;
  if (setup.outcome == Outcome::kPass) {
    const MonotonicTime cycles_started = clock_.monotonic_now();
    for (int cycle = 1;; ++cycle) {
      if (suite_case.cycles && cycle > *suite_case.cycles) break;
      if (suite_case.duration && clock_.monotonic_now() - cycles_started >= *suite_case.duration) break;
      if (stop_.load(std::memory_order_relaxed)) break;
      CycleRecord record;
      bool recovered_pass = false;
      for (int attempt = 1;; ++attempt) {
        record = run_attempt(*the_case, entry->info, suite_case, cycle, attempt);
        ++result.counts.attempts;
        const bool retry = record.outcome == Outcome::kError && attempt <= suite_case.retries &&
                           !stop_.load(std::memory_order_relaxed) && record.failure_class != "interrupted";
        if (!retry) break;
        if (!health_ok()) break;
        record.retried = true;
        observer_.on_cycle(record, result.counts);
        StepRecord recover = run_step(suite_case.id, "recover", suite_case.timeouts.setup,
                                      [&](StepContext& step) { the_case->recover(step); });
        if (recover.outcome != Outcome::kPass) {
          result.steps.push_back(recover);
          record.retried = false;
          record.reason += " (then recover failed: " + recover.reason + ")";
          break;
        }
        recovered_pass = true;
      }
      ++result.counts.cycles;
      switch (record.outcome) {
        case Outcome::kPass:
          ++result.counts.passed;
          if (recovered_pass) ++result.counts.passed_on_retry;
          break;
        case Outcome::kFail:
          ++result.counts.failed;
          break;
        case Outcome::kError:
          ++result.counts.errored;
          break;
        case Outcome::kSkip:
          ++result.counts.skipped;
          break;
      }
      if (record.outcome != Outcome::kPass && record.outcome != Outcome::kSkip && first_problem.empty()) {
        first_problem = "cycle " + std::to_string(cycle) + ": " + record.reason;
      }
      observer_.on_cycle(record, result.counts);
      if (record.outcome == Outcome::kError && !bench_bad && record.failure_class != "interrupted") {
        health_ok();
        ++consecutive_errors_;
        if (!bench_bad && options.max_consecutive_errors > 0 &&
            consecutive_errors_ >= options.max_consecutive_errors) {
          bench_bad = true;
          bad_reason = "bench marked bad: " + std::to_string(consecutive_errors_) +
                       " cycles in a row ended in ERROR (last: " + record.reason + ")";
          observer_.on_bench_health(bench.name, false, bad_reason);
        }
      } else if (record.outcome == Outcome::kPass || record.outcome == Outcome::kFail) {
        consecutive_errors_ = 0;
      }
      if (bench_bad) break;
    }
  }

  if (the_case) {
    StepRecord teardown = run_step(suite_case.id, "teardown", suite_case.timeouts.teardown,
                                   [&](StepContext& step) { the_case->teardown(step); });
    result.steps.push_back(teardown);
    the_case.reset();
  }

  // The case's outcome: SKIP from setup; FAIL if anything failed; ERROR if anything errored; else PASS.
  if (setup.outcome == Outcome::kSkip) return finish(Outcome::kSkip, setup.reason);
  const auto step_with = [&](Outcome o) {
    return std::find_if(result.steps.begin(), result.steps.end(),
                        [&](const StepRecord& s) { return s.outcome == o; });
  };
  const auto counts = result.counts;
  auto summary = [&](int n, const char* verb) {
    return std::to_string(n) + " of " + std::to_string(counts.cycles) + " cycles " + verb +
           "; first: " + first_problem;
  };
  if (auto s = step_with(Outcome::kFail); s != result.steps.end())
    return finish(Outcome::kFail, s->step + ": " + s->reason);
  if (counts.failed > 0) return finish(Outcome::kFail, summary(counts.failed, "failed"));
  if (auto s = step_with(Outcome::kError); s != result.steps.end()) {
    return finish(Outcome::kError, s->step + ": " + s->reason);
  }
  if (counts.errored > 0) return finish(Outcome::kError, summary(counts.errored, "errored"));
  if (counts.cycles == 0) {
    if (stop_.load(std::memory_order_relaxed))
      return finish(Outcome::kSkip, "not run: the run was interrupted");
    return finish(Outcome::kError, "no cycle ran");
  }
  if (counts.skipped == counts.cycles) return finish(Outcome::kSkip, "every cycle skipped");
  return finish(Outcome::kPass, counts.passed_on_retry > 0
                                    ? std::to_string(counts.passed_on_retry) + " cycles passed only on retry"
                                    : "");
}

}  // namespace tapbench::rig
