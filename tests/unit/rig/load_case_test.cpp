// The load case's token checks with in-process fake parties (Fake…): a correct system gives no violation,
// a system that refuses a live PT or accepts an expired CWT gives one, counted through the cycle, and the
// case FAILs. The fake clocks make every decision certain, and every run is a fixed number of actions per
// terminal with no think time: no wall-clock timing is asserted or waited for.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>

#include "rig/bench/bench_loader.hpp"
#include "rig/cases/load_case.hpp"
#include "rig/cases/load_engine.hpp"

using namespace tapbench;
using namespace tapbench::rig;
using namespace std::chrono_literals;
using load::Identity;
using load::Judgement;
using load::Window;
using terminal::ms;
using terminal::Reply;

namespace {

// A clock that moves 1 s forward at every read: each request's window is 1 s wide and later requests are
// later, so a token held across a few requests is certainly older than a sub-second lifetime.
class FakeSteppingClock final : public Clock {
 public:
  MonotonicTime monotonic_now() const override { return MonotonicTime(1s * ++reads_); }
  SystemTime system_now() const override { return SystemTime(1s * ++reads_); }

 private:
  mutable std::atomic<std::int64_t> reads_{1'000'000};
};

template <class T>
Reply<T> accepted(T v) {
  Reply<T> r;
  r.status = 200;
  r.value = std::move(v);
  return r;
}

template <class T>
Reply<T> refused(int status, std::string error) {
  Reply<T> r;
  r.status = status;
  r.error = std::move(error);
  return r;
}

// Answers like a correct printer and server: fresh tokens, single-use tokens redeemed once, a deleted PT
// refused. Lifetimes are never enforced (the tests give the rig lifetimes only where a fault is injected).
class FakeParties : public load::LoadParties {
 public:
  explicit FakeParties(const Clock& clock) : clock_(clock) {}
  const Clock& token_clock() const override { return clock_; }
  std::optional<std::string> tap_pwt(ms) override { return "pwt-" + std::to_string(pwt_); }
  Reply<terminal::PtGrant> issue_pt(const std::string& pwt, const Identity& who, ms) override {
    std::lock_guard lk(mu_);
    if (pwt != "pwt-" + std::to_string(pwt_)) return refused<terminal::PtGrant>(401, "unauthenticated");
    ++pwt_;  // S33: rotates on a PT issue
    const std::string pt = "pt-" + std::to_string(++n_);
    live_pts_.insert(pt);
    return accepted(terminal::PtGrant{pt, who.id});
  }
  Reply<terminal::SyncResult> sync(const std::string& pt, const Identity&, ms) override {
    if (!pt_live(pt)) return refused<terminal::SyncResult>(401, "unauthenticated");
    return accepted(terminal::SyncResult{0, 10, true, true});
  }
  Reply<std::string> request_svwt(const std::string& pt, const Identity&, ms) override {
    if (!pt_live(pt)) return refused<std::string>(401, "unauthenticated");
    std::lock_guard lk(mu_);
    return accepted("svwt-" + std::to_string(++n_));
  }
  Reply<bool> delete_pt(const std::string& pt, const Identity&, ms) override {
    std::lock_guard lk(mu_);
    if (!live_pts_.erase(pt)) return refused<bool>(401, "unauthenticated");
    return accepted(true);
  }
  Reply<bool> authorise_print(const std::string& pwt, const Identity&, ms) override {
    if (pwt != "pwt-" + std::to_string(pwt_)) return refused<bool>(0x0402, "client-error-not-authenticated");
    return accepted(true);
  }
  Reply<terminal::SvtGrant> svt(const std::string& svwt, const Identity&, ms) override {
    if (!use_once(svwt)) return refused<terminal::SvtGrant>(409, "token_already_used");
    std::lock_guard lk(mu_);
    return accepted(terminal::SvtGrant{"svt-" + std::to_string(++n_), "dv1", {}, {}});
  }
  Reply<terminal::CwtGrant> paid_charge(const std::string&, std::int64_t pages, const std::string&,
                                        const Identity&, ms) override {
    terminal::CwtGrant g;
    std::lock_guard lk(mu_);
    g.cwt = "cwt-" + std::to_string(++n_);
    g.pages = pages;
    return accepted(g);
  }
  Reply<terminal::ChargeResult> charge(const std::string& cwt, const Identity&, ms) override {
    if (!use_once(cwt)) return refused<terminal::ChargeResult>(409, "token_already_used");
    return accepted(terminal::ChargeResult{"dv1", 2, 1, "paid"});
  }
  Reply<terminal::DeviceInfo> device(const std::string&, const Identity&, ms) override {
    return accepted(terminal::DeviceInfo{});
  }

