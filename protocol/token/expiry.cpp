#include "protocol/token/expiry.hpp"

#include <algorithm>

namespace tapbench::token {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Valid:
      return "valid";
    case Verdict::Expired:
      return "expired";
    case Verdict::IdleExpired:
      return "idle_expired";
    case Verdict::Exhausted:
      return "exhausted";
  }
  return "?";
}

std::string_view to_string(Rotation r) {
  switch (r) {
    case Rotation::Keep:
      return "keep";
    case Rotation::PeriodElapsed:
      return "period_elapsed";
    case Rotation::PtIssued:
      return "pt_issued";
    case Rotation::AttemptsExhausted:
      return "attempts_exhausted";
  }
  return "?";
}

namespace {
bool exhausted(const Policy& policy, std::uint32_t failed_attempts) {
  return policy.max_attempts > 0 && failed_attempts >= policy.max_attempts;
}
}  // namespace

Verdict evaluate(const Policy& policy, const State& state, SystemTime now) {
  if (exhausted(policy, state.failed_attempts)) return Verdict::Exhausted;
  if (policy.ttl && now >= state.issued_at + *policy.ttl) return Verdict::Expired;
  if (policy.idle_ttl && now >= state.last_used_at.value_or(state.issued_at) + *policy.idle_ttl) {
    return Verdict::IdleExpired;
  }
  return Verdict::Valid;
}

std::optional<SystemTime> deadline(const Policy& policy, const State& state) {
  std::optional<SystemTime> out;
  if (policy.ttl) out = state.issued_at + *policy.ttl;
  if (policy.idle_ttl) {
    const SystemTime idle = state.last_used_at.value_or(state.issued_at) + *policy.idle_ttl;
    out = out ? std::min(*out, idle) : idle;
  }
  return out;
}

State after_failed_attempt(State state) {
  if (state.failed_attempts < UINT32_MAX) ++state.failed_attempts;
  return state;
}

State after_use(State state, SystemTime now) {
  state.last_used_at = now;
  return state;
}

Rotation pwt_rotation(const Policy& policy, MonotonicTime issued_at, MonotonicTime now, bool pt_issued,
                      std::uint32_t failed_attempts) {
  if (pt_issued) return Rotation::PtIssued;
  if (exhausted(policy, failed_attempts)) return Rotation::AttemptsExhausted;
  if (policy.rotation_period && now >= issued_at + *policy.rotation_period) return Rotation::PeriodElapsed;
  return Rotation::Keep;
}

std::optional<MonotonicTime> next_rotation(const Policy& policy, MonotonicTime issued_at) {
  if (!policy.rotation_period) return std::nullopt;
  return issued_at + *policy.rotation_period;
}

}  // namespace tapbench::token
