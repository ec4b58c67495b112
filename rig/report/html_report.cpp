#include "rig/report/html_report.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "rig/report/summary.hpp"
#include "rig/report/xml_escape.hpp"

namespace tapbench::rig {
namespace {

using std::chrono::nanoseconds;

double to_ms(nanoseconds d) {
  return static_cast<double>(d.count()) / 1e6;
}

// Milliseconds with three decimals: the unit of every latency figure on the page.
std::string ms3(nanoseconds d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", to_ms(d));
  return buf;
}

std::string num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string human(nanoseconds d) {
  const double s = std::chrono::duration<double>(d).count();
  char buf[64];
  if (s < 1) {
    std::snprintf(buf, sizeof buf, "%.1f ms", s * 1000);
  } else if (s < 120) {
    std::snprintf(buf, sizeof buf, "%.2f s", s);
  } else {
    const auto total = static_cast<long long>(s);
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", total / 3600, total / 60 % 60, total % 60);
  }
  return buf;
}

std::string outcome_class(std::string_view outcome) {
  if (outcome == "PASS") return "pass";
  if (outcome == "FAIL") return "fail";
  if (outcome == "SKIP") return "skip";
  return "error";
}

constexpr const char* kStyle = R"css(
:root { --pass:#1a7f37; --fail:#cf222e; --error:#bc4c00; --skip:#6e7781; --bar:#0969da; --ink:#1f2328;
        --muted:#57606a; --line:#d0d7de; --bg2:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; padding: 1.5em 2em 4em; max-width: 1200px; }
h1 { font-size: 1.5em; margin: 0 0 .2em; } h2 { font-size: 1.25em; margin: 2em 0 .6em; border-bottom:
     1px solid var(--line); padding-bottom: .2em; } h3 { font-size: 1.05em; margin: 1.4em 0 .5em; }
table { border-collapse: collapse; margin: .4em 0 1em; } th, td { border: 1px solid var(--line);
        padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: var(--bg2); font-weight: 600; } td.num, th.num { text-align: right;
     font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .05em .55em; border-radius: 1em; color: #fff; font-weight: 600;
         font-size: .9em; } .badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.error { background: var(--error); } .badge.skip { background: var(--skip); }
.muted { color: var(--muted); } .note { background: #fff8c5; border: 1px solid #d4a72c; padding: .4em .7em;
        border-radius: 4px; margin: .5em 0; }
dl.env { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1.2em; margin: .5em 0; }
dl.env dt { font-weight: 600; } dl.env dd { margin: 0; }
.hists { display: flex; flex-wrap: wrap; gap: 1em; } figure { margin: 0; } figcaption { font-size: .9em;
        color: var(--muted); }
svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
svg .bar { fill: var(--bar); } svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .p50 { stroke: var(--pass); stroke-width: 1.5; } svg .p90 { stroke: var(--error); stroke-width: 1.5; }
svg .p99 { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 3 2; }
svg .seg { fill: var(--bar); } svg .seg.failed { fill: var(--fail); } svg .grid { stroke: var(--line); }
svg text.unreached { fill: var(--skip); font-style: italic; }
pre { background: var(--bg2); border: 1px solid var(--line); padding: .6em; overflow-x: auto;
      font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; }
details > summary { cursor: pointer; margin: .3em 0; }
)css";

class Page {
 public:
  explicit Page(const SecretRegistry* secrets) : secrets_(secrets) {}
  // Escaped (and redacted) text.
  std::string esc(std::string_view text) const {
    return xml_escape(secrets_ ? secrets_->redact(text) : std::string(text));
  }
  std::ostringstream out;

