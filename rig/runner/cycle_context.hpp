// What a case sees while it runs: the injected clock, the phase recorder and the deadlines.
//
// Phases are the edges of a cycle (DESIGN §6): a case declares its phase names in order (CaseInfo::phases)
// and calls mark(index) or mark("name") the instant an edge is reached (field_on, target_found, …). A mark
// costs one Clock::monotonic_now() and a store into a preallocated slot — no allocation, no I/O, no lock —
// so it can sit on the timed path. The time of phase P is the span from the previous edge (or the cycle's
// start) to P's edge; P's timeout bounds that span.
//
// Timeouts are cooperative: a case bounds every wait with deadline() (or remaining()) and calls
// check_deadline() while it polls; mark() and check_deadline() throw StepTimeout once the phase in progress,
// or the whole cycle, has run past its limit, and Interrupted when the run is asked to stop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/clock/clock.hpp"
#include "rig/runner/outcome.hpp"
#include "rig/runner/records.hpp"
#include "rig/runner/secrets.hpp"
#include "rig/suite/suite.hpp"

namespace tapbench::rig {

// Told about every edge (progress display). Called on the case's thread; must be cheap.
class PhaseListener {
 public:
  virtual ~PhaseListener() = default;
  virtual void on_phase(std::string_view case_id, int cycle, std::string_view phase) = 0;
  // A token decision that broke its lifetime (CycleContext::token_violation). May be called from any thread
  // the case runs (a load case's terminals): implementations must be thread-safe.
  virtual void on_token_violation(std::string_view /*case_id*/, int /*cycle*/, std::string_view /*token*/,
                                  std::string_view /*violation*/, std::uint64_t /*count*/) {}
};

// Bounded work outside a cycle: setup, recover, teardown.
class StepContext {
 public:
  StepContext(const Clock& clock, std::string step, std::chrono::milliseconds limit, SecretRegistry& secrets,
              const std::atomic<bool>* stop = nullptr);
  const Clock& clock() const { return clock_; }
  MonotonicTime deadline() const { return deadline_; }
  std::chrono::nanoseconds remaining() const;
  // Throws StepTimeout past the deadline, Interrupted when the run is stopping.
  void check_deadline() const;
  void secret(std::string_view token) { secrets_.add(token); }
  SecretRegistry& secrets() { return secrets_; }
  std::chrono::nanoseconds elapsed() const { return clock_.monotonic_now() - started_; }
  const std::string& step() const { return step_; }
  std::chrono::milliseconds limit() const { return limit_; }

 private:
  const Clock& clock_;
  std::string step_;
  std::chrono::milliseconds limit_;
  SecretRegistry& secrets_;
  const std::atomic<bool>* stop_;
  MonotonicTime started_;
  MonotonicTime deadline_;
};

class CycleContext {
 public:
  CycleContext(const Clock& clock, std::string case_id, const std::vector<std::string>& phases,
               const Timeouts& timeouts, int cycle, int attempt, SecretRegistry& secrets,
               PhaseListener* listener = nullptr, const std::atomic<bool>* stop = nullptr);

  // Records the edge `index` (into CaseInfo::phases) now. Edges must be marked in order; an edge may be
  // left out (it shows as not reached). Throws StepTimeout (after recording the edge) when the phase took
  // longer than its timeout or the cycle ran past its own, std::logic_error when out of order.
  void mark(std::size_t index);
  void mark(std::string_view phase);
  // The same for an edge a driver already timestamped on the same Clock (NfcReader's TapTimestamps):
  // `at` must not be before the previous edge nor after now (std::logic_error otherwise).
  void mark_at(std::size_t index, MonotonicTime at);
  void mark_at(std::string_view phase, MonotonicTime at);

  // The deadline of the phase in progress (the next edge), capped by the cycle's deadline.
  MonotonicTime deadline() const;
  std::chrono::nanoseconds remaining() const;
  void check_deadline() const;
  // The phase in progress: the next edge's name, or "" when all are marked.
  std::string_view current_phase() const;

  const Clock& clock() const { return clock_; }
  int cycle() const { return cycle_; }
  int attempt() const { return attempt_; }
  const std::string& case_id() const { return case_id_; }

  // A fact about the cycle for the run record ("firmware" = "1.2.0", "pages_left" = "9"). Values under a
  // key that names a secret are stored as [redacted]; registered secrets are redacted from every value.
  void note(std::string key, std::string value);
  // Registers a token seen in this cycle: it is redacted from every report from now on.
  void secret(std::string_view token) { secrets_.add(token); }
  // Counts a token decision that broke the token's lifetime (docs/METRICS.md, "Token violations"): `token`
  // is the token kind (pwt, pt, st, svwt, svt, cwt), `violation` a short kebab-case class
  // ("accepted-after-expiry", "refused-before-expiry", "replay-accepted", "rotation-late"). Counted, not
  // sampled: call it for every violating decision. It does not decide the cycle's outcome (throw CaseFailure
  // for that). Thread-safe; the counts land in the cycle record and in tapbench_token_violations_total at
  // once. Never pass the token's value. std::logic_error for an unknown kind or a malformed class.
  void token_violation(std::string_view token, std::string_view violation, std::uint64_t count = 1);

  // --- read by the runner ---
  MonotonicTime started() const { return started_; }
  // Offset of each edge from the cycle's start; nullopt when not reached.
  std::vector<std::optional<std::chrono::nanoseconds>> edges() const;
  const std::vector<std::pair<std::string, std::string>>& notes() const { return notes_; }
  std::vector<TokenViolationCount> token_violations() const;

 private:
  std::size_t index_of(std::string_view phase) const;
  MonotonicTime phase_start() const;

  const Clock& clock_;
  std::string case_id_;
  const std::vector<std::string>& phases_;
  std::vector<std::chrono::milliseconds> limits_;  // per edge, resolved once
  std::optional<std::chrono::milliseconds> cycle_limit_;
  int cycle_;
  int attempt_;
  SecretRegistry& secrets_;
  PhaseListener* listener_;
  const std::atomic<bool>* stop_;
  MonotonicTime started_;
  std::vector<MonotonicTime> at_;  // preallocated: one slot per edge
  std::vector<bool> reached_;
  std::size_t next_ = 0;  // index of the next edge that may be marked
  std::vector<std::pair<std::string, std::string>> notes_;
  mutable std::mutex violations_mutex_;
  std::vector<TokenViolationCount> violations_;
};

}  // namespace tapbench::rig
