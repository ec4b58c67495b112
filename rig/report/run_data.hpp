// The content of a run folder in memory, and its JSON Lines form (run.jsonl, docs/BENCH.md "Run folder"):
//   {"type":"run", "format":1, "bench":…, "suite":…, "started":"2026-…Z", "tapbench":"0.1.0", "host":…}
//   {"type":"case_start", "case":…, "title":…, "phases":[…], "cycles":N|null, "duration_ms":…|null}
//   {"type":"step", "case":…, "step":"setup", "outcome":"PASS", "class":"", "reason":"", "took_ns":…}
//   {"type":"cycle", "case":…, "cycle":1, "attempt":1, "outcome":"PASS", "class":"", "reason":"", "phase":"",
//    "started":"…Z", "took_ns":…, "retried":false, "phases":[{"name":"field_on","at_ns":…}|{"name":…}],
//    "notes":{…}}
//   {"type":"case_end", "case":…, "outcome":…, "reason":…, "cycles":…, "passed":…, "failed":…, "errored":…,
//    "skipped":…, "passed_on_retry":…, "attempts":…, "took_ns":…}
//   {"type":"run_end", "exit_code":…, "interrupted":false, "aborted":"", "took_ns":…}
// Every line is complete JSON; a rig killed mid-write leaves at most one torn last line, which the reader
// drops (and says so).
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rig/runner/records.hpp"

namespace tapbench::rig {

struct RunHeader {
  std::string bench;
  std::string bench_source;
  std::string suite;
  std::string suite_source;
  std::string tapbench_version;
  std::string host;
  std::string started;  // ISO 8601 UTC
};

struct CaseData {
  std::string id;
  std::string title;
  std::vector<std::string> phases;
  std::vector<StepRecord> steps;
  std::vector<CycleRecord> cycles;   // every attempt, in order
  std::optional<CaseResult> result;  // absent when the run died during the case
};

struct RunData {
  RunHeader header;
  std::vector<CaseData> cases;
  std::optional<int> exit_code;  // absent: the run did not finish (crash, kill)
  bool interrupted = false;
  std::string aborted_reason;
  std::chrono::nanoseconds duration{0};
  bool torn_last_line = false;  // the reader dropped an incomplete last line

  CaseData& case_named(const std::string& id);  // creates it when missing
};

std::string iso8601(SystemTime t);  // "2026-01-01T00:00:00.000Z"

boost::json::object to_json(const CycleRecord& r);
boost::json::object to_json(const std::string& case_id, const StepRecord& s);
boost::json::object to_json(const CaseResult& r);
CycleRecord cycle_from_json(const boost::json::object& o);

// Reads a run folder's run.jsonl. Throws std::runtime_error naming the line when a line other than the last
// is not valid JSON, InputError-like std::runtime_error when the file is missing.
RunData read_run_record(const std::filesystem::path& run_jsonl);

}  // namespace tapbench::rig
