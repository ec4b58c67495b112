// What a run produces, cycle by cycle: the records the report writers persist and summarise.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/clock/clock.hpp"
#include "rig/runner/outcome.hpp"

namespace tapbench::rig {

struct PhaseEdge {
  std::string name;
  std::optional<std::chrono::nanoseconds> at;  // offset from the cycle's start; nullopt: not reached
};

// Token decisions of a cycle that broke a lifetime (CycleContext::token_violation), per token kind and class.
struct TokenViolationCount {
  std::string token;      // pwt, pt, st, svwt, svt, cwt
  std::string violation;  // "accepted-after-expiry", …
  std::uint64_t count = 0;
};

// One attempt of one cycle. A cycle that ended in ERROR and was retried has several records; only the last
// (retried == false) counts toward the result.
struct CycleRecord {
  std::string case_id;
  int cycle = 0;    // 1-based
  int attempt = 1;  // 1-based
  Outcome outcome = Outcome::kPass;
  std::string failure_class;  // empty on PASS
  std::string reason;         // empty on PASS
  std::string phase;          // the phase in progress when it ended (not PASS), "" otherwise
  SystemTime started_wall{};
  std::chrono::nanoseconds duration{0};
  std::vector<PhaseEdge> phases;
  std::vector<std::pair<std::string, std::string>> notes;
  std::vector<TokenViolationCount> token_violations;
  bool retried = false;  // another attempt of this cycle follows
};

// Setup, recover or teardown of a case.
struct StepRecord {
  std::string step;  // "setup", "recover", "teardown"
  Outcome outcome = Outcome::kPass;
  std::string failure_class;
  std::string reason;
  std::chrono::nanoseconds duration{0};
};

struct CaseCounts {
  int cycles = 0;  // final attempts
  int passed = 0;
  int failed = 0;
  int errored = 0;
  int skipped = 0;
  int passed_on_retry = 0;  // included in passed
  int attempts = 0;         // all attempts, retries included
};

struct CaseResult {
  std::string case_id;
  std::string title;
  Outcome outcome = Outcome::kPass;  // FAIL if any cycle failed, else ERROR if any errored or a step did, …
  std::string reason;                // for SKIP and ERROR of setup/teardown: why
  CaseCounts counts;
  std::vector<StepRecord> steps;
  std::chrono::nanoseconds duration{0};
};

struct RunResult {
  std::string bench;
  std::string suite;
  std::vector<CaseResult> cases;
  bool interrupted = false;
  std::string aborted_reason;  // the bench went bad: the rest was not run
  std::chrono::nanoseconds duration{0};
};

// DESIGN §7: 0 all passed; 1 passed only on retry; 2 failures; 3 bench/infrastructure error. A FAIL outranks
// an ERROR (a product bug must not hide behind a flaky bench). A run in which nothing ran (every case
// skipped) is 3: it tested nothing.
int run_exit_code(const RunResult& result);

}  // namespace tapbench::rig
