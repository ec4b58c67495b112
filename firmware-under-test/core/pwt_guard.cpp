#include "firmware-under-test/core/pwt_guard.hpp"

#include "firmware-under-test/core/tokens.hpp"
#include "protocol/token/expiry.hpp"

namespace tapbench::firmware {

PwtGuard::PwtGuard(const Clock& clock, const CoreConfig& config)
    : clock_(clock), config_(config), policy_(tokens::pwt_policy(config)) {}

bool PwtGuard::rotate() {
  issued_at_ = clock_.monotonic_now();
  failures_on_current_ = 0;
  ++rotations_;
  auto fresh = tokens::generate(policy_);
  if (!fresh) {
    pwt_.clear();
    return false;
  }
  pwt_ = std::move(*fresh);
  return true;
}

MonotonicTime PwtGuard::next_rotation() const {
  return token::next_rotation(policy_, issued_at_).value_or(MonotonicTime::max());
}

bool PwtGuard::rotate_if_due() {
  const auto decision =
      token::pwt_rotation(policy_, issued_at_, clock_.monotonic_now(), false, failures_on_current_);
  if (decision == token::Rotation::Keep) return false;
  rotate();
  return true;
}

bool PwtGuard::locked() const {
  if (config_.pwt_global_max_failures == 0 || failures_in_window_ < config_.pwt_global_max_failures)
    return false;
  return clock_.monotonic_now() < window_start_ + config_.pwt_failure_window;
}

void PwtGuard::note_failure() {
  const MonotonicTime now = clock_.monotonic_now();
  if (failures_in_window_ == 0 || now >= window_start_ + config_.pwt_failure_window) {
    window_start_ = now;
    failures_in_window_ = 0;
  }
  ++failures_in_window_;
  ++failures_on_current_;
  // Attempt cap reached: burn it; the next tap shows a fresh one.
  if (token::pwt_rotation(policy_, issued_at_, now, false, failures_on_current_) ==
      token::Rotation::AttemptsExhausted) {
    rotate();
  }
}

PwtGuard::Check PwtGuard::check(std::string_view presented) {
  rotate_if_due();
  if (locked()) return Check::locked;
  const auto canon = tokens::canonical(policy_, presented);
  if (!pwt_.empty() && canon && tokens::equal(*canon, pwt_)) return Check::ok;
  note_failure();
  return Check::wrong;
}

}  // namespace tapbench::firmware
