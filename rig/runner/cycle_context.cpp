#include "rig/runner/cycle_context.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "rig/bench/yaml_check.hpp"

namespace tapbench::rig {
namespace {

std::string describe(std::chrono::nanoseconds d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d);
  return format_duration(ms);
}

void check_stop(const std::atomic<bool>* stop) {
  if (stop && stop->load(std::memory_order_relaxed)) throw Interrupted();
}

}  // namespace

StepContext::StepContext(const Clock& clock, std::string step, std::chrono::milliseconds limit,
                         SecretRegistry& secrets, const std::atomic<bool>* stop)
    : clock_(clock),
      step_(std::move(step)),
      limit_(limit),
      secrets_(secrets),
      stop_(stop),
      started_(clock.monotonic_now()),
      // Saturates: a limit of "whatever is left" when nothing bounds it (CycleContext::remaining() is
      // nanoseconds::max() after the last phase without a cycle timeout) must not overflow into the past.
      deadline_(limit >=
                        std::chrono::duration_cast<std::chrono::milliseconds>(MonotonicTime::max() - started_)
                    ? MonotonicTime::max()
                    : started_ + limit) {}

std::chrono::nanoseconds StepContext::remaining() const {
  return std::max(std::chrono::nanoseconds{0}, deadline_ - clock_.monotonic_now());
}

void StepContext::check_deadline() const {
  check_stop(stop_);
  const auto now = clock_.monotonic_now();
  if (now > deadline_) {
    throw StepTimeout(step_ + "-timeout", step_ + " ran past its timeout of " + format_duration(limit_) +
                                              " (" + describe(now - started_) + " so far)");
  }
}

CycleContext::CycleContext(const Clock& clock, std::string case_id, const std::vector<std::string>& phases,
                           const Timeouts& timeouts, int cycle, int attempt, SecretRegistry& secrets,
                           PhaseListener* listener, const std::atomic<bool>* stop)
    : clock_(clock),
      case_id_(std::move(case_id)),
      phases_(phases),
      cycle_limit_(timeouts.cycle),
      cycle_(cycle),
      attempt_(attempt),
      secrets_(secrets),
      listener_(listener),
      stop_(stop),
      at_(phases.size()),
      reached_(phases.size(), false) {
  limits_.reserve(phases.size());
  for (const auto& p : phases)
    limits_.push_back(timeouts.for_phase(p));
  started_ = clock_.monotonic_now();
}

std::size_t CycleContext::index_of(std::string_view phase) const {
  for (std::size_t i = 0; i < phases_.size(); ++i) {
    if (phases_[i] == phase) return i;
  }
  throw std::logic_error("case '" + case_id_ + "' marked phase '" + std::string(phase) +
                         "', which it does not declare");
}

MonotonicTime CycleContext::phase_start() const {
  for (std::size_t i = next_; i > 0; --i) {
    if (reached_[i - 1]) return at_[i - 1];
  }
  return started_;
}

void CycleContext::mark(std::string_view phase) {
  mark_at(index_of(phase), clock_.monotonic_now());
}
void CycleContext::mark(std::size_t index) {
  mark_at(index, clock_.monotonic_now());
}
void CycleContext::mark_at(std::string_view phase, MonotonicTime at) {
  mark_at(index_of(phase), at);
}

void CycleContext::mark_at(std::size_t index, MonotonicTime now) {
  if (index >= phases_.size())
    throw std::logic_error("case '" + case_id_ + "' marked a phase index out of range");
  if (index < next_) {
    throw std::logic_error("case '" + case_id_ + "' marked phase '" + phases_[index] +
                           "' out of order (after '" + phases_[next_ - 1] + "')");
  }
  const MonotonicTime from = phase_start();
  if (now < from || now > clock_.monotonic_now()) {
    throw std::logic_error("case '" + case_id_ + "' marked phase '" + phases_[index] +
                           "' at an instant before the previous edge or in the future");
  }
  // A phase whose predecessors were skipped gets their timeouts too.
  std::chrono::milliseconds limit{0};
  for (std::size_t i = next_; i <= index; ++i)
    limit += limits_[i];
  at_[index] = now;
  reached_[index] = true;
  next_ = index + 1;
  if (listener_ && next_ < phases_.size()) listener_->on_phase(case_id_, cycle_, phases_[next_]);
  if (now - from > limit) {
    throw StepTimeout("phase-timeout", "phase '" + phases_[index] + "' took " + describe(now - from) +
                                           ", its timeout is " + format_duration(limit));
  }
  if (cycle_limit_ && now - started_ > *cycle_limit_) {
    throw StepTimeout("cycle-timeout", "the cycle ran past its timeout of " + format_duration(*cycle_limit_) +
                                           " at phase '" + phases_[index] + "'");
  }
  check_stop(stop_);
}

