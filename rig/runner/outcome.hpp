// Outcome classes of a cycle, a case and a run (DESIGN §7), and the exceptions a case throws to say which.
//   PASS  the system under test did right.
//   FAIL  the system under test did wrong (a product bug): never retried.
//   ERROR the rig or the bench failed (device missing, rig timeout, a party crashed): retried up to a cap.
//   SKIP  the case cannot run on this bench or in this build; the reason says why.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tapbench::rig {

enum class Outcome { kPass, kFail, kError, kSkip };
std::string_view to_string(Outcome outcome);  // "PASS", "FAIL", "ERROR", "SKIP"
std::optional<Outcome> outcome_from(std::string_view text);

// Base of what a case throws. `failure_class` is a short, stable, machine-readable label for grouping in
// reports and metrics ("pwt-accepted-after-expiry", "phase-timeout"); `what()` is the human sentence.
// Neither may contain a token: register tokens with CycleContext::secret() so reports redact them anyway.
class CaseOutcome : public std::runtime_error {
 public:
  CaseOutcome(Outcome outcome, std::string failure_class, const std::string& reason)
      : std::runtime_error(reason), outcome_(outcome), failure_class_(std::move(failure_class)) {}
  Outcome outcome() const { return outcome_; }
  const std::string& failure_class() const { return failure_class_; }

 private:
  Outcome outcome_;
  std::string failure_class_;
};

// The system under test did wrong.
class CaseFailure : public CaseOutcome {
 public:
  CaseFailure(std::string failure_class, const std::string& reason)
      : CaseOutcome(Outcome::kFail, std::move(failure_class), reason) {}
};
// The rig or the bench failed.
class BenchError : public CaseOutcome {
 public:
  BenchError(std::string failure_class, const std::string& reason)
      : CaseOutcome(Outcome::kError, std::move(failure_class), reason) {}
};
// The case cannot run here (thrown from setup: the whole case is skipped).
class CaseSkip : public CaseOutcome {
 public:
  explicit CaseSkip(const std::string& reason) : CaseOutcome(Outcome::kSkip, "skipped", reason) {}
};

// A phase, the cycle, setup or teardown ran past its timeout (ERROR, class "phase-timeout" and friends).
class StepTimeout : public BenchError {
 public:
  using BenchError::BenchError;
};
// The run was asked to stop (Ctrl-C).
class Interrupted : public BenchError {
 public:
  Interrupted() : BenchError("interrupted", "the run was interrupted") {}
};

}  // namespace tapbench::rig
