// The printer one-time token PWT (S13, S33) and its guard: one live PWT at a time, rotated every period and
// on demand (a PT was issued, or too many wrong guesses), with an attempt cap per PWT and a global cap per
// window (docs: notes/tokens.md — an 8-character user code needs a cap). Shape, period and per-PWT cap come
// from protocol/token (policy + pwt_rotation); the global cap is the printer's own. Volatile: a reboot makes
// a new PWT.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "firmware-under-test/core/config.hpp"
#include "protocol/clock/clock.hpp"
#include "protocol/token/policy.hpp"

namespace tapbench::firmware {

class PwtGuard {
 public:
  enum class Check : std::uint8_t {
    ok,      // matches the live PWT
    wrong,   // does not match (counted; may have burned the PWT)
    locked,  // global cap reached: refused without comparing
  };

  PwtGuard(const Clock& clock, const CoreConfig& config);

  // Makes a new PWT now (S13 at boot, S33 after a PT issue). false only if the CSPRNG failed; then no PWT is
  // live and every check fails.
  bool rotate();
  // Rotates when the period has elapsed (now >= issued + period). true if it rotated.
  bool rotate_if_due();
  // Compares in constant time; counts and caps failures. Rotates first if due.
  Check check(std::string_view presented);

  const std::string& current() const { return pwt_; }  // empty if none is live
  MonotonicTime next_rotation() const;
  bool locked() const;
  std::uint32_t failures_on_current() const { return failures_on_current_; }
  std::uint64_t rotations() const { return rotations_; }

 private:
  void note_failure();

  const Clock& clock_;
  const CoreConfig& config_;
  token::Policy policy_;
  std::string pwt_;
  MonotonicTime issued_at_{};
  std::uint32_t failures_on_current_ = 0;
  std::uint32_t failures_in_window_ = 0;
  MonotonicTime window_start_{};
  std::uint64_t rotations_ = 0;
};

}  // namespace tapbench::firmware
