// Latency percentiles per case and phase (p50/p90/p99/max), the human summary and its JSON twin.
// A phase's time is the span from the previous reached edge (or the cycle's start) to its own edge, taken
// from every attempt that reached the edge — a cycle that failed later still timed its earlier phases.
// Percentiles are nearest-rank (the value of a real cycle, never an interpolation). Cases whose phases
// include field_on and auth_ok also get "handover" = field_on → auth_ok (DESIGN §6).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "rig/report/run_data.hpp"

namespace tapbench::rig {

struct PhaseStats {
  std::string phase;  // a phase name, "handover", or "cycle" (whole cycles that passed)
  std::size_t samples = 0;
  std::chrono::nanoseconds p50{0}, p90{0}, p99{0}, max{0};
};

// The samples behind the figures: per phase (in the case's order), then "handover" and "cycle".
struct PhaseSamples {
  std::string phase;
  std::vector<std::chrono::nanoseconds> values;  // sorted ascending, never empty
};
std::vector<PhaseSamples> phase_samples(const CaseData& c);

// Nearest-rank percentile of `values` (sorted ascending, not empty); q in (0, 1].
std::chrono::nanoseconds percentile(const std::vector<std::chrono::nanoseconds>& sorted, double q);
std::vector<PhaseStats> phase_stats(const CaseData& c);

std::string render_summary_text(const RunData& run);
boost::json::object summary_json(const RunData& run);

}  // namespace tapbench::rig
