#include "rig/cases/load_engine.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <limits>
#include <mutex>
#include <queue>
#include <random>
#include <shared_mutex>
#include <sstream>
#include <thread>

#include "rig/terminal/reply.hpp"

namespace tapbench::rig::load {
namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::nanoseconds;

constexpr int kIppNotAuthenticated = 0x0402;

// The one tag, as the terminals share it. A tap's PT issue rotates the PWT (S33), so a tap holds the tag
// alone from its read to the issue; a print only presents the PWT it read (Validate-Job rotates nothing),
// so prints hold it together — each print's read is still one at a time (one reader in the field), but
// their authorisations overlap. Either way a PWT is presented only while no PT issue can have rotated it
// (the printer's wrong-PWT allowance is never spent). A waiting tap stops new prints from entering, so taps
// are not starved by a stream of prints.
class TagGate {
 public:
  void lock() {
    std::unique_lock lk(mu_);
    ++taps_waiting_;
    cv_.wait(lk, [&] { return !tap_ && prints_ == 0; });
    --taps_waiting_;
    tap_ = true;
  }
  void unlock() {
    {
      std::lock_guard lk(mu_);
      tap_ = false;
    }
    cv_.notify_all();
  }
  void lock_shared() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !tap_ && taps_waiting_ == 0; });
    ++prints_;
  }
  void unlock_shared() {
    bool last = false;
    {
      std::lock_guard lk(mu_);
      last = --prints_ == 0;
    }
    if (last) cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int prints_ = 0;
  int taps_waiting_ = 0;
  bool tap_ = false;
};

// Schedule lags in fixed buckets (0.1 ms below 1 s, 10 ms up to 120 s, one overflow bucket): memory stays
// the same however long the load holds (a soak runs hundreds of thousands of actions; keeping every sample
// grew the rig by 8 bytes per action). The p99 is a bucket's upper edge, so it errs late by at most 0.1 ms
// (10 ms above 1 s); the max is exact. (No Debian package carries HdrHistogram for C++.)
class LagHistogram {
 public:
  void add(double ms) {
    ++counts_[index(ms)];
    ++n_;
    max_ = std::max(max_, ms);
  }
  std::uint64_t count() const { return n_; }
  double max() const { return max_; }
  double quantile(double q) const {
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n_)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= std::max<std::uint64_t>(rank, 1)) return std::min(upper_edge(i), max_);
    }
    return max_;
  }

 private:
  static constexpr std::size_t kFine = 10'000;    // 0.1 ms buckets: [0, 1000) ms
  static constexpr std::size_t kCoarse = 11'900;  // 10 ms buckets: [1 s, 120 s)
  static std::size_t index(double ms) {
    if (ms < 0) ms = 0;
    if (ms < 1000) return static_cast<std::size_t>(ms * 10);
    const auto coarse = static_cast<std::size_t>((ms - 1000) / 10);
    return kFine + std::min(coarse, kCoarse);  // kFine + kCoarse: overflow
  }
  static double upper_edge(std::size_t i) {
    if (i < kFine) return static_cast<double>(i + 1) / 10;
    if (i < kFine + kCoarse) return 1000 + static_cast<double>(i - kFine + 1) * 10;
    return std::numeric_limits<double>::infinity();
  }
  std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(kFine + kCoarse + 1, 0);  // 176 kB
  std::uint64_t n_ = 0;
  double max_ = 0;
};

struct Held {
  std::string token;
  Window since;  // issued or last accepted
};

struct Terminal {
  Identity who;
  std::mt19937 rng;
  std::optional<Held> svt;
  std::optional<Held> cwt;  // a CWT kept for the next charge action (redeemed one think time later)
  std::uint64_t charges = 0;
  int actions = 0;
  bool started = false;
  bool active = false;
};

// A token refusal (the token itself was judged bad) as opposed to a refusal for another reason.
template <class T>
bool token_refused(const Reply<T>& r) {
  return r.status == 401 || r.status == kIppNotAuthenticated || r.error == "token_already_used";
}

