#include "rig/cases/token_cases.hpp"

#include <algorithm>
#include <atomic>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "rig/terminal/printer_api_client.hpp"
#include "rig/terminal/vendor_client.hpp"
#include "sim/clock/sim_clock.hpp"

namespace tapbench::rig {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
namespace term = terminal;

constexpr const char* kOwner = "tapbench:owner";
constexpr const char* kStranger = "tapbench:stranger";
constexpr const char* kPhone = "tapbench:phone";

// The lifetimes the suite configured on printerd and vendord; when a suite leaves one out, the daemon's own
// default (printerd --pwt-period 3600, --pt-idle-timeout 86400; vendord SVWT 600 s, SVT idle 3600 s,
// CWT 600 s). On the sim clock a long lifetime costs nothing: it is one advance().
struct Lives {
  nanoseconds pwt, pt_idle, svwt, svt_idle, cwt;
};
Lives lives_of(const Lifetimes& l) {
  return {l.printer.pwt_period.value_or(3600s), l.printer.pt_idle.value_or(86400s),
          l.server.svwt_ttl.value_or(600s), l.server.svt_idle.value_or(3600s),
          l.server.cwt_ttl.value_or(600s)};
}

// Per call: what is left of the phase, at most 10 s, at least 1 ms.
milliseconds call_timeout(nanoseconds remaining) {
  return std::clamp(std::chrono::duration_cast<milliseconds>(remaining), milliseconds(1),
                    milliseconds(10'000));
}

std::string describe(int status, const std::string& error, const std::string& detail) {
  std::string s = "HTTP " + std::to_string(status) + " " + error;
  if (!detail.empty()) s += " (" + detail + ")";
  return s;
}

// Answers that say the bench, not the token decision, went wrong: vendord counts token refusals per client
// address (429 rate_limited), and printerd answers 502 server_failed when vendord is unreachable.
template <class T>
void bench_problems(const term::Reply<T>& r, const std::string& what) {
  if (r.status == 429 && r.error == "rate_limited")
    throw BenchError("vendord-rate-limited", what +
                                                 ": vendord answered 429 rate_limited (too many refusals "
                                                 "from the rig's address in its window)");
  if (r.error == "server_failed")
    throw BenchError("server-unreachable", what + ": printerd could not reach vendord (" + r.detail + ")");
}

// The answer must be an acceptance; else FAIL `failure_class`, counted as a violation of `kind` when the
// refusal breaks the token's lifetime.
template <class T>
T must_accept(const term::Reply<T>& r, CycleContext& c, std::string_view kind, std::string_view violation,
              const std::string& failure_class, const std::string& what) {
  if (r.ok()) return *r.value;  // by value: the Reply is often a temporary
  bench_problems(r, what);
  if (!violation.empty()) c.token_violation(kind, violation);
  throw CaseFailure(failure_class, what + ": refused with " + describe(r.status, r.error, r.detail));
}

// The answer must be a refusal with `status` and one of `codes`; an acceptance is FAIL `failure_class`
// (counted), a refusal for another reason is FAIL "<kind>-wrong-refusal".
template <class T>
void must_refuse(const term::Reply<T>& r, CycleContext& c, std::string_view kind, std::string_view violation,
                 const std::string& failure_class, const std::string& what, int status,
                 std::initializer_list<std::string_view> codes) {
  if (r.ok()) {
    if (!violation.empty()) c.token_violation(kind, violation);
    throw CaseFailure(failure_class, what + ": accepted (HTTP " + std::to_string(r.status) + ")");
  }
  bench_problems(r, what);
  if (r.status != status || std::find(codes.begin(), codes.end(), r.error) == codes.end()) {
    std::string want;
    for (auto code : codes)
      want += (want.empty() ? "" : " or ") + std::string(code);
    throw CaseFailure(std::string(kind) + "-wrong-refusal",
                      what + ": refused with " + describe(r.status, r.error, r.detail) + ", expected HTTP " +
                          std::to_string(status) + " " + want);
  }
}

// Freezes the sim clock for a cycle (so a boundary is exact) and lets it run again afterwards if it was
// running before.
class FrozenTime {
 public:
  explicit FrozenTime(sim::SimClockController& clock) : clock_(clock), was_frozen_(clock.frozen()) {
    clock_.freeze();
  }
  ~FrozenTime() {
    if (!was_frozen_) clock_.resume();
  }
  FrozenTime(const FrozenTime&) = delete;
  FrozenTime& operator=(const FrozenTime&) = delete;

 private:
  sim::SimClockController& clock_;
  bool was_frozen_;
};

// What every token case shares: the bench handle, the clients, the sim clock, PT bookkeeping.
class TokenCase : public Case {
 public:
  TokenCase(const CaseEnvironment& env, TokenBenchFactory factory, std::string id)
      : env_(env), factory_(std::move(factory)), id_(std::move(id)), lives_(lives_of(env.lifetimes)) {}

  void setup(StepContext& step) override {
    if (!factory_) {
      throw CaseSkip(id_ +
                     " needs the sim bench strategy (printerd and vendord on a sim clock), which this "
                     "build does not provide yet");
    }
    bench_ = factory_(env_, step);
    if (!bench_) throw CaseSkip(id_ + ": this bench has no printerd/vendord pair for the token cases");
    if (bench_->sim_clock_file().empty()) {
      throw CaseSkip(id_ +
                     " tests lifetimes at their exact boundary and needs printerd and vendord on a sim "
                     "clock (--sim-clock); this bench runs them on real time");
    }
    try {
      clock_.emplace(bench_->sim_clock_file());
      printer_.emplace(bench_->printer_url(), bench_->printer_tls(), bench_->phone_link());
      vendor_.emplace(bench_->vendor_url());
    } catch (const std::exception& e) {
      throw BenchError("token-bench", id_ + ": " + e.what());
    }
  }

  void run_cycle(CycleContext& c) override {
    FrozenTime frozen(*clock_);
    try {
      ensure_pwt_on_tag(c);
      cycle(c);
      cleanup(c.remaining());
    } catch (const term::TerminalTransportError& e) {
      throw BenchError("terminal-transport", e.what());
    }
  }

  void recover(StepContext& step) override { cleanup(step.remaining()); }
  void teardown(StepContext& step) override {
    if (printer_) cleanup(step.remaining());
  }

 protected:
  virtual void cycle(CycleContext& c) = 0;

  milliseconds t(const CycleContext& c) const { return call_timeout(c.remaining()); }
  void advance(nanoseconds by) { clock_->advance(by); }

  void secret(CycleContext& c, const std::string& token) {
    if (token.size() >= 6) c.secret(token);  // shorter strings are not tokens of this system
  }

  std::string tap(CycleContext& c) {
    std::string pwt = bench_->tap(t(c));
    secret(c, pwt);
    return pwt;
  }

  // Taps until the tag carries a PWT other than `old` (the tag is rewritten after a rotation), bounded by
  // the phase deadline.
  std::string tap_new_pwt(CycleContext& c, const std::string& old, const std::string& failure_class,
                          const std::string& what) {
    for (;;) {
      std::string pwt = tap(c);
      if (pwt != old) return pwt;
      if (c.remaining() <= 200ms) throw CaseFailure(failure_class, what);
      std::this_thread::sleep_for(10ms);  // the tag is rewritten by printerd's tick (≤ 1 s); bounded above
    }
  }

  // A PT for `terminal` from a freshly tapped PWT.
  std::string new_pt(CycleContext& c, const char* terminal = kOwner) {
    const std::string pwt = tap(c);
    const auto& grant =
        must_accept(printer_->issue_pt(pwt, terminal, t(c)), c, "pwt", "refused-before-expiry",
                    "pwt-refused-from-tag", "PT issue with the PWT just read from the tag");
    secret(c, grant.pt);
    pts_.push_back(grant.pt);
    return grant.pt;
  }

  // A PT of a printer registered with vendord (S53-S61) that has pages to print: a registered printer
  // without pages shows the charge URL on its tag instead of the PWT, and the next cycle could not start.
  std::string registered_pt(CycleContext& c) {
    const std::string pt = new_pt(c);
    const auto r = printer_->register_printer(pt, kOwner, t(c));
    const auto reg = must_accept(r, c, "pt", "", "registration-refused", "registration with a fresh PT");
    if (!reg.registered) {
      const std::string why = "the printer did not register with vendord: " + reg.last_failure_error +
                              (reg.last_failure_detail.empty() ? "" : " (" + reg.last_failure_detail + ")");
      if (reg.last_failure_error == "server_failed") throw BenchError("server-unreachable", why);
      throw CaseFailure("registration-failed", why);
    }
    const auto status = must_accept(printer_->status(t(c)), c, "", "", "status-refused", "printer status");
    if (status.pages_remaining == 0) charge_printer(c, pt);
    return pt;
  }

  // A printer left without pages (by tap-to-print, say) shows the charge URL and an SVWT on its tag, not a
  // PWT, and no token case could start. Recharge it the way the patent's second terminal does (S43-S49,
  // S77-S97: the tag's SVWT → SVT → charge) and let the printer sync it (S101: the sim clock advanced by
  // its sync period), then check the tag offers a PWT again.
  void ensure_pwt_on_tag(CycleContext& c) {
    auto svwt = bench_->tap_svwt(t(c));
    if (!svwt) return;
    secret(c, *svwt);
    const auto grant = must_accept(vendor_->svt(*svwt, kPhone, t(c)), c, "", "", "svwt-from-tag-refused",
                                   "SVT request with the SVWT on the tag of a printer asking for a charge");
    secret(c, grant.svt);
    charge_with(c, grant.svt);
    advance(bench_->printer_sync_period());
    while (bench_->tap_svwt(t(c))) {
      if (c.remaining() <= 300ms) {
        std::string ink;
        if (const auto s = printer_->status(t(c)); s.ok()) {
          ink = "; " + std::to_string(s.value->pages_remaining) + " pages";
          for (const auto& level : s.value->ink)
            ink += level.low ? ", " + level.colour + " low" : "";
        }
        throw BenchError("printer-not-recharged",
                         "the printer's tag still offers no PWT after a charge and a sync period (" +
                             std::to_string(bench_->printer_sync_period().count()) + " s)" + ink);
      }
      std::this_thread::sleep_for(10ms);  // the printer syncs and rewrites its tag on its tick (≤ 1 s)
    }
  }

  // S85-S97 with tokens not under test: the free charge, or a paid one when the free charge is used up.
  void charge_with(CycleContext& c, const std::string& svt) {
    auto cwt = must_accept(vendor_->free_charge(svt, t(c)), c, "", "", "free-charge-refused",
                           "free charge with a fresh SVT");
    if (cwt.pages == 0) {
      const std::string request_id =
          "tapbench-" + std::to_string(++charges_) + "-" +
          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
      cwt = must_accept(vendor_->paid_charge(svt, 100, "4242424242424242", request_id, t(c)), c, "", "",
                        "paid-charge-refused", "paid charge (sandbox card) with a fresh SVT");
    }
    secret(c, cwt.cwt);
    must_accept(vendor_->charge(cwt.cwt, t(c)), c, "", "", "charge-refused", "redeeming a fresh CWT");
  }

  // S77-S111 with tokens not under test: SVT, the free charge (a paid one when the free charge is used up),
  // redeemed, synced to the printer.
  void charge_printer(CycleContext& c, const std::string& pt) {
    charge_with(c, svt(c, pt).svt);
    const auto synced = must_accept(printer_->sync(pt, kOwner, t(c)), c, "", "", "sync-refused", "sync");
    if (synced.printable_pages == 0)
      throw CaseFailure("sync-without-pages", "the printer has no printable pages after a charge and a sync");
  }

  // An SVWT the printer obtained from vendord (S67-S75), polling while it has none at hand yet (503 no_svwt).
  std::string svwt(CycleContext& c, const std::string& pt) {
    for (;;) {
      const auto r = printer_->request_svwt(pt, kOwner, t(c));
      if (r.ok()) {
        secret(c, *r.value);
        return *r.value;
      }
      if (r.error != "no_svwt" || c.remaining() <= 200ms) {
        throw CaseFailure("svwt-request-refused",
                          "SVWT request with a valid PT: " + describe(r.status, r.error, r.detail));
      }
      std::this_thread::sleep_for(10ms);  // the printer fetches one from vendord; bounded by the deadline
    }
  }

  // An SVT from a fresh SVWT (S77-S81).
  term::SvtGrant svt(CycleContext& c, const std::string& pt) {
    const std::string w = svwt(c, pt);
    const auto r = vendor_->svt(w, kPhone, t(c));
    const auto& grant =
        must_accept(r, c, "svwt", "", "svwt-refused-when-fresh", "SVT request with a fresh SVWT");
    secret(c, grant.svt);
    return grant;
  }

  // Deletes the PTs this case created (best effort: an expired one is already gone).
  void cleanup(nanoseconds remaining) {
    for (const auto& pt : pts_) {
      try {
        (void)printer_->delete_pt(pt, kOwner, call_timeout(remaining));
      } catch (const std::exception&) {
        // the bench is going away or the PT is gone; nothing to undo
      }
    }
    pts_.clear();
  }

  const CaseEnvironment& env_;
  TokenBenchFactory factory_;
  std::string id_;
  Lives lives_;
  std::unique_ptr<TokenBench> bench_;
  std::optional<sim::SimClockController> clock_;
  std::optional<term::PrinterApiClient> printer_;
  std::optional<term::VendorClient> vendor_;
  std::vector<std::string> pts_;
  int charges_ = 0;
};

// PWT (S11-S13, S31-S37): rotated on PT issue, accepted until its period ends, refused from then on, and
// the tag carries the next one.
class TokenPwtCase final : public TokenCase {
 public:
  using TokenCase::TokenCase;

 private:
  // Each cycle presents two PWTs that must be refused. After enough cycles they would spend the printer's
  // wrong-PWT allowance and it would lock PWT authentication (correct behaviour, but not this case's
  // subject): the operator power-cycles the printer first, as in a lab.
  void power_cycle(CycleContext& c) {
    if (!bench_->power_cycle_printer(t(c)))
      throw BenchError("pwt-locked", "the printer locks PWT authentication after " +
                                         std::to_string(wrong_pwts_) +
                                         " deliberately wrong PWTs and this bench cannot power-cycle it");
    c.note("printer_power_cycled", "after " + std::to_string(wrong_pwts_) + " deliberately wrong PWTs");
    wrong_pwts_ = 0;
    printer_.emplace(bench_->printer_url(), bench_->printer_tls(),
                     bench_->phone_link());  // a restart may move printerd to another free port
  }

  void cycle(CycleContext& c) override {
    const int allowance = bench_->wrong_pwt_allowance();
    if (allowance > 0 && wrong_pwts_ + 2 >= allowance) power_cycle(c);
    std::string pwt0 = tap(c);
    auto first = printer_->issue_pt(pwt0, kOwner, t(c));
    if (!first.ok() && first.error == "pwt_locked") {  // an allowance the bench does not know
      power_cycle(c);
      pwt0 = tap(c);
      first = printer_->issue_pt(pwt0, kOwner, t(c));
    }
    const auto& pt0 = must_accept(first, c, "pwt", "refused-before-expiry", "pwt-refused-from-tag",
                                  "PT issue with the PWT just read from the tag");
    pts_.push_back(pt0.pt);
    secret(c, pt0.pt);
    // S33: the PT issue rotated the PWT now (the frozen instant T); the tag is rewritten with the new one.
    const std::string pwt1 = tap_new_pwt(c, pwt0, "pwt-not-rotated-on-pt-issue",
                                         "the tag still carries the PWT a PT was issued for");
    c.mark("issued");
    ++wrong_pwts_;
    must_refuse(printer_->issue_pt(pwt0, kOwner, t(c)), c, "pwt", "accepted-after-rotation",
                "pwt-accepted-after-pt-issue", "a PWT already traded for a PT", 401, {"unauthenticated"});

    advance(lives_.pwt - 1ms);
    const auto& pt1 = must_accept(printer_->issue_pt(pwt1, kOwner, t(c)), c, "pwt", "refused-before-expiry",
                                  "pwt-refused-before-expiry", "the PWT 1 ms before its period ends");
    pts_.push_back(pt1.pt);
    secret(c, pt1.pt);
    c.mark("accepted");
    const std::string pwt2 = tap_new_pwt(c, pwt1, "pwt-not-rotated-on-pt-issue",
                                         "the tag still carries the PWT a PT was issued for");
    c.mark("rotated");

    advance(lives_.pwt);
    ++wrong_pwts_;
    must_refuse(printer_->issue_pt(pwt2, kOwner, t(c)), c, "pwt", "accepted-after-expiry",
                "pwt-accepted-after-expiry", "the PWT at the end of its period", 401, {"unauthenticated"});
    // Rotated on schedule: the tag carries a new PWT, and it works.
    const std::string pwt3 = tap_new_pwt(c, pwt2, "pwt-not-rotated-on-schedule",
                                         "the tag still carries a PWT whose period has ended");
    const auto& pt3 = must_accept(printer_->issue_pt(pwt3, kOwner, t(c)), c, "pwt", "refused-before-expiry",
                                  "pwt-refused-after-rotation", "the PWT of the scheduled rotation");
    pts_.push_back(pt3.pt);
    secret(c, pt3.pt);
    c.mark("refused_after_life");
  }

  int wrong_pwts_ = 0;  // presented since the printer last booted (for the pwt_locked note)
};

// PT (S31-S41): accepted until it has been idle for its timeout, refused from then on; deleted only by
// the terminal it was issued to.
class TokenPtCase final : public TokenCase {
 public:
  using TokenCase::TokenCase;

 private:
  void cycle(CycleContext& c) override {
    const std::string pt = new_pt(c);
    c.mark("issued");
    advance(lives_.pt_idle - 1ms);
    must_accept(printer_->registration(pt, t(c)), c, "pt", "refused-before-expiry",
                "pt-refused-before-idle-expiry", "the PT 1 ms before its idle timeout");
    c.mark("accepted");

    const auto foreign = printer_->delete_pt(pt, kStranger, t(c));
    must_refuse(foreign, c, "pt", "", "pt-deleted-by-non-owner", "PT delete by another terminal", 403,
                {"not_owner"});
    must_accept(printer_->registration(pt, t(c)), c, "pt", "", "pt-lost-after-foreign-delete",
                "the PT after another terminal's delete was refused");
    c.mark("foreign_delete_refused");

    advance(lives_.pt_idle);  // idle since the last use
    must_refuse(printer_->registration(pt, t(c)), c, "pt", "accepted-after-expiry",
                "pt-accepted-after-idle-expiry", "the PT idle for its timeout", 401, {"unauthenticated"});
    // The owner deletes its PT; it is refused from then on.
    const std::string owned = new_pt(c);
    const auto& deleted = must_accept(printer_->delete_pt(owned, kOwner, t(c)), c, "pt", "",
                                      "pt-owner-delete-refused", "PT delete by its owner");
    if (!deleted)
      throw CaseFailure("pt-owner-delete-refused", "PT delete by its owner answered deleted=false");
    must_refuse(printer_->registration(owned, t(c)), c, "pt", "accepted-after-expiry",
                "pt-accepted-after-delete", "a deleted PT", 401, {"unauthenticated"});
    c.mark("refused_after_life");
  }
};

// ST (S53-S65, S99-S111): the printer's server token has no lifetime; the server accepts it until it revokes
// it (vendord revoke-st), and refuses it from then on. The printer's own sync (printerd's API with a PT)
// shows both: reported=true before, printerd's 502 server_failed naming vendord's 401 token_unknown after.
// A printer whose ST is revoked cannot register again under its device ID, so the case leaves a factory-
// reset printer (new device ID, unregistered, zero pages) for the cases after it.
class TokenStCase final : public TokenCase {
 public:
  using TokenCase::TokenCase;

  void run_cycle(CycleContext& c) override {
    try {
      TokenCase::run_cycle(c);
    } catch (...) {
      restore_printer();
      throw;
    }
    restore_printer();
  }
  void recover(StepContext& step) override {
    restore_printer();
    TokenCase::recover(step);
  }
  void teardown(StepContext& step) override {
    restore_printer();
    TokenCase::teardown(step);
  }

 private:
  static constexpr std::chrono::seconds kResetTimeout{20};

  // printerd's 502 server_failed whose detail is vendord's refusal of the ST (HTTP 401).
  template <class T>
  static bool st_refused(const term::Reply<T>& r) {
    return !r.ok() && r.error == "server_failed" && r.detail.find("HTTP 401") != std::string::npos;
  }

  void cycle(CycleContext& c) override {
    const std::string pt = registered_pt(c);  // S61: the printer holds its ST
    c.mark("issued");

    const auto before = printer_->sync(pt, kOwner, t(c));
    if (st_refused(before)) {
      c.token_violation("st", "refused-before-revoke");
      throw CaseFailure("st-refused-while-valid", "the printer's sync with its unrevoked ST: refused with " +
                                                      describe(before.status, before.error, before.detail));
    }
    const auto& synced = must_accept(before, c, "st", "", "st-refused-while-valid",
                                     "the printer's sync with its unrevoked ST");
    if (!synced.reported)
      throw CaseFailure("st-refused-while-valid", "the printer's sync with its unrevoked ST reported=false");
    c.mark("accepted");

    if (!bench_->revoke_printer_st(t(c)))
      throw CaseSkip(
          "token-st needs a bench that can revoke the printer's ST at the server (vendord revoke-st)");
    revoked_ = true;
    c.note("revoked", "the server revoked the printer's server token (vendord revoke-st)");

    const auto after = printer_->sync(pt, kOwner, t(c));
    if (after.ok()) {
      c.token_violation("st", "accepted-after-revoke");
      throw CaseFailure("st-accepted-after-revoke",
                        std::string("the printer's sync after its ST was revoked: ") +
                            (after.value->reported ? "reported=true" : "accepted"));
    }
    if (!st_refused(after)) {
      bench_problems(after, "the printer's sync after its ST was revoked");
      throw CaseFailure("st-wrong-refusal",
                        "the printer's sync after its ST was revoked: refused with " +
                            describe(after.status, after.error, after.detail) +
                            ", expected HTTP 502 server_failed naming vendord's HTTP 401");
    }
    if (after.detail.find("token_unknown") == std::string::npos) {
      throw CaseFailure("st-wrong-refusal", "the printer's sync after its ST was revoked: " +
                                                describe(after.status, after.error, after.detail) +
                                                ", expected vendord's 401 token_unknown");
    }
    c.note("refused_after_revocation", after.detail);
    c.mark("refused_after_life");
  }

  // The revoked printer is replaced by a new one (best effort in recover/teardown; a failure shows in the
  // next case's setup, which brings the printer back itself when its tag offers no PWT).
  void restore_printer() {
    if (!revoked_ || !bench_) return;
    revoked_ = false;
    try {
      if (bench_->factory_reset_printer(kResetTimeout))
        printer_.emplace(bench_->printer_url(), bench_->printer_tls(), bench_->phone_link());
    } catch (const std::exception&) {
      // the bench is going away, or the next case's setup brings the printer back
    }
    pts_.clear();  // they belonged to the printer that was reset
  }

  bool revoked_ = false;
};

// SVWT (S67-S81): single use at vendord, accepted until its TTL, refused from then on.
class TokenSvwtCase final : public TokenCase {
 public:
  using TokenCase::TokenCase;

 private:
  void cycle(CycleContext& c) override {
    const std::string pt = registered_pt(c);
    const std::string first = svwt(c, pt);
    c.mark("issued");
    must_accept(vendor_->svt(first, kPhone, t(c)), c, "svwt", "refused-before-expiry",
                "svwt-refused-when-fresh", "SVT request with the SVWT the printer handed out");
    c.mark("accepted");
    must_refuse(vendor_->svt(first, kPhone, t(c)), c, "svwt", "replay-accepted", "svwt-replay-accepted",
                "the same SVWT redeemed a second time", 409, {"token_already_used"});
    c.mark("replay_refused");

    // Two SVWTs issued now (the clock is frozen): one redeemed 1 ms before its TTL ends, one at its end.
    const std::string before = svwt(c, pt);
    const std::string at_end = svwt(c, pt);
    advance(lives_.svwt - 1ms);
    must_accept(vendor_->svt(before, kPhone, t(c)), c, "svwt", "refused-before-expiry",
                "svwt-refused-before-expiry", "an SVWT 1 ms before its TTL ends");
    advance(1ms);
    must_refuse(vendor_->svt(at_end, kPhone, t(c)), c, "svwt", "accepted-after-expiry",
                "svwt-accepted-after-expiry", "an SVWT at the end of its TTL", 401, {"token_expired"});
    c.mark("refused_after_life");
  }
};

// SVT (S77-S83, S118): opens the printer's pages and calls, refused once idle for its timeout.
class TokenSvtCase final : public TokenCase {
 public:
  using TokenCase::TokenCase;

 private:
  void cycle(CycleContext& c) override {
    const auto grant = svt(c, registered_pt(c));
    c.mark("issued");
    advance(lives_.svt_idle - 1ms);
    const auto page = vendor_->open_page(grant.charge_url, t(c));
    if (page.status != 200) {
      c.token_violation("svt", "refused-before-expiry");
      throw CaseFailure("svt-page-refused",
                        "the charge page opened with the SVT 1 ms before its idle timeout: "
                        "HTTP " +
                            std::to_string(page.status));
    }
    must_accept(vendor_->device(grant.svt, t(c)), c, "svt", "refused-before-expiry",
                "svt-refused-before-idle-expiry", "the SVT 1 ms before its idle timeout");
    c.mark("accepted");
    advance(lives_.svt_idle);  // idle since the last use
    must_refuse(vendor_->device(grant.svt, t(c)), c, "svt", "accepted-after-expiry",
                "svt-accepted-after-idle-expiry", "the SVT idle for its timeout", 401,
                {"token_idle_expired", "token_expired"});
    c.mark("refused_after_life");
  }
};

// CWT (S85-S97): exactly one redemption among concurrent redeemers, replay refused, refused after its TTL.
class TokenCwtCase final : public TokenCase {
 public:
  using TokenCase::TokenCase;

 private:
  static constexpr int kRacers = 4;  // small: vendord counts the losers' refusals against the rig's address

  void cycle(CycleContext& c) override {
    const auto grant = svt(c, registered_pt(c));
    const auto& cwt = must_accept(vendor_->free_charge(grant.svt, t(c)), c, "svt", "", "free-charge-refused",
                                  "a free charge with a fresh SVT");
    secret(c, cwt.cwt);
    c.mark("issued");

    std::atomic<int> accepted{0}, already_used{0};
    std::vector<std::string> other;  // other answers, one per racer at most
    std::mutex other_mutex;
    const milliseconds timeout = t(c);
    std::vector<std::thread> racers;
    for (int i = 0; i < kRacers; ++i) {
      racers.emplace_back([&] {
        try {
          const auto r = vendor_->charge(cwt.cwt, timeout);
          if (r.ok()) {
            ++accepted;
          } else if (r.status == 409 && r.error == "token_already_used") {
            ++already_used;
          } else {
            std::lock_guard l(other_mutex);
            other.push_back(describe(r.status, r.error, r.detail));
          }
        } catch (const std::exception& e) {
          std::lock_guard l(other_mutex);
          other.push_back(std::string("transport: ") + e.what());
        }
      });
    }
    for (auto& r : racers)
      r.join();
    if (accepted > 1) {
      c.token_violation("cwt", "replay-accepted", static_cast<std::uint64_t>(accepted - 1));
      throw CaseFailure("cwt-redeemed-more-than-once", "one CWT redeemed by " +
                                                           std::to_string(accepted.load()) + " of " +
                                                           std::to_string(kRacers) + " concurrent terminals");
    }
    if (!other.empty()) {
      if (other.front().rfind("transport: ", 0) == 0) throw BenchError("terminal-transport", other.front());
      throw CaseFailure("cwt-wrong-refusal", "a concurrent redemption was refused with " + other.front() +
                                                 ", expected HTTP 409 token_already_used");
    }
    if (accepted == 0) {
      c.token_violation("cwt", "refused-before-expiry");
      throw CaseFailure("cwt-not-redeemed", "none of " + std::to_string(kRacers) +
                                                " concurrent redemptions of a fresh CWT succeeded");
    }
    c.mark("redeemed_once");
    must_refuse(vendor_->charge(cwt.cwt, t(c)), c, "cwt", "replay-accepted", "cwt-replay-accepted",
                "a redeemed CWT replayed", 409, {"token_already_used"});
    c.mark("replay_refused");

    // Two CWTs issued now (the clock is frozen): one redeemed 1 ms before its TTL ends, one at its end.
    const auto& before = must_accept(vendor_->free_charge(grant.svt, t(c)), c, "svt", "",
                                     "free-charge-refused", "a second free charge with the SVT");
    secret(c, before.cwt);
    const auto& at_end = must_accept(vendor_->free_charge(grant.svt, t(c)), c, "svt", "",
                                     "free-charge-refused", "a third free charge with the SVT");
    secret(c, at_end.cwt);
    advance(lives_.cwt - 1ms);
    must_accept(vendor_->charge(before.cwt, t(c)), c, "cwt", "refused-before-expiry",
                "cwt-refused-before-expiry", "a CWT 1 ms before its TTL ends");
    advance(1ms);
    must_refuse(vendor_->charge(at_end.cwt, t(c)), c, "cwt", "accepted-after-expiry",
                "cwt-accepted-after-expiry", "a CWT at the end of its TTL", 401, {"token_expired"});
    c.mark("refused_after_life");
  }
};

template <class C>
CaseFactory factory_of(TokenBenchFactory bench, std::string id) {
  return [bench = std::move(bench), id = std::move(id)](const CaseEnvironment& env) -> std::unique_ptr<Case> {
    return std::make_unique<C>(env, bench, id);
  };
}

}  // namespace

void register_token_cases(CaseRegistry& registry, TokenBenchFactory factory) {
  const std::vector<Role> needs = {Role::kPhoneReader, Role::kServer, Role::kPrinter};
  registry.add({"token-pwt",
                "PWT: accepted in its period, refused after it, rotated on schedule and on PT issue",
                "S11-S13, S31-S37",
                {"issued", "accepted", "rotated", "refused_after_life"},
                needs},
               factory_of<TokenPwtCase>(factory, "token-pwt"));
  registry.add({"token-pt",
                "PT: works until idle for its timeout, refused after; deleted only by its owner",
                "S31-S41",
                {"issued", "accepted", "foreign_delete_refused", "refused_after_life"},
                needs},
               factory_of<TokenPtCase>(factory, "token-pt"));
  registry.add({"token-st",
                "ST: the printer's server calls accepted, refused once the server revokes it",
                "S53-S65, S99-S111",
                {"issued", "accepted", "refused_after_life"},
                needs},
               factory_of<TokenStCase>(factory, "token-st"));
  registry.add({"token-svwt",
                "SVWT: single use (replay refused), accepted until its TTL, refused at it",
                "S67-S81",
                {"issued", "accepted", "replay_refused", "refused_after_life"},
                needs},
               factory_of<TokenSvwtCase>(factory, "token-svwt"));
  registry.add({"token-svt",
                "SVT: opens the printer's pages until idle for its timeout, refused after",
                "S77-S83, S118",
                {"issued", "accepted", "refused_after_life"},
                needs},
               factory_of<TokenSvtCase>(factory, "token-svt"));
  registry.add({"token-cwt",
                "CWT: exactly one grant under concurrent redemption, replay refused, refused at its TTL",
                "S85-S97",
                {"issued", "redeemed_once", "replay_refused", "refused_after_life"},
                needs},
               factory_of<TokenCwtCase>(factory, "token-cwt"));
}

}  // namespace tapbench::rig
