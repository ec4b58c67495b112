// The load case's engine (issue 6 "load"): N virtual terminals, each with its own identity (terminal ID and
// its own loopback source address at the server), doing the patent's terminal work concurrently against one
// printer and one server, while every token decision is checked against the token's lifetime.
//
// Concurrency: a bounded pool of worker threads over the blocking terminal clients. A terminal is a small
// state record (its tokens and when they were issued or last accepted), not a thread: a worker takes the
// terminal whose next action is due, runs that action, and schedules the terminal again after the
// think time. This sustains thousands of terminals on two cores with a few megabytes.
//
// The tag is one: reads are serialized (one reader in the field at a time), and a PWT is presented only right
// after it was read and while no PT issue can rotate it (a tap holds the tag alone from its read to its PT
// issue; prints, which rotate nothing, share it), so terminals never burn the printer's wrong-PWT allowance
// with a PWT another terminal's PT issue has rotated away.
//
// Every token decision is judged from what the rig saw, on the clock the parties run on: a token issued (or
// last accepted) in the window [since.sent, since.received] and presented in [use.sent, use.received] was
// certainly alive when use.received - since.sent < lifetime and certainly expired when
// use.sent - since.received >= lifetime. Accepted while certainly expired → "<kind> accepted-after-expiry";
// refused (401, or 409 on a first use) while certainly alive → "<kind> refused-before-expiry"; a decision
// inside the round trips' uncertainty is counted as undecidable, never as a violation. Single-use tokens
// (SVWT, CWT) are presented a second time: accepted → "<kind> replay-accepted"; a deleted PT presented
// again: accepted → "pt accepted-after-delete"; a PWT accepted after a PT issue it served →
// "pwt accepted-after-pt-issue".
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/clock/clock.hpp"
#include "rig/terminal/ipp_client.hpp"
#include "rig/terminal/printer_api_client.hpp"
#include "rig/terminal/vendor_client.hpp"