 protected:
  bool pt_live(const std::string& pt) {
    std::lock_guard lk(mu_);
    return live_pts_.count(pt) > 0;
  }
  bool use_once(const std::string& token) {
    std::lock_guard lk(mu_);
    return used_.insert(token).second;
  }

  const Clock& clock_;
  std::mutex mu_;
  std::atomic<int> pwt_{1};
  int n_ = 0;
  std::set<std::string> live_pts_, used_;
};

// Refuses a PT the moment after it issued it, as if its idle timeout were zero.
class FakePartiesRefusingLivePt final : public FakeParties {
 public:
  using FakeParties::FakeParties;
  Reply<terminal::SyncResult> sync(const std::string&, const Identity&, ms) override {
    return refused<terminal::SyncResult>(401, "unauthenticated");
  }
};

// Watches the one tag: reads that overlap (one phone reader), and PWTs presented after a PT issue rotated
// them (what would spend the printer's wrong-PWT allowance).
class FakePartiesWatchingTheTag final : public FakeParties {
 public:
  using FakeParties::FakeParties;
  std::optional<std::string> tap_pwt(ms t) override {
    if (++reading_ > 1) ++overlapping_reads;
    auto pwt = FakeParties::tap_pwt(t);
    --reading_;
    return pwt;
  }
  Reply<terminal::PtGrant> issue_pt(const std::string& pwt, const Identity& who, ms t) override {
    auto r = FakeParties::issue_pt(pwt, who, t);
    if (!r.ok()) ++stale_pwts;
    return r;
  }
  Reply<bool> authorise_print(const std::string& pwt, const Identity& who, ms t) override {
    auto r = FakeParties::authorise_print(pwt, who, t);
    if (!r.ok()) ++stale_pwts;
    ++prints;
    return r;
  }
  std::atomic<int> overlapping_reads{0}, stale_pwts{0}, prints{0};

 private:
  std::atomic<int> reading_{0};
};

constexpr int kActions = 6;  // per terminal

load::LoadOptions small(std::map<std::string, int> mix) {
  load::LoadOptions o;
  o.terminals = 4;
  o.ramp_up = 0ms;
  o.duration = 10min;  // a bound only: the run ends when every terminal did its kActions
  o.actions_per_terminal = kActions;
  o.think_time = 0ms;
  o.workers = 2;
  o.mix = std::move(mix);
  return o;
}

}  // namespace

TEST_CASE("judge: certain expiry, certain life, and the round trips' uncertainty") {
  const MonotonicTime t0{};
  const Window issued{t0, t0 + 10ms};
  // Presented 100 ms after the answer: certainly expired for a 50 ms lifetime.
  CHECK(load::judge(true, issued, {t0 + 110ms, t0 + 120ms}, 50ms) == Judgement::violation);
  CHECK(load::judge(false, issued, {t0 + 110ms, t0 + 120ms}, 50ms) == Judgement::consistent);
  // Answered 30 ms after the issue request was sent: certainly alive for a 50 ms lifetime.
  CHECK(load::judge(false, issued, {t0 + 20ms, t0 + 30ms}, 50ms) == Judgement::violation);
  CHECK(load::judge(true, issued, {t0 + 20ms, t0 + 30ms}, 50ms) == Judgement::consistent);
  // The boundary falls inside the round trips: never a violation either way.
  CHECK(load::judge(true, issued, {t0 + 45ms, t0 + 55ms}, 50ms) == Judgement::undecidable);
  CHECK(load::judge(false, issued, {t0 + 45ms, t0 + 55ms}, 50ms) == Judgement::undecidable);
  // Exactly at the lifetime counts as expired (tokens are refused at issue + lifetime).
  CHECK(load::judge(true, issued, {t0 + 60ms, t0 + 60ms}, 50ms) == Judgement::violation);
}

TEST_CASE("a correct system: every decision checked, no violation") {
  ManualClock clock;  // frozen: every window is exact
  FakeParties parties(clock);
  load::LoadLifetimes life;
  life.pt_idle = 10min;
  life.svt_idle = 10min;
  life.cwt_ttl = 10min;
  life.pwt_period = 10min;
  std::atomic<int> violations{0};
  load::LoadHooks hooks;
  hooks.violation = [&](const std::string&, const std::string&) { ++violations; };
  const auto r = load::run_load(parties, small({}), life, hooks);
  CHECK(r.terminals_active == 4);
  CHECK(r.actions == 4 * kActions);
  CHECK(r.decisions_checked > 0);
  CHECK(r.violation_total() == 0);
  CHECK(violations == 0);
  CHECK(r.transport_errors == 0);
}