 private:
  const SecretRegistry* secrets_;
};

std::string badge(const Page& p, std::string_view outcome) {
  return "<span class=\"badge " + outcome_class(outcome) + "\">" + p.esc(outcome) + "</span>";
}

// A histogram of `values` (sorted) as an SVG bar chart, with markers at p50, p90 and p99.
std::string svg_histogram(const Page& p, const std::string& label, const std::vector<nanoseconds>& values,
                          const PhaseStats& stats) {
  constexpr double kW = 360, kH = 150, kLeft = 34, kRight = 10, kTop = 16, kBottom = 30;
  constexpr double kPw = kW - kLeft - kRight, kPh = kH - kTop - kBottom;
  const nanoseconds lo = values.front(), hi = values.back();
  const double span = static_cast<double>((hi - lo).count());
  const auto bins = static_cast<std::size_t>(
      span == 0 ? 1 : std::clamp<double>(std::ceil(std::sqrt(static_cast<double>(values.size()))), 1, 24));
  std::vector<std::size_t> counts(bins, 0);
  for (const auto v : values) {
    auto i = span == 0 ? 0
                       : static_cast<std::size_t>(static_cast<double>((v - lo).count()) / span *
                                                  static_cast<double>(bins));
    counts[std::min(i, bins - 1)]++;
  }
  const std::size_t top = *std::max_element(counts.begin(), counts.end());
  const double bw = kPw / static_cast<double>(bins);
  std::ostringstream s;
  s << "<svg class=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kW << "\" height=\"" << kH
    << "\" viewBox=\"0 0 " << kW << " " << kH << "\" role=\"img\" aria-label=\"histogram of " << p.esc(label)
    << "\">";
  s << "<title>" << p.esc(label) << ": " << values.size() << " samples, " << ms3(lo) << " to " << ms3(hi)
    << " ms</title>";
  for (std::size_t i = 0; i < bins; ++i) {
    const double h = top == 0 ? 0 : kPh * static_cast<double>(counts[i]) / static_cast<double>(top);
    const double from =
        to_ms(lo) + (to_ms(hi) - to_ms(lo)) * static_cast<double>(i) / static_cast<double>(bins);
    const double to =
        to_ms(lo) + (to_ms(hi) - to_ms(lo)) * static_cast<double>(i + 1) / static_cast<double>(bins);
    char range[96];
    std::snprintf(range, sizeof range, "%.3f–%.3f ms", from, to);
    s << "<rect class=\"bar\" x=\"" << num(kLeft + bw * static_cast<double>(i) + 0.5) << "\" y=\""
      << num(kTop + kPh - h) << "\" width=\"" << num(std::max(bw - 1, 1.0)) << "\" height=\"" << num(h)
      << "\" data-count=\"" << counts[i] << "\"><title>" << range << ": " << counts[i] << "</title></rect>";
  }
  s << "<line class=\"axis\" x1=\"" << kLeft << "\" y1=\"" << kTop + kPh << "\" x2=\"" << kLeft + kPw
    << "\" y2=\"" << kTop + kPh << "\"/>";
  s << "<line class=\"axis\" x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\""
    << kTop + kPh << "\"/>";
  const std::pair<const char*, nanoseconds> marks[] = {
      {"p50", stats.p50}, {"p90", stats.p90}, {"p99", stats.p99}};
  for (const auto& [name, at] : marks) {
    const double x = kLeft + (span == 0 ? kPw / 2 : kPw * static_cast<double>((at - lo).count()) / span);
    s << "<line class=\"" << name << "\" x1=\"" << num(x) << "\" y1=\"" << kTop - 4 << "\" x2=\"" << num(x)
      << "\" y2=\"" << kTop + kPh << "\"><title>" << name << " " << ms3(at) << " ms</title></line>";
  }
  s << "<text x=\"" << kLeft - 4 << "\" y=\"" << kTop + 4 << "\" text-anchor=\"end\">" << top << "</text>";
  s << "<text x=\"" << kLeft - 4 << "\" y=\"" << kTop + kPh << "\" text-anchor=\"end\">0</text>";
  s << "<text x=\"" << kLeft << "\" y=\"" << kH - 14 << "\">" << ms3(lo) << "</text>";
  s << "<text x=\"" << kLeft + kPw << "\" y=\"" << kH - 14 << "\" text-anchor=\"end\">" << ms3(hi)
    << "</text>";
  s << "<text x=\"" << kLeft + kPw / 2 << "\" y=\"" << kH - 2 << "\" text-anchor=\"middle\">" << p.esc(label)
    << " (ms, n=" << values.size() << ")</text>";
  s << "</svg>";
  return s.str();
}

// A cycle's phases as a Gantt chart: one row per phase, a bar from the previous reached edge to its own; the
// phase in progress when a cycle failed is drawn red up to the cycle's end.
std::string svg_timeline(const Page& p, const CycleRecord& r) {
  constexpr double kLabel = 150, kChart = 560, kValue = 110, kRow = 20, kTop = 8, kAxis = 26;
  const double width = kLabel + kChart + kValue;
  const double height = kTop + kRow * static_cast<double>(std::max<std::size_t>(r.phases.size(), 1)) + kAxis;
  nanoseconds total = r.duration;
  for (const auto& e : r.phases)
    if (e.at) total = std::max(total, *e.at);
  const double scale = total.count() > 0 ? kChart / static_cast<double>(total.count()) : 0;
  auto x_of = [&](nanoseconds t) { return kLabel + scale * static_cast<double>(t.count()); };
  std::ostringstream s;
  s << "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\""
    << num(height) << "\" viewBox=\"0 0 " << width << " " << num(height)
    << "\" role=\"img\" aria-label=\"timeline of " << p.esc(r.case_id) << " cycle " << r.cycle << " attempt "
    << r.attempt << "\">";
  for (int i = 0; i <= 4; ++i) {
    const double x = kLabel + kChart * i / 4;
    s << "<line class=\"grid\" x1=\"" << num(x) << "\" y1=\"" << kTop << "\" x2=\"" << num(x) << "\" y2=\""
      << num(height - kAxis + 4) << "\"/>";
    s << "<text x=\"" << num(x) << "\" y=\"" << num(height - 8) << "\" text-anchor=\""
      << (i == 0   ? "start"
          : i == 4 ? "end"
                   : "middle")
      << "\">" << ms3(total * i / 4) << " ms</text>";
  }
  nanoseconds previous{0};
  bool failure_drawn = false;
  for (std::size_t i = 0; i < r.phases.size(); ++i) {
    const auto& e = r.phases[i];
    const double y = kTop + kRow * static_cast<double>(i);
    s << "<text x=\"" << kLabel - 6 << "\" y=\"" << num(y + 14) << "\" text-anchor=\"end\">" << p.esc(e.name)
      << "</text>";
    if (e.at) {
      const double x0 = x_of(previous), x1 = x_of(*e.at);
      s << "<rect class=\"seg\" data-phase=\"" << p.esc(e.name) << "\" x=\"" << num(x0) << "\" y=\""
        << num(y + 3) << "\" width=\"" << num(std::max(x1 - x0, 1.0)) << "\" height=\"" << kRow - 6
        << "\"><title>" << p.esc(e.name) << ": " << ms3(*e.at - previous) << " ms (edge at " << ms3(*e.at)
        << " ms)</title></rect>";
      s << "<text x=\"" << kLabel + kChart + 6 << "\" y=\"" << num(y + 14) << "\">" << ms3(*e.at - previous)
        << " ms</text>";
      previous = *e.at;
    } else if (!failure_drawn && r.outcome != Outcome::kPass && e.name == r.phase) {
      failure_drawn = true;
      const double x0 = x_of(previous), x1 = x_of(total);
      s << "<rect class=\"seg failed\" data-phase=\"" << p.esc(e.name) << "\" x=\"" << num(x0) << "\" y=\""
        << num(y + 3) << "\" width=\"" << num(std::max(x1 - x0, 1.0)) << "\" height=\"" << kRow - 6
        << "\"><title>" << p.esc(e.name) << ": " << p.esc(to_string(r.outcome)) << " ["
        << p.esc(r.failure_class) << "] after " << ms3(total - previous) << " ms</title></rect>";
      s << "<text x=\"" << kLabel + kChart + 6 << "\" y=\"" << num(y + 14) << "\">" << p.esc(r.failure_class)
        << "</text>";
    } else {
      s << "<text class=\"unreached\" x=\"" << kLabel + 4 << "\" y=\"" << num(y + 14)
        << "\">not reached</text>";
    }
  }
  s << "</svg>";
  return s.str();
}

std::string firmware_versions(const RunData& run) {
  std::set<std::string> seen;
  for (const auto& c : run.cases)
    for (const auto& r : c.cycles)
      for (const auto& [k, v] : r.notes)
        if (k == "firmware" && !v.empty()) seen.insert(v);
  std::string out;
  for (const auto& v : seen)
    out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string run_status(const RunData& run) {
  if (!run.exit_code) return "INCOMPLETE";
  switch (*run.exit_code) {
    case 0:
      return "PASS";
    case 1:
      return "PASS (on retry)";
    case 2:
      return "FAIL";
    case 130:
    case 143:
      return "INTERRUPTED";
    default:
      return "ERROR";
  }
}

// The cycles drawn as timelines for `c`.
std::vector<const CycleRecord*> chosen_cycles(const CaseData& c, const std::vector<TimelineChoice>& choices) {
  std::vector<const CycleRecord*> out;
  if (!choices.empty()) {
    for (const auto& r : c.cycles) {
      for (const auto& ch : choices) {
        if (ch.case_id == c.id && ch.cycle == r.cycle && (!ch.attempt || *ch.attempt == r.attempt)) {
          out.push_back(&r);
          break;
        }
      }
    }
    return out;
  }
  const CycleRecord* slowest = nullptr;
  for (const auto& r : c.cycles)
    if (!slowest || r.duration > slowest->duration) slowest = &r;
  if (slowest) out.push_back(slowest);
  for (const auto& r : c.cycles) {
    if (out.size() >= kMaxTimelinesPerCase) break;
    if (r.outcome != Outcome::kPass && &r != slowest) out.push_back(&r);
  }
  return out;
}

std::string case_anchor(const std::string& id) {
  std::string a = "case-";
  for (char ch : id)
    a += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') ? ch : '_';
  return a;
}

void render_logs(Page& p, const std::vector<const LogTail*>& logs) {
  for (const auto* l : logs) {
    p.out << "<details class=\"log\" open><summary><code>" << p.esc(l->path)
          << "</code> <span class=\"muted\">(" << l->bytes << " bytes; " << (l->truncated ? "last " : "all ")
          << l->lines << " lines)</span></summary><pre>" << p.esc(l->text) << "</pre></details>\n";
  }
}

}  // namespace

TimelineChoice parse_timeline_choice(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("timeline '" + text + "': " + why +
                                 " (expected CASE:CYCLE or CASE:CYCLE:ATTEMPT)");
  };
  const auto first = text.find(':');
  if (first == std::string::npos || first == 0) throw bad("no case");
  TimelineChoice c;
  c.case_id = text.substr(0, first);
  const auto second = text.find(':', first + 1);
  auto number = [&](const std::string& s, const char* what) {
    if (s.empty() || s.size() > 9 ||
        !std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      throw bad(std::string(what) + " is not a positive number");
    const int n = std::stoi(s);
    if (n < 1) throw bad(std::string(what) + " is not a positive number");
    return n;
  };
  c.cycle =
      number(text.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1),
             "the cycle");
  if (second != std::string::npos) c.attempt = number(text.substr(second + 1), "the attempt");
  return c;
}

std::string render_html_report(const RunData& run, const HtmlReportInput& input) {
  Page p(input.secrets);
  auto& o = p.out;
  const std::string status = run_status(run);
  const std::string title = "tapbench: " + run.header.suite + " on " + run.header.bench;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
       "'unsafe-inline'; "
       "img-src data:\">\n"
    << "<title>" << p.esc(title) << " — " << p.esc(status) << "</title>\n<style>" << kStyle
    << "</style>\n</head>\n<body>\n";
  o << "<header>\n<h1>" << p.esc(title) << " " << badge(p, status.substr(0, status.find(' ')))
    << (status.find(' ') != std::string::npos ? " <span class=\"muted\">(passed only on retry)</span>" : "")
    << "</h1>\n";
  o << "<p class=\"muted\">started " << p.esc(run.header.started) << " · "
    << (run.exit_code ? "exit code " + std::to_string(*run.exit_code) : std::string("no exit code recorded"))
    << (run.duration.count() ? " · took " + human(run.duration) : "") << "</p>\n</header>\n";
  if (!run.exit_code) {
    o << "<p class=\"note\">INCOMPLETE: the run record ends before the run did (the rig died or was killed); "
         "this report shows what it had recorded.</p>\n";
  }
  if (run.torn_last_line) o << "<p class=\"note\">The last line of run.jsonl was torn and was dropped.</p>\n";
  if (run.interrupted) o << "<p class=\"note\">The run was interrupted.</p>\n";
  if (!run.aborted_reason.empty())
    o << "<p class=\"note\">Stopped early: " << p.esc(run.aborted_reason) << "</p>\n";

  // Environment.
  const std::string firmware = firmware_versions(run);
  o << "<section id=\"environment\">\n<h2>Environment</h2>\n<dl class=\"env\">\n";
  const std::pair<const char*, std::string> env[] = {
      {"bench", run.header.bench},
      {"bench source", run.header.bench_source},
      {"suite", run.header.suite},
      {"suite source", run.header.suite_source},
      {"firmware", firmware.empty() ? "not reported by the cases" : firmware},
      {"host", run.header.host},
      {"tapbench", run.header.tapbench_version},
      {"started", run.header.started},
      {"duration", run.duration.count() ? human(run.duration) : "unknown"},
      {"exit code", run.exit_code ? std::to_string(*run.exit_code) : "none (incomplete)"},
  };
  for (const auto& [k, v] : env)
    o << "<dt>" << k << "</dt><dd data-key=\"" << k << "\">" << p.esc(v) << "</dd>\n";
  o << "</dl>\n</section>\n";

  // Overview.
  o << "<section id=\"cases\">\n<h2>Cases</h2>\n<table class=\"cases\">\n<tr><th>case</th><th>outcome</th>"
       "<th class=\"num\">cycles</th><th class=\"num\">passed</th><th class=\"num\">failed</th>"
       "<th class=\"num\">errored</th><th class=\"num\">passed on retry</th><th class=\"num\">attempts</th>"
       "<th class=\"num\">took</th><th>reason</th></tr>\n";
  for (const auto& c : run.cases) {
    o << "<tr data-case=\"" << p.esc(c.id) << "\"><td><a href=\"#" << case_anchor(c.id) << "\">"
      << p.esc(c.id) << "</a></td>";
    if (c.result) {
      const auto& n = c.result->counts;
      o << "<td>" << badge(p, to_string(c.result->outcome)) << "</td><td class=\"num\">" << n.cycles
        << "</td><td class=\"num\">" << n.passed << "</td><td class=\"num\">" << n.failed
        << "</td><td class=\"num\">" << n.errored << "</td><td class=\"num\">" << n.passed_on_retry
        << "</td><td class=\"num\">" << n.attempts << "</td><td class=\"num\">" << human(c.result->duration)
        << "</td><td>" << p.esc(c.result->reason) << "</td>";
    } else {
      o << "<td>" << badge(p, "INCOMPLETE") << "</td><td class=\"num\" colspan=\"6\">" << c.cycles.size()
        << " attempts recorded</td><td></td><td>the run record ends during this case</td>";
    }
    o << "</tr>\n";
  }
  o << "</table>\n</section>\n";

  // Per case: latency, histograms, token violations, timelines.
  for (const auto& c : run.cases) {
    o << "<section class=\"case\" id=\"" << case_anchor(c.id) << "\" data-case=\"" << p.esc(c.id)
      << "\">\n<h2>" << p.esc(c.id) << " "
      << badge(p, c.result ? std::string(to_string(c.result->outcome)) : std::string("INCOMPLETE"))
      << "</h2>\n";
    if (!c.title.empty()) o << "<p>" << p.esc(c.title) << "</p>\n";
    const auto samples = phase_samples(c);
    if (samples.empty()) {
      o << "<p class=\"muted\">No phase was timed.</p>\n";
    } else {
      o << "<h3>Latency per phase</h3>\n<p class=\"muted\">A phase's time is the span from the previous "
           "reached "
           "edge (or the cycle's start) to its own edge, from every attempt that reached it; "
           "<em>handover</em> is field_on → auth_ok, <em>cycle</em> whole passing cycles. Percentiles are "
           "nearest-rank, in milliseconds.</p>\n";
      o << "<table class=\"latency\" data-case=\"" << p.esc(c.id)
        << "\">\n<tr><th>phase</th><th class=\"num\">n"
        << "</th><th class=\"num\">p50 ms</th><th class=\"num\">p90 ms</th><th class=\"num\">p99 ms</th>"
           "<th class=\"num\">max ms</th></tr>\n";
      std::vector<PhaseStats> stats;
      for (const auto& s : samples) {
        PhaseStats st;
        st.phase = s.phase;
        st.samples = s.values.size();
        st.p50 = percentile(s.values, 0.50);
        st.p90 = percentile(s.values, 0.90);
        st.p99 = percentile(s.values, 0.99);
        st.max = s.values.back();
        o << "<tr data-phase=\"" << p.esc(st.phase) << "\"><td>" << p.esc(st.phase)
          << "</td><td class=\"num\">" << st.samples << "</td><td class=\"num\">" << ms3(st.p50)
          << "</td><td class=\"num\">" << ms3(st.p90) << "</td><td class=\"num\">" << ms3(st.p99)
          << "</td><td class=\"num\">" << ms3(st.max) << "</td></tr>\n";
        stats.push_back(std::move(st));
      }
      o << "</table>\n<h3>Histograms</h3>\n<div class=\"hists\">\n";
      for (std::size_t i = 0; i < samples.size(); ++i) {
        o << "<figure data-phase=\"" << p.esc(samples[i].phase) << "\">"
          << svg_histogram(p, samples[i].phase, samples[i].values, stats[i]) << "<figcaption>"
          << p.esc(samples[i].phase)
          << ": markers at p50 (green), p90 (orange), p99 (red, dashed)</figcaption></figure>\n";
      }
      o << "</div>\n";
    }

    std::map<std::pair<std::string, std::string>, std::uint64_t> violations;
    for (const auto& r : c.cycles)
      for (const auto& v : r.token_violations)
        violations[{v.token, v.violation}] += v.count;
    if (!violations.empty()) {
      o << "<h3>Token violations</h3>\n<table class=\"violations\">\n<tr><th>token</th><th>violation</th>"
           "<th class=\"num\">count</th></tr>\n";
      for (const auto& [k, n] : violations)
        o << "<tr><td>" << p.esc(k.first) << "</td><td>" << p.esc(k.second) << "</td><td class=\"num\">" << n
          << "</td></tr>\n";
      o << "</table>\n";
    }

    const auto chosen = chosen_cycles(c, input.timelines);
    if (!chosen.empty()) {
      o << "<h3>Timelines</h3>\n";
      for (const CycleRecord* r : chosen) {
        const bool is_slowest = input.timelines.empty() && r == chosen.front();
        o << "<figure class=\"cycle\" data-cycle=\"" << r->cycle << "\" data-attempt=\"" << r->attempt
          << "\"><figcaption>cycle " << r->cycle << " attempt " << r->attempt << " "
          << badge(p, to_string(r->outcome))
          << (r->failure_class.empty() ? "" : " [" + p.esc(r->failure_class) + "]") << " took "
          << ms3(r->duration) << " ms" << (is_slowest ? " — the slowest" : "")
          << (r->retried ? " — retried" : "") << "</figcaption>\n"
          << svg_timeline(p, *r);
        // The cycle's notes: what its phases were made of (e.g. the radio's scan / association / handshake
        // events with their times on the hwsim bench, phone.* and router.*), redacted like everything else.
        if (!r->notes.empty()) {
          o << "<table class=\"notes\">";
          for (const auto& [k, v] : r->notes)
            o << "<tr data-note=\"" << p.esc(k) << "\"><td>" << p.esc(k) << "</td><td>" << p.esc(v)
              << "</td></tr>";
          o << "</table>";
        }
        o << "</figure>\n";
      }
    }
    o << "</section>\n";
  }

  // Failures, with the logs of the processes each case started.
  o << "<section id=\"failures\">\n<h2>Failures</h2>\n";
  bool any = false;
  for (const auto& c : run.cases) {
    std::vector<const CycleRecord*> bad;
    for (const auto& r : c.cycles)
      if (r.outcome == Outcome::kFail || r.outcome == Outcome::kError) bad.push_back(&r);
    std::vector<const StepRecord*> bad_steps;
    for (const auto& s : c.steps)
      if (s.outcome == Outcome::kFail || s.outcome == Outcome::kError) bad_steps.push_back(&s);
    const bool case_bad =
        c.result ? (c.result->outcome == Outcome::kFail || c.result->outcome == Outcome::kError) : true;
    if (bad.empty() && bad_steps.empty() && !case_bad) continue;
    any = true;
    o << "<div class=\"failure\" data-case=\"" << p.esc(c.id) << "\">\n<h3>" << p.esc(c.id) << "</h3>\n";
    if (c.result && !c.result->reason.empty()) o << "<p>" << p.esc(c.result->reason) << "</p>\n";
    if (!c.result) o << "<p>INCOMPLETE: the run record ends during this case.</p>\n";
    if (!bad.empty() || !bad_steps.empty()) {
      o << "<table class=\"failures\">\n<tr><th>where</th><th>outcome</th><th>class</th><th>phase</th>"
           "<th>message</th></tr>\n";
      for (const auto* s : bad_steps) {
        o << "<tr><td>" << p.esc(s->step) << "</td><td>" << badge(p, to_string(s->outcome))
          << "</td><td><code>" << p.esc(s->failure_class) << "</code></td><td></td><td>" << p.esc(s->reason)
          << "</td></tr>\n";
      }
      std::size_t listed = 0;
      for (const auto* r : bad) {
        if (++listed > kMaxFailuresListed) break;
        o << "<tr><td>cycle " << r->cycle << " attempt " << r->attempt << (r->retried ? " (retried)" : "")
          << "</td><td>" << badge(p, to_string(r->outcome)) << "</td><td><code>" << p.esc(r->failure_class)
          << "</code></td><td>" << p.esc(r->phase) << "</td><td>" << p.esc(r->reason) << "</td></tr>\n";
      }
      o << "</table>\n";
      if (bad.size() > kMaxFailuresListed) {
        o << "<p class=\"muted\">… and " << bad.size() - kMaxFailuresListed
          << " more (every cycle is in run.jsonl).</p>\n";
      }
    }
    std::vector<const LogTail*> logs;
    for (const auto& l : input.logs)
      if (l.case_id == c.id) logs.push_back(&l);
    if (logs.empty()) {
      o << "<p class=\"muted\">No log files of this case's own processes in the run folder"
        << (std::any_of(input.logs.begin(), input.logs.end(),
                        [](const LogTail& l) { return l.case_id.empty(); })
                ? "; the logs of the processes the cases share are below."
                : ".")
        << "</p>\n";
    } else {
      o << "<h4>Logs of the processes of " << p.esc(c.id) << "</h4>\n";
      render_logs(p, logs);
    }
    o << "</div>\n";
  }
  if (!any) {
    o << "<p>None: every cycle passed.</p>\n";
  } else {
    std::vector<const LogTail*> other;
    for (const auto& l : input.logs)
      if (l.case_id.empty()) other.push_back(&l);
    if (!other.empty()) {
      o << "<h3>Logs the cases share</h3>\n<p class=\"muted\">The processes of the bench (under "
           "<code>bench/</code>: vendord, printerd, the emulated readers) and any other log of the "
           "run.</p>\n";
      render_logs(p, other);
    }
  }
  o << "</section>\n";
  o << "<footer><p class=\"muted\">Written by tapbench " << p.esc(run.header.tapbench_version)
    << " from run.jsonl. Every cycle and phase is in run.jsonl; junit.xml and summary.txt hold the same "
       "figures.</p></footer>\n</body>\n</html>\n";
  // A last guard over the whole page, as the run record does over each line.
  std::string html = o.str();
  return input.secrets ? input.secrets->redact(html) : html;
}

}  // namespace tapbench::rig