class Engine {
 public:
  Engine(LoadParties& p, const LoadOptions& o, const LoadLifetimes& l, const LoadHooks& h)
      : parties_(p), opt_(o), life_(l), hooks_(h) {
    for (const auto& [action, weight] : opt_.mix) {
      if (weight > 0) weights_.emplace_back(action, weight);
    }
    if (weights_.empty()) weights_ = {{"tap", 1}, {"print", 1}, {"charge", 1}, {"exchange", 1}};
    for (const auto& w : weights_)
      weight_sum_ += w.second;
    terminals_.resize(static_cast<std::size_t>(opt_.terminals));
    for (int i = 0; i < opt_.terminals; ++i) {
      auto& t = terminals_[static_cast<std::size_t>(i)];
      char id[32];
      std::snprintf(id, sizeof id, "load-%05d", i + 1);
      t.who.id = id;
      // 127.1.0.1 … : every terminal its own client address (the whole of 127/8 is loopback on Linux).
      const int n = i + 1;
      t.who.source_address = "127.1." + std::to_string(n / 250) + "." + std::to_string(n % 250 + 1);
      t.rng.seed(static_cast<std::uint32_t>(0x9e3779b9u * static_cast<std::uint32_t>(n)));
    }
  }

  LoadReport run() {
    const auto start = Steady::now();
    const auto ramp = std::chrono::duration_cast<nanoseconds>(opt_.ramp_up);
    for (int i = 0; i < opt_.terminals; ++i) {
      const auto offset = opt_.terminals > 1 ? ramp * i / (opt_.terminals - 1) : nanoseconds(0);
      queue_.push({start + offset, i});
    }
    hold_end_ = start + ramp + std::chrono::duration_cast<nanoseconds>(opt_.duration);
    std::vector<std::thread> workers;
    const int n_workers = std::max(1, std::min(opt_.workers, opt_.terminals));
    for (int i = 0; i < n_workers; ++i)
      workers.emplace_back([this] { work(); });

    bool ramp_marked = false, hold_marked = false;
    std::exception_ptr stopped;
    try {
      for (;;) {
        {
          std::unique_lock lk(mu_);
          done_cv_.wait_for(lk, std::chrono::milliseconds(50),
                            [&] { return running_ == 0 || (!ramp_marked && started_ == opt_.terminals); });
          if (!ramp_marked && started_ == opt_.terminals) {
            ramp_marked = true;
            ramp_end_ = Steady::now();
            lk.unlock();
            if (hooks_.ramped_up) hooks_.ramped_up();
            lk.lock();
          }
          if (running_ == 0) break;
        }
        if (!hold_marked && Steady::now() >= hold_end_) {
          if (!ramp_marked) {  // the hold ended before every terminal started: phases stay in order, and the
            ramp_marked = true;  // terminals that never acted make the cycle "not sustained"
            ramp_end_ = Steady::now();
            if (hooks_.ramped_up) hooks_.ramped_up();
          }
          hold_marked = true;
          if (hooks_.held) hooks_.held();
        }
        if (hooks_.check) hooks_.check();
      }
    } catch (...) {
      stopped = std::current_exception();
    }
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers)
      w.join();
    if (stopped) std::rethrow_exception(stopped);
    if (!ramp_marked && hooks_.ramped_up) hooks_.ramped_up();
    if (!hold_marked && hooks_.held) hooks_.held();