TEST_CASE(
    "taps and prints share one tag: reads one at a time, no PWT presented after a PT issue rotated it") {
  ManualClock clock;
  FakePartiesWatchingTheTag parties(clock);
  load::LoadOptions o = small({{"tap", 1}, {"print", 1}});
  o.terminals = 16;
  o.workers = 8;  // prints share the tag, taps hold it alone: many workers race for it
  const auto r = load::run_load(parties, o, load::LoadLifetimes{}, {});
  CHECK(r.terminals_active == 16);
  CHECK(r.actions == 16 * kActions);
  CHECK(parties.prints > 0);
  CHECK(r.by_action.count("tap") == 1);
  CHECK(parties.overlapping_reads == 0);
  CHECK(parties.stale_pwts == 0);  // every PWT was still the live one when presented
  CHECK(r.violation_total() == 0);
}

TEST_CASE("a PT refused while alive is a violation") {
  ManualClock clock;
  FakePartiesRefusingLivePt parties(clock);
  load::LoadLifetimes life;
  life.pt_idle = 10min;
  std::atomic<int> seen{0};
  load::LoadHooks hooks;
  hooks.violation = [&](const std::string& token, const std::string& v) {
    if (token == "pt" && v == "refused-before-expiry") ++seen;
  };
  const auto r = load::run_load(parties, small({{"tap", 1}}), life, hooks);
  REQUIRE(r.violations.count("pt refused-before-expiry") == 1);
  CHECK(r.violations.at("pt refused-before-expiry") >= 1);
  CHECK(seen == static_cast<int>(r.violations.at("pt refused-before-expiry")));
}

TEST_CASE("a CWT accepted after its TTL is a violation; without a configured TTL it is not judged") {
  FakeSteppingClock clock;
  FakeParties parties(clock);
  load::LoadLifetimes life;
  life.cwt_ttl = 500ms;  // shorter than one step of the clock
  const auto r = load::run_load(parties, small({{"charge", 1}}), life, {});
  REQUIRE(r.violations.count("cwt accepted-after-expiry") == 1);
  CHECK(r.violations.size() == 1);  // the replay was refused: no replay violation

  FakeParties again(clock);
  const auto unjudged = load::run_load(again, small({{"charge", 1}}), load::LoadLifetimes{}, {});
  CHECK(unjudged.violation_total() == 0);
}

TEST_CASE("the load case FAILs on a violation, counts it in the cycle and notes the figures") {
  Bench bench = load_bench("sim");
  SuiteCase suite_case;
  suite_case.id = "load";
  Lifetimes lifetimes;
  lifetimes.printer.pt_idle = 10min;
  LoadShape shape;
  shape.terminals = 3;
  shape.ramp_up = 0ms;
  shape.duration = 10min;  // a bound only
  shape.actions_per_terminal = kActions;
  shape.think_time = 0ms;
  shape.mix = {{"tap", 1}};
  ManualClock token_clock;
  const CaseEnvironment env{RealClock::instance(), bench, suite_case, lifetimes, &shape, {}};
  auto c = make_load_case(env, [&](const CaseEnvironment&, StepContext&) {
    return std::make_unique<FakePartiesRefusingLivePt>(token_clock);
  });
  SecretRegistry secrets;
  StepContext step(RealClock::instance(), "setup", 10s, secrets);
  c->setup(step);
  Timeouts timeouts;
  const std::vector<std::string> phases = {"ramped_up", "held", "drained"};  // the context keeps a reference
  CycleContext cycle(RealClock::instance(), "load", phases, timeouts, 1, 1, secrets);
  bool failed = false;
  try {
    c->run_cycle(cycle);
  } catch (const CaseFailure& e) {
    failed = true;
    CHECK(e.failure_class() == "token-violation");
    CHECK(std::string(e.what()).find("pt refused-before-expiry") != std::string::npos);
  }
  CHECK(failed);
  const auto counted = cycle.token_violations();
  REQUIRE(counted.size() == 1);
  CHECK(counted[0].token == "pt");
  CHECK(counted[0].violation == "refused-before-expiry");
  CHECK(counted[0].count >= 1);
  std::map<std::string, std::string> notes(cycle.notes().begin(), cycle.notes().end());
  CHECK(notes.at("terminals") == "3");
  CHECK(notes.at("violations") == std::to_string(counted[0].count));
  CHECK(notes.count("rig_rss") == 1);
  CHECK(notes.count("throughput") == 1);
}
