// The run folder (`--out DIR`):
//   run.jsonl     the run record, written as the run goes (run_record.hpp) — the source of truth
//   junit.xml     for CI (junit.hpp)
//   summary.txt   per case: outcome, and p50/p90/p99/max per phase (summary.hpp)
//   summary.json  the same for machines
//   report.html   for people: percentiles, histograms, timelines, failures with log tails (html_report.hpp)
// junit.xml and the summaries are derived from run.jsonl; `tapbench report DIR` derives them again, so a
// run whose rig died still gets its reports from what it had recorded.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include "protocol/clock/clock.hpp"
#include "rig/report/html_report.hpp"
#include "rig/report/run_data.hpp"

namespace tapbench::rig {

class RunFolderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr const char* kRunRecordFile = "run.jsonl";

// Creates `dir` (and parents). Refuses a folder that already holds a run record: a run never overwrites or
// mixes with another. Throws RunFolderError.
void prepare_run_folder(const std::filesystem::path& dir);
// "runs/20260101-000000-smoke" (UTC) when no --out is given.
std::filesystem::path default_run_folder(const Clock& clock, const std::string& suite);
// Writes `content` to `path` via a temporary file, fsync and rename: readers see the old or the new file.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);
struct ReportOptions {
  const SecretRegistry* secrets = nullptr;  // the run's registry (at the end of a run); null after the fact
  std::vector<TimelineChoice> timelines;    // report.html's timelines; empty: its default choice
};

// junit.xml, summary.txt, summary.json and report.html (with the tails of the folder's *.log files) from
// `run`.
void write_reports(const std::filesystem::path& dir, const RunData& run, const ReportOptions& options = {});

}  // namespace tapbench::rig
