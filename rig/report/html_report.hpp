// report.html: one self-contained page for people (docs/BENCH.md, "The HTML report"). It opens offline —
// inline CSS and inline SVG, no script, no external resource — and shows the run's environment (bench,
// suite, firmware, host, tapbench), an overview of the cases, per case and phase the latency percentiles
// (p50/p90/p99/max and n: the figures of summary.txt, from the same phase_stats()) with a histogram of each
// drawn as SVG, a timeline (SVG Gantt of the phases) of chosen cycles — by default the slowest cycle of each
// case and every cycle that did not pass —, the token violations counted, and the failures with their class,
// message and the tail of the logs of the processes of the case. Every text is HTML-escaped (xml_escape) and
// passes the redaction guard; the run data given to it is the redacted run record.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rig/report/log_tail.hpp"
#include "rig/report/run_data.hpp"
#include "rig/runner/secrets.hpp"

namespace tapbench::rig {

// A cycle to draw as a timeline: `case_id` and `cycle`; without an attempt, every attempt of that cycle.
struct TimelineChoice {
  std::string case_id;
  int cycle = 0;
  std::optional<int> attempt;
};
// Parses "CASE:CYCLE" or "CASE:CYCLE:ATTEMPT" (`tapbench report --timeline`). Throws std::invalid_argument
// with a sentence saying what is wrong.
TimelineChoice parse_timeline_choice(const std::string& text);

struct HtmlReportInput {
  std::vector<LogTail> logs;                // collect_log_tails() of the run folder
  std::vector<TimelineChoice> timelines;    // empty: the slowest and every non-PASS cycle of each case
  const SecretRegistry* secrets = nullptr;  // the run's registry when written at the end of a run
};

inline constexpr std::size_t kMaxTimelinesPerCase =
    12;                                                 // default choice: the slowest + the first 11 non-PASS
inline constexpr std::size_t kMaxFailuresListed = 200;  // per case; the rest are counted

std::string render_html_report(const RunData& run, const HtmlReportInput& input);

}  // namespace tapbench::rig
