#include "rig/report/summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace tapbench::rig {
namespace {

std::string ms(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", std::chrono::duration<double, std::milli>(d).count());
  return buf;
}

PhaseStats stats_of(std::string name, std::vector<std::chrono::nanoseconds> values) {
  PhaseStats s;
  s.phase = std::move(name);
  s.samples = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.p50 = percentile(values, 0.50);
  s.p90 = percentile(values, 0.90);
  s.p99 = percentile(values, 0.99);
  s.max = values.back();
  return s;
}

struct Totals {
  int pass = 0, fail = 0, error = 0, skip = 0;
};

Totals totals(const RunData& run) {
  Totals t;
  for (const auto& c : run.cases) {
    if (!c.result) continue;
    t.pass += c.result->outcome == Outcome::kPass;
    t.fail += c.result->outcome == Outcome::kFail;
    t.error += c.result->outcome == Outcome::kError;
    t.skip += c.result->outcome == Outcome::kSkip;
  }
  return t;
}

}  // namespace

std::chrono::nanoseconds percentile(const std::vector<std::chrono::nanoseconds>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(q * n));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::vector<PhaseSamples> phase_samples(const CaseData& c) {
  std::vector<std::string> order = c.phases;
  std::map<std::string, std::vector<std::chrono::nanoseconds>> spans;
  std::vector<std::chrono::nanoseconds> handover, whole;
  for (const auto& r : c.cycles) {
    std::chrono::nanoseconds previous{0};
    std::optional<std::chrono::nanoseconds> field_on, auth_ok;
    for (const auto& e : r.phases) {
      if (std::find(order.begin(), order.end(), e.name) == order.end()) order.push_back(e.name);
      if (!e.at) continue;
      spans[e.name].push_back(*e.at - previous);
      previous = *e.at;
      if (e.name == "field_on") field_on = e.at;
      if (e.name == "auth_ok") auth_ok = e.at;
    }
    if (field_on && auth_ok) handover.push_back(*auth_ok - *field_on);
    if (r.outcome == Outcome::kPass) whole.push_back(r.duration);
  }
  std::vector<PhaseSamples> out;
  for (const auto& name : order) {
    auto it = spans.find(name);
    if (it != spans.end()) out.push_back({name, std::move(it->second)});
  }
  if (!handover.empty()) out.push_back({"handover", std::move(handover)});
  if (!whole.empty()) out.push_back({"cycle", std::move(whole)});
  for (auto& s : out)
    std::sort(s.values.begin(), s.values.end());
  return out;
}

std::vector<PhaseStats> phase_stats(const CaseData& c) {
  std::vector<PhaseStats> out;
  for (auto& s : phase_samples(c))
    out.push_back(stats_of(std::move(s.phase), std::move(s.values)));
  return out;
}

std::string render_summary_text(const RunData& run) {
  std::ostringstream out;
  const Totals t = totals(run);
  out << "tapbench run: suite '" << run.header.suite << "' on bench '" << run.header.bench << "'\n";
  out << "started " << run.header.started << " on " << run.header.host << ", tapbench "
      << run.header.tapbench_version << "\n";
  if (run.exit_code) {
    out << "result: " << t.pass << " passed, " << t.fail << " failed, " << t.error << " errored, " << t.skip
        << " skipped; exit " << *run.exit_code << "\n";
  } else {
    out << "result: INCOMPLETE — the run record ends before the run did (the rig died or was killed)\n";
  }
  if (run.torn_last_line) out << "note: the last line of run.jsonl was torn and was dropped\n";
  if (run.interrupted) out << "note: the run was interrupted\n";
  if (!run.aborted_reason.empty()) out << "note: stopped early: " << run.aborted_reason << "\n";
  for (const auto& c : run.cases) {
    out << "\n" << c.id;
    if (c.result) {
      out << ": " << to_string(c.result->outcome);
      if (c.result->counts.cycles > 0) {
        out << " (" << c.result->counts.passed << "/" << c.result->counts.cycles << " cycles passed";
        if (c.result->counts.passed_on_retry) out << ", " << c.result->counts.passed_on_retry << " on retry";
        out << ")";
      }
      if (!c.result->reason.empty()) out << " — " << c.result->reason;
    } else {
      out << ": INCOMPLETE (" << c.cycles.size() << " attempts recorded)";
    }
    out << "\n";
    const auto stats = phase_stats(c);
    if (stats.empty()) continue;
    std::size_t width = 5;
    for (const auto& s : stats)
      width = std::max(width, s.phase.size());
    char line[200];
    std::snprintf(line, sizeof line, "  %-*s %7s %10s %10s %10s %10s\n", static_cast<int>(width), "phase",
                  "n", "p50 ms", "p90 ms", "p99 ms", "max ms");
    out << line;
    for (const auto& s : stats) {
      std::snprintf(line, sizeof line, "  %-*s %7zu %10s %10s %10s %10s\n", static_cast<int>(width),
                    s.phase.c_str(), s.samples, ms(s.p50).c_str(), ms(s.p90).c_str(), ms(s.p99).c_str(),
                    ms(s.max).c_str());
      out << line;
    }
  }
  return out.str();
}

boost::json::object summary_json(const RunData& run) {
  namespace json = boost::json;
  const Totals t = totals(run);
  json::object o{{"bench", run.header.bench},
                 {"suite", run.header.suite},
                 {"started", run.header.started},
                 {"complete", run.exit_code.has_value()}};
  o["exit_code"] = run.exit_code ? json::value(*run.exit_code) : json::value(nullptr);
  o["passed"] = t.pass;
  o["failed"] = t.fail;
  o["errored"] = t.error;
  o["skipped"] = t.skip;
  json::array cases;
  for (const auto& c : run.cases) {
    json::object co{{"case", c.id}};
    co["outcome"] = c.result ? json::value(std::string(to_string(c.result->outcome))) : json::value(nullptr);
    co["reason"] = c.result ? c.result->reason : std::string();
    json::array phases;
    for (const auto& s : phase_stats(c)) {
      phases.push_back(json::object{{"phase", s.phase},
                                    {"n", s.samples},
                                    {"p50_ns", s.p50.count()},
                                    {"p90_ns", s.p90.count()},
                                    {"p99_ns", s.p99.count()},
                                    {"max_ns", s.max.count()}});
    }
    co["phases"] = std::move(phases);
    cases.push_back(std::move(co));
  }
  o["cases"] = std::move(cases);
  return o;
}

}  // namespace tapbench::rig
