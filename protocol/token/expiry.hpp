// Expiry decisions as pure functions of a token's recorded state, its policy and "now" (from an injected
// Clock). No I/O, no clock reads: the caller passes clock.system_now() (persisted stamps) or any other
// instant, so every boundary is testable exactly with a ManualClock.
//
// Boundary rule (one rule for every lifetime): a lifetime L starting at t0 covers the half-open interval
// [t0, t0 + L). At now == t0 + L the token is already expired. So:
//   expired       when ttl      && now >= issued_at + ttl
//   idle-expired  when idle_ttl && now >= last_used_at + idle_ttl   (last_used_at = issued_at until first
//   use) exhausted     when max_attempts > 0 && failed_attempts >= max_attempts
// Precedence when several hold: exhausted, then expired, then idle-expired (the most permanent reason wins).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/clock/clock.hpp"
#include "protocol/token/policy.hpp"

namespace tapbench::token {

enum class Verdict { Valid, Expired, IdleExpired, Exhausted };

std::string_view to_string(Verdict v);  // "valid", "expired", "idle_expired", "exhausted"

// What a store records about one live token.
struct State {
  SystemTime issued_at{};
  std::optional<SystemTime> last_used_at;  // last successful use; nullopt = never used
  std::uint32_t failed_attempts = 0;
};

Verdict evaluate(const Policy& policy, const State& state, SystemTime now);
inline Verdict evaluate(const Policy& policy, const State& state, const Clock& clock) {
  return evaluate(policy, state, clock.system_now());
}

// The first instant at which the token stops being valid for reasons of time (ttl / idle), or nullopt if it
// never expires by time. Stores use it as an `expires_at` column; evaluate(…, t) != Valid iff t >= deadline.
std::optional<SystemTime> deadline(const Policy& policy, const State& state);

// A failed verification: the state after counting it.
State after_failed_attempt(State state);
// A successful use: refreshes the idle timer.
State after_use(State state, SystemTime now);

// PWT rotation (S13, S33): when must the current PWT be replaced?
enum class Rotation {
  Keep,               // still current
  PeriodElapsed,      // now >= issued_at + rotation_period (same half-open rule as above)
  PtIssued,           // a PT was issued on the strength of this PWT (S33): it is spent
  AttemptsExhausted,  // attempt cap reached: burn it and show a fresh one
};

std::string_view to_string(Rotation r);

// Pure. The period runs on monotonic time (the PWT lives in the printer's memory and must rotate on
// schedule even if the wall clock is stepped). pt_issued: a PT was issued on the strength of this PWT
// since it was generated. Precedence: PtIssued, AttemptsExhausted, PeriodElapsed.
Rotation pwt_rotation(const Policy& policy, MonotonicTime issued_at, MonotonicTime now, bool pt_issued,
                      std::uint32_t failed_attempts);

// When the next periodic rotation is due (for the printer's timer), or nullopt when the policy has none.
std::optional<MonotonicTime> next_rotation(const Policy& policy, MonotonicTime issued_mono);

}  // namespace tapbench::token