namespace tapbench::rig::load {

using terminal::ms;
using terminal::Reply;

// Who a virtual terminal is: its terminal ID (bound to its PTs and SVTs) and the loopback address its
// requests to the server come from (the server judges clients by address: its refusal rate limit).
struct Identity {
  std::string id;
  std::string source_address;  // "127.1.0.7"; empty = the default
};

// The parties under load, as the terminals see them. Transport failures throw TerminalTransportError.
class LoadParties {
 public:
  virtual ~LoadParties() = default;
  // The clock the printer and the server judge lifetimes by (the bench's sim clock).
  virtual const Clock& token_clock() const = 0;
  // One tap: the PWT on the printer's tag, nullopt when the tag offers none (charge or exchange URL).
  virtual std::optional<std::string> tap_pwt(ms timeout) = 0;
  virtual Reply<terminal::PtGrant> issue_pt(const std::string& pwt, const Identity& who, ms timeout) = 0;
  virtual Reply<terminal::SyncResult> sync(const std::string& pt, const Identity& who, ms timeout) = 0;
  virtual Reply<std::string> request_svwt(const std::string& pt, const Identity& who, ms timeout) = 0;
  virtual Reply<bool> delete_pt(const std::string& pt, const Identity& who, ms timeout) = 0;
  // The print app's authorisation of a job with the PWT (IPP Validate-Job, authorised as Print-Job, S121).
  // Reply::status is the IPP status; refused tokens are 0x0402 (not-authenticated).
  virtual Reply<bool> authorise_print(const std::string& pwt, const Identity& who, ms timeout) = 0;
  virtual Reply<terminal::SvtGrant> svt(const std::string& svwt, const Identity& who, ms timeout) = 0;
  virtual Reply<terminal::CwtGrant> paid_charge(const std::string& svt, std::int64_t pages,
                                                const std::string& request_id, const Identity& who,
                                                ms timeout) = 0;
  virtual Reply<terminal::ChargeResult> charge(const std::string& cwt, const Identity& who, ms timeout) = 0;
  virtual Reply<terminal::DeviceInfo> device(const std::string& svt, const Identity& who, ms timeout) = 0;
  // Taps so far that found the tag's NDEF file empty and tapped again (a diagnostic of the tag's rewrites).
  virtual std::uint64_t empty_tag_reads() const { return 0; }
};

// The lifetimes the rig judges by (the suite's `lifetimes:`); an absent one is not judged for expiry.
struct LoadLifetimes {
  std::optional<std::chrono::nanoseconds> pwt_period, pt_idle, svwt_ttl, svt_idle, cwt_ttl;
};

struct LoadOptions {
  int terminals = 50;
  std::chrono::milliseconds ramp_up{1000};
  std::chrono::milliseconds duration{5000};
  std::chrono::milliseconds think_time{250};
  int actions_per_terminal = 0;    // > 0: a terminal stops after this many actions (the run ends when all
                                   // have, or when `duration` ends first)
  std::map<std::string, int> mix;  // tap, print, charge, exchange; empty = equal
  int workers = 24;                // threads running terminal actions
  int pt_slots = 6;                // terminals holding a PT at once (the printer keeps 8 live PTs)
  ms call_timeout{10'000};
  std::int64_t pages_per_charge = 2;
};

// A window on the token clock: when a request was sent and when its answer came.
struct Window {
  MonotonicTime sent{};
  MonotonicTime received{};
};

enum class Judgement { consistent, violation, undecidable };

// The decision on a token that was issued or last accepted in `since` and presented in `use`.
Judgement judge(bool accepted, Window since, Window use, std::chrono::nanoseconds lifetime);

struct LoadReport {
  int terminals = 0;
  int terminals_started = 0;
  int terminals_active = 0;             // terminals that completed at least one action
  std::uint64_t actions = 0;            // terminal actions run (tap, print, charge, exchange)
  std::uint64_t operations = 0;         // requests to the parties (each a decision or a read)
  std::uint64_t decisions_checked = 0;  // token decisions judged against a lifetime or single use
  std::uint64_t undecidable = 0;        // inside the round trips' uncertainty
  std::uint64_t transport_errors = 0;   // no answer at all
  std::map<std::string, std::uint64_t> by_action;
  std::map<std::string, std::uint64_t> refusals;    // legitimate refusals by reason (pt_limit, quota, …)
  std::map<std::string, std::uint64_t> violations;  // "pt refused-before-expiry" → count
  std::uint64_t violation_total() const;
  // Where the one tag's time goes (taps are serialized): uses of the tag and the mean time of each part.
  std::uint64_t tag_uses = 0;
  double tag_use_mean_ms = 0, tag_read_mean_ms = 0, pt_issue_mean_ms = 0, print_auth_mean_ms = 0;
  std::uint64_t empty_tag_reads = 0;  // LoadParties::empty_tag_reads() at the end
  double seconds = 0;                 // whole run (ramp + hold + drain)
  double hold_seconds = 0;            // from the ramp's end to the hold's end
  double lag_p99_ms = 0;              // how late an action started against its schedule (p99)
  double lag_max_ms = 0;
  std::string first_transport_error;
};

// Hooks for the case: the edges it marks and the violations it counts (called from worker threads).
struct LoadHooks {
  std::function<void()> ramped_up;  // every terminal has started
  std::function<void()> held;       // the hold ended: no new action starts
  std::function<void(const std::string& token, const std::string& violation)> violation;
  // Polled by the controlling thread (about every 50 ms); throwing stops the run (workers are joined).
  std::function<void()> check;
};

// Runs the load to its end and returns the counts. Exceptions of `hooks.check` propagate after the workers
// have stopped.
LoadReport run_load(LoadParties& parties, const LoadOptions& options, const LoadLifetimes& lifetimes,
                    const LoadHooks& hooks);

// The rig's peak resident set (VmHWM of /proc/self/status) in kB; 0 when unknown.
std::int64_t peak_rss_kb();

}  // namespace tapbench::rig::load