    report_.terminals = opt_.terminals;
    report_.terminals_started = started_;
    report_.terminals_active = static_cast<int>(
        std::count_if(terminals_.begin(), terminals_.end(), [](const Terminal& t) { return t.active; }));
    report_.actions = actions_.load();
    report_.operations = operations_.load();
    report_.decisions_checked = checked_.load();
    report_.undecidable = undecidable_.load();
    report_.transport_errors = transport_.load();
    report_.tag_uses = tag_use_.n.load();
    report_.tag_use_mean_ms = tag_use_.mean_ms();
    report_.tag_read_mean_ms = tag_read_.mean_ms();
    report_.pt_issue_mean_ms = pt_issue_.mean_ms();
    report_.print_auth_mean_ms = print_auth_.mean_ms();
    report_.empty_tag_reads = parties_.empty_tag_reads();
    const auto end = Steady::now();
    report_.seconds = std::chrono::duration<double>(end - start).count();
    const auto hold_from = ramp_marked ? ramp_end_ : start + ramp;
    // With actions_per_terminal the hold may end before `duration`: when the last action did.
    const auto hold_to = std::min(end, hold_end_);
    report_.hold_seconds = std::max(0.0, std::chrono::duration<double>(hold_to - hold_from).count());
    if (lags_ms_.count() > 0) {
      report_.lag_p99_ms = lags_ms_.quantile(0.99);
      report_.lag_max_ms = lags_ms_.max();
    }
    return std::move(report_);
  }

 private:
  struct Due {
    Steady::time_point at;
    int terminal;
    bool operator>(const Due& o) const { return at > o.at; }
  };

  void work() {
    for (;;) {
      Due next{};
      {
        std::unique_lock lk(mu_);
        for (;;) {
          // Done when stopped, or when no terminal is queued and none is in an action (it would come back).
          if (stop_ || (queue_.empty() && in_flight_ == 0)) {
            if (--running_ == 0) done_cv_.notify_all();
            cv_.notify_all();
            return;
          }
          if (queue_.empty()) {
            cv_.wait(lk);
            continue;
          }
          const Due top = queue_.top();
          if (top.at > hold_end_) {  // the hold is over: this terminal does not start another action
            queue_.pop();
            continue;
          }
          if (Steady::now() >= top.at) {
            queue_.pop();
            next = top;
            ++in_flight_;
            break;
          }
          cv_.wait_until(lk, top.at);
        }
        auto& t = terminals_[static_cast<std::size_t>(next.terminal)];
        if (!t.started) {
          t.started = true;
          if (++started_ == opt_.terminals) done_cv_.notify_all();
        }
        lags_ms_.add(std::chrono::duration<double, std::milli>(Steady::now() - next.at).count());
      }
      auto& t = terminals_[static_cast<std::size_t>(next.terminal)];
      act(t);  // only this worker touches the terminal until it is queued again
      {
        std::lock_guard lk(mu_);
        t.active = true;
        --in_flight_;
        const bool more = opt_.actions_per_terminal <= 0 || ++t.actions < opt_.actions_per_terminal;
        if (more) queue_.push({Steady::now() + opt_.think_time, next.terminal});
      }
      cv_.notify_all();  // a new earliest terminal, or the last action of the run ended
    }
  }

  std::string pick(Terminal& t) {
    int r = std::uniform_int_distribution<int>(1, weight_sum_)(t.rng);
    for (const auto& [action, w] : weights_) {
      if ((r -= w) <= 0) return action;
    }
    return weights_.back().first;
  }

  void act(Terminal& t) {
    const std::string action = pick(t);
    ++actions_;
    count(report_.by_action, action);
    try {
      if (action == "tap") {
        tap(t);
      } else if (action == "print") {
        print(t);
      } else if (action == "charge") {
        charge_action(t);
      } else if (action == "exchange") {
        exchange(t);
      } else {
        count(report_.refusals, "unknown-action-" + action);
      }
    } catch (const std::exception& e) {  // no answer (transport), or the rig's reader failed
      if (transport_++ == 0) {
        std::lock_guard lk(stats_mu_);
        report_.first_transport_error = e.what();
      }
    }
  }

  // One request to a party, timed on the token clock.
  template <class F>
  auto call(Window& w, F f) {
    ++operations_;
    w.sent = parties_.token_clock().monotonic_now();
    auto r = f();
    w.received = parties_.token_clock().monotonic_now();
    return r;
  }

  void count(std::map<std::string, std::uint64_t>& m, const std::string& key, std::uint64_t n = 1) {
    std::lock_guard lk(stats_mu_);
    m[key] += n;
  }

  void violation(const std::string& token, const std::string& what) {
    count(report_.violations, token + " " + what);
    if (hooks_.violation) hooks_.violation(token, what);
  }

  // Judges a decision on a token against its lifetime. Returns whether the token is still usable.
  template <class T>
  bool decide(const std::string& kind, const Reply<T>& r, Held& held, const Window& use,
              const std::optional<nanoseconds>& lifetime, bool idle) {
    const bool accepted = r.ok();
    if (!accepted && !token_refused(r)) {
      count(report_.refusals, kind + " " + r.error);
      return true;  // refused for another reason: says nothing about the token
    }
    ++checked_;
    if (lifetime) {
      switch (judge(accepted, held.since, use, *lifetime)) {
        case Judgement::violation:
          violation(kind, accepted ? "accepted-after-expiry" : "refused-before-expiry");
          break;
        case Judgement::undecidable:
          ++undecidable_;
          break;
        case Judgement::consistent:
          break;
      }
    } else if (!accepted) {
      count(report_.refusals, kind + " refused (lifetime not configured: not judged)");
    }
    if (accepted && idle) held.since = use;  // an idle lifetime restarts at each accepted use
    if (!accepted) count(report_.refusals, kind + " " + r.error);
    return accepted;
  }

  // A single-use token presented again must be refused.
  template <class T>
  void replay(const std::string& kind, const Reply<T>& r) {
    ++checked_;
    if (r.ok()) violation(kind, "replay-accepted");
  }

  struct Timed {
    std::atomic<std::uint64_t> n{0}, ns{0};
    void add(Steady::time_point from) {
      ++n;
      ns += static_cast<std::uint64_t>(std::chrono::duration_cast<nanoseconds>(Steady::now() - from).count());
    }
    double mean_ms() const { return n ? static_cast<double>(ns) / static_cast<double>(n) / 1e6 : 0; }
  };

  // The PWT on the tag (a tap; serialized by the caller) and the window it was read in.
  std::optional<Held> read_tag() {
    Window w;
    const auto t0 = Steady::now();
    auto pwt = call(w, [&] { return parties_.tap_pwt(opt_.call_timeout); });
    tag_read_.add(t0);
    if (!pwt) {
      count(report_.refusals, "tag offers no PWT");
      return std::nullopt;
    }
    return Held{std::move(*pwt), w};
  }

  // A PWT decision: accepted only while it is the live one; refusals are not judged (the printer rotates on
  // its own schedule and the tag follows within its tick), but a refused PWT is never presented again.
  template <class T>
  void decide_pwt(const Reply<T>& r, const Held& pwt, const Window& use) {
    if (!r.ok() && !token_refused(r)) {
      count(report_.refusals, "pwt " + r.error);
      return;
    }
    ++checked_;
    if (r.ok()) {
      if (life_.pwt_period && use.sent - pwt.since.received >= *life_.pwt_period) {
        violation("pwt", "accepted-after-expiry");
      }
      for (const auto& [token, at] : burned_) {
        if (token == pwt.token && at <= use.sent) violation("pwt", "accepted-after-pt-issue");
      }
    } else {
      count(report_.refusals, "pwt refused (rotated on schedule; not judged)");
    }
  }

  // tap: read the tag, trade its PWT for this terminal's PT (S31-S35), sync (S99-S111), get the printer's
  // SVWT (S67-S75) and redeem it for an SVT (S77-S81), delete the PT (S39-S41).
  void tap(Terminal& t) {
    std::unique_lock slot(pt_slot_mu_);
    pt_slot_cv_.wait(slot, [&] { return pt_holders_ < opt_.pt_slots; });
    ++pt_holders_;
    slot.unlock();
    struct Release {
      Engine& e;
      ~Release() {
        {
          std::lock_guard lk(e.pt_slot_mu_);
          --e.pt_holders_;
        }
        e.pt_slot_cv_.notify_one();
      }
    } release{*this};

    std::optional<Held> pt;
    {
      std::lock_guard tag(tag_);
      const auto slot_start = Steady::now();
      struct Use {
        Timed& t;
        Steady::time_point from;
        ~Use() { t.add(from); }
      } use{tag_use_, slot_start};
      const auto pwt = read_tag();
      if (!pwt) return;
      Window w;
      const auto t0 = Steady::now();
      const auto issued = call(w, [&] { return parties_.issue_pt(pwt->token, t.who, opt_.call_timeout); });
      pt_issue_.add(t0);
      decide_pwt(issued, *pwt, w);
      if (!issued.ok()) return;
      burned_.emplace_back(pwt->token, w.received);  // S33: this PWT authenticates nothing from now on
      if (burned_.size() > 64) burned_.pop_front();  // the tag shows the newest; older ones are gone
      pt = Held{issued.value->pt, w};
    }
    Window w;
    auto synced = call(w, [&] { return parties_.sync(pt->token, t.who, opt_.call_timeout); });
    decide("pt", synced, *pt, w, life_.pt_idle, true);
    auto svwt = call(w, [&] { return parties_.request_svwt(pt->token, t.who, opt_.call_timeout); });
    if (decide("pt", svwt, *pt, w, life_.pt_idle, true) && svwt.ok()) {
      Held sv{*svwt.value, w};
      Window u;
      auto granted = call(u, [&] { return parties_.svt(sv.token, t.who, opt_.call_timeout); });
      // Issued before it was handed out: only "accepted after its TTL" can be told for certain.
      if (granted.ok() || token_refused(granted)) {
        ++checked_;
        if (granted.ok() && life_.svwt_ttl && u.sent - sv.since.received >= *life_.svwt_ttl) {
          violation("svwt", "accepted-after-expiry");
        }
      }
      if (granted.ok()) {
        t.svt = Held{granted.value->svt, u};
        replay("svwt", call(u, [&] { return parties_.svt(sv.token, t.who, opt_.call_timeout); }));
      } else {
        count(report_.refusals, "svwt " + granted.error);
      }
    }
    auto deleted = call(w, [&] { return parties_.delete_pt(pt->token, t.who, opt_.call_timeout); });
    if (decide("pt", deleted, *pt, w, life_.pt_idle, true) && deleted.ok()) {
      const auto after = call(w, [&] { return parties_.sync(pt->token, t.who, opt_.call_timeout); });
      ++checked_;
      if (after.ok()) violation("pt", "accepted-after-delete");
    }
  }

  // print: the print app taps and has the job authorised with the tag's PWT (Fig 8, S120-S121).
  void print(Terminal& t) {
    std::shared_lock tag(tag_);
    struct Use {
      Timed& t;
      Steady::time_point from;
      ~Use() { t.add(from); }
    } use{tag_use_, Steady::now()};
    std::optional<Held> pwt;
    {
      std::lock_guard reader(reader_mu_);  // one phone reader: the prints' reads take turns
      pwt = read_tag();
    }
    if (!pwt) return;
    Window w;
    const auto t0 = Steady::now();
    const auto r = call(w, [&] { return parties_.authorise_print(pwt->token, t.who, opt_.call_timeout); });
    print_auth_.add(t0);
    decide_pwt(r, *pwt, w);
  }

  // An SVT the terminal holds; a terminal without one gets it by a tap first.
  bool have_svt(Terminal& t) {
    if (!t.svt) tap(t);
    return t.svt.has_value();
  }

  // charge: redeem the CWT kept from the previous charge (S93-S97; its TTL runs across the think time),
  // else buy pages with the SVT (paid charge, S85-S89) and keep the CWT for next time.
  void charge_action(Terminal& t) {
    if (t.cwt) {
      Held cwt = std::move(*t.cwt);
      t.cwt.reset();
      Window w;
      const auto r = call(w, [&] { return parties_.charge(cwt.token, t.who, opt_.call_timeout); });
      decide("cwt", r, cwt, w, life_.cwt_ttl, false);
      if (r.ok())
        replay("cwt", call(w, [&] { return parties_.charge(cwt.token, t.who, opt_.call_timeout); }));
      return;
    }
    if (!have_svt(t)) return;
    Window w;
    const std::string request_id = t.who.id + "-" + std::to_string(++t.charges);
    const auto r = call(w, [&] {
      return parties_.paid_charge(t.svt->token, opt_.pages_per_charge, request_id, t.who, opt_.call_timeout);
    });
    if (!decide("svt", r, *t.svt, w, life_.svt_idle, true)) {
      t.svt.reset();
      return;
    }
    if (r.ok()) t.cwt = Held{r.value->cwt, w};
  }

  // exchange: the exchange page's device read with the SVT (S118: ink levels and notices).
  void exchange(Terminal& t) {
    if (!have_svt(t)) return;
    Window w;
    const auto r = call(w, [&] { return parties_.device(t.svt->token, t.who, opt_.call_timeout); });
    if (!decide("svt", r, *t.svt, w, life_.svt_idle, true)) t.svt.reset();
  }

  LoadParties& parties_;
  const LoadOptions& opt_;
  const LoadLifetimes& life_;
  const LoadHooks& hooks_;
  std::vector<std::pair<std::string, int>> weights_;
  int weight_sum_ = 0;
  std::vector<Terminal> terminals_;

  std::mutex mu_;  // queue_, started_, running_, stop_, lags_ms_, Terminal::started/active
  std::condition_variable cv_, done_cv_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> queue_;
  Steady::time_point hold_end_, ramp_end_;
  int started_ = 0;
  int in_flight_ = 0;  // terminals inside an action (they will be queued again)
  int running_ = std::max(1, std::min(opt_.workers, opt_.terminals));
  bool stop_ = false;
  LagHistogram lags_ms_;

  TagGate tag_;  // taps alone, prints together; burned_ is written by taps only (read under the shared side)
  std::mutex reader_mu_;                                      // the phone's reader: one read at a time
  std::deque<std::pair<std::string, MonotonicTime>> burned_;  // PWTs the last PT issues rotated away
  std::mutex pt_slot_mu_;
  std::condition_variable pt_slot_cv_;
  int pt_holders_ = 0;

  Timed tag_use_, tag_read_, pt_issue_, print_auth_;
  std::mutex stats_mu_;
  LoadReport report_;
  std::atomic<std::uint64_t> actions_{0}, operations_{0}, checked_{0}, undecidable_{0}, transport_{0};
};

}  // namespace

Judgement judge(bool accepted, Window since, Window use, nanoseconds lifetime) {
  const bool certainly_alive = use.received - since.sent < lifetime;
  const bool certainly_expired = use.sent - since.received >= lifetime;
  if (accepted && certainly_expired) return Judgement::violation;
  if (!accepted && certainly_alive) return Judgement::violation;
  if (!certainly_alive && !certainly_expired) return Judgement::undecidable;
  return Judgement::consistent;
}

std::uint64_t LoadReport::violation_total() const {
  std::uint64_t n = 0;
  for (const auto& [k, v] : violations)
    n += v;
  return n;
}

LoadReport run_load(LoadParties& parties, const LoadOptions& options, const LoadLifetimes& lifetimes,
                    const LoadHooks& hooks) {
  if (options.terminals < 1) throw std::invalid_argument("load: at least one terminal");
  Engine engine(parties, options, lifetimes, hooks);
  return engine.run();
}

std::int64_t peak_rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream s(line.substr(6));
      std::int64_t kb = 0;
      s >> kb;
      return kb;
    }
  }
  return 0;
}

}  // namespace tapbench::rig::load
