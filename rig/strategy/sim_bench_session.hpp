// One SimBenchStrategy shared by every case of a run: the first case that needs the sim bench starts it
// (bounded by that case's setup deadline), later cases reuse it, and it is torn down when the run's case
// registry goes away (end of `tapbench run`). A case that finds a process dead gets it restarted here.
//
// This is the run-scoped hook (no change to the runner): make_case_registry() creates one session and
// captures it in the factories of the cases that use it, so the bench lives exactly as long as the run.
// The session also owns the phone's NFC reader (one process owns a reader: docs/BENCH.md).
#pragma once

#include <memory>
#include <string>

#include "drivers/nfc/nfc_reader.hpp"
#include "rig/cases/token_bench.hpp"
#include "rig/runner/case.hpp"
#include "rig/strategy/sim_bench_strategy.hpp"
#include "rig/terminal/phone_link.hpp"

namespace tapbench::rig {

class SimBenchSession {
 public:
  SimBenchSession() = default;
  ~SimBenchSession();
  SimBenchSession(const SimBenchSession&) = delete;
  SimBenchSession& operator=(const SimBenchSession&) = delete;

  // The running strategy, started on first use (logs under <run folder>/bench/). Throws CaseSkip when the
  // bench is not one the strategy handles, BenchError ("bench-not-ready") when it cannot be brought up.
  SimBenchStrategy& acquire(const CaseEnvironment& env, StepContext& step);
  // The phone's reader on the running bench (opened on first use, reopened after a restart).
  nfc::NfcReader& phone_reader(const Clock& clock);
  // After restart_printer()/factory_reset_printer() nothing to do; after a whole-bench restart the reader
  // is reopened by the next phone_reader().
  void stop();
  // Taps once (outside a cycle) and, when the tag offers no PWT (a registered printer without pages shows
  // only its charge URL, S19), puts a new printer in its place (factory reset: unregistered, PWT on the tag)
  // so that a case needing a PWT can start. Returns whether it reset the printer.
  bool ensure_pwt_on_tag(StepContext& step);
  bool started() const { return strategy_ != nullptr; }
  // `phone-traffic: radio`: the phone's link to the printer over its radio (rig/terminal/phone_link.hpp) —
  // its namespace, and before each connection the phone back on the printer's group when it has left it
  // (a tap for the credentials, then the join). Null when the phone's requests go over loopback.
  std::shared_ptr<terminal::PhoneLink> phone_link();
  // How often the phone link had to rejoin the group, and the phone's address on it (its last lease).
  int phone_rejoins() const { return rejoins_; }
  const std::string& phone_group_address() const { return phone_address_; }

 private:
  std::unique_ptr<SimBenchStrategy> strategy_;
  std::unique_ptr<nfc::NfcReader> phone_;
  std::string bench_name_;
  std::shared_ptr<terminal::PhoneLink> link_;
  const Clock* clock_ = nullptr;  // the run's, from the first acquire()
  int rejoins_ = 0;
  std::string phone_address_;
  friend class SessionPhoneLink;
  void rejoin_group(std::chrono::milliseconds timeout);
};

// The TokenBench (rig/cases/token_bench.hpp) of the token cases over the shared session.
TokenBenchFactory token_bench_factory(std::shared_ptr<SimBenchSession> session);

}  // namespace tapbench::rig
