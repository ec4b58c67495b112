// The run record: one JSON line per event (run_data.hpp), appended with a single write() and made durable
// with fdatasync() before the runner moves on, so a rig that dies mid-run loses nothing it had recorded.
// Every line passes the redaction guard first: registered secrets are replaced in every string, and note
// values under secret-looking keys are replaced whatever they hold.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "rig/report/run_data.hpp"
#include "rig/runner/runner.hpp"
#include "rig/runner/secrets.hpp"

namespace tapbench::rig {

class RunRecordWriter final : public RunObserver {
 public:
  // Creates (or appends to) `path`. Throws std::system_error when it cannot be opened.
  RunRecordWriter(const std::filesystem::path& path, SecretRegistry& secrets, RunHeader header);
  ~RunRecordWriter() override;
  RunRecordWriter(const RunRecordWriter&) = delete;
  RunRecordWriter& operator=(const RunRecordWriter&) = delete;

  // Called once, on the first failed write (disk full, I/O error); later lines are dropped. The CLI uses it
  // to stop the run rather than run for hours unrecorded.
  void on_write_error(std::function<void(const std::string&)> callback) { on_error_ = std::move(callback); }
  const std::string& write_error() const { return error_; }

  // Writes one line (the guard applied). Public for the tests of the guard.
  void write(boost::json::object line);

  // What was written, for the reports written at the end (already redacted).
  const RunData& data() const { return data_; }

  void on_run_start(const Bench& bench, const Suite& suite) override;
  void on_case_start(const CaseInfo& info, const SuiteCase& suite_case) override;
  void on_step(const std::string& case_id, const StepRecord& step) override;
  void on_cycle(const CycleRecord& record, const CaseCounts& so_far) override;
  void on_case_end(const CaseResult& result) override;
  void on_run_end(const RunResult& result, int exit_code) override;

 private:
  void redact(boost::json::value& v, bool secret_key) const;

  SecretRegistry& secrets_;
  RunData data_;
  int fd_ = -1;
  std::string path_;
  std::string error_;
  std::function<void(const std::string&)> on_error_;
};

}  // namespace tapbench::rig