MonotonicTime CycleContext::deadline() const {
  MonotonicTime d = MonotonicTime::max();
  if (next_ < phases_.size()) d = phase_start() + limits_[next_];
  if (cycle_limit_) d = std::min(d, started_ + *cycle_limit_);
  return d;
}

std::chrono::nanoseconds CycleContext::remaining() const {
  const MonotonicTime d = deadline();
  if (d == MonotonicTime::max()) return std::chrono::nanoseconds::max();
  return std::max(std::chrono::nanoseconds{0}, d - clock_.monotonic_now());
}

void CycleContext::check_deadline() const {
  check_stop(stop_);
  const MonotonicTime now = clock_.monotonic_now();
  if (cycle_limit_ && now - started_ > *cycle_limit_) {
    throw StepTimeout("cycle-timeout", "the cycle ran past its timeout of " + format_duration(*cycle_limit_) +
                                           " in phase '" + std::string(current_phase()) + "'");
  }
  if (next_ < phases_.size() && now - phase_start() > limits_[next_]) {
    throw StepTimeout("phase-timeout", "phase '" + phases_[next_] + "' ran past its timeout of " +
                                           format_duration(limits_[next_]));
  }
}

std::string_view CycleContext::current_phase() const {
  return next_ < phases_.size() ? std::string_view(phases_[next_]) : std::string_view();
}

void CycleContext::note(std::string key, std::string value) {
  if (SecretRegistry::is_secret_key(key)) {
    value = std::string(kRedacted);
  } else {
    value = secrets_.redact(value);
  }
  notes_.emplace_back(std::move(key), std::move(value));
}

std::vector<std::optional<std::chrono::nanoseconds>> CycleContext::edges() const {
  std::vector<std::optional<std::chrono::nanoseconds>> out(phases_.size());
  for (std::size_t i = 0; i < phases_.size(); ++i) {
    if (reached_[i]) out[i] = at_[i] - started_;
  }
  return out;
}

void CycleContext::token_violation(std::string_view token, std::string_view violation, std::uint64_t count) {
  static constexpr std::array<std::string_view, 6> kKinds = {"pwt", "pt", "st", "svwt", "svt", "cwt"};
  if (std::find(kKinds.begin(), kKinds.end(), token) == kKinds.end()) {
    throw std::logic_error("case '" + case_id_ + "' counted a violation of unknown token kind '" +
                           std::string(token) + "' (expected pwt, pt, st, svwt, svt or cwt)");
  }
  // A label value of a metric: short, kebab-case, and so never a token.
  const bool slug = !violation.empty() && violation.size() <= 48 &&
                    std::all_of(violation.begin(), violation.end(), [](char ch) {
                      return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
                    });
  if (!slug) {
    throw std::logic_error("case '" + case_id_ +
                           "' counted a token violation whose class is not kebab-case (a-z, 0-9, '-', "
                           "at most 48 characters)");
  }
  if (count == 0) return;
  {
    std::lock_guard lock(violations_mutex_);
    auto it = std::find_if(violations_.begin(), violations_.end(), [&](const TokenViolationCount& v) {
      return v.token == token && v.violation == violation;
    });
    if (it == violations_.end()) {
      violations_.push_back({std::string(token), std::string(violation), count});
    } else {
      it->count += count;
    }
  }
  if (listener_) listener_->on_token_violation(case_id_, cycle_, token, violation, count);
}

std::vector<TokenViolationCount> CycleContext::token_violations() const {
  std::lock_guard lock(violations_mutex_);
  return violations_;
}

}  // namespace tapbench::rig
