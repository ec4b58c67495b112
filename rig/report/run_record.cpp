#include "rig/report/run_record.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace tapbench::rig {
namespace json = boost::json;

RunRecordWriter::RunRecordWriter(const std::filesystem::path& path, SecretRegistry& secrets, RunHeader header)
    : secrets_(secrets), path_(path.string()) {
  data_.header = std::move(header);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "cannot create the run record " + path_);
}

RunRecordWriter::~RunRecordWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void RunRecordWriter::redact(json::value& v, bool secret_key) const {
  if (v.is_string()) {
    if (secret_key) {
      v = std::string(kRedacted);
    } else {
      const std::string s(v.get_string());
      const std::string r = secrets_.redact(s);
      if (r != s) v = r;
    }
  } else if (v.is_array()) {
    for (auto& e : v.get_array())
      redact(e, secret_key);
  } else if (v.is_object()) {
    for (auto& [k, e] : v.get_object())
      redact(e, secret_key);
  }
}

void RunRecordWriter::write(json::object line) {
  // Guard 1: notes under a secret-looking key never carry their value.
  if (json::value* notes = line.if_contains("notes"); notes && notes->is_object()) {
    for (auto& [k, v] : notes->get_object())
      redact(v, SecretRegistry::is_secret_key(k));
  }
  // Guard 2: every registered secret, in every string of the line.
  json::value whole(std::move(line));
  redact(whole, false);
  // Guard 3: the serialised line once more (a secret split across JSON escaping cannot slip through whole).
  std::string text = secrets_.redact(json::serialize(whole));
  text += '\n';
  if (!error_.empty() || fd_ < 0) return;
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = "cannot write the run record " + path_ + ": " + std::strerror(errno);
      break;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (error_.empty() && ::fdatasync(fd_) != 0) {
    error_ = "cannot sync the run record " + path_ + ": " + std::strerror(errno);
  }
  if (!error_.empty() && on_error_) on_error_(error_);
}

void RunRecordWriter::on_run_start(const Bench& bench, const Suite& suite) {
  data_.header.bench = bench.name;
  data_.header.bench_source = bench.source;
  data_.header.suite = suite.name;
  data_.header.suite_source = suite.source;
  const RunHeader& h = data_.header;
  write({{"type", "run"},
         {"format", 1},
         {"bench", h.bench},
         {"bench_source", h.bench_source},
         {"suite", h.suite},
         {"suite_source", h.suite_source},
         {"tapbench", h.tapbench_version},
         {"host", h.host},
         {"started", h.started}});
}

void RunRecordWriter::on_case_start(const CaseInfo& info, const SuiteCase& suite_case) {
  CaseData& c = data_.case_named(info.id);
  c.title = info.title;
  c.phases = info.phases;
  json::array phases;
  for (const auto& p : info.phases)
    phases.emplace_back(p);
  json::object o{
      {"type", "case_start"}, {"case", info.id}, {"title", info.title}, {"phases", std::move(phases)}};
  o["cycles"] = suite_case.cycles ? json::value(*suite_case.cycles) : json::value(nullptr);
  o["duration_ms"] = suite_case.duration ? json::value(suite_case.duration->count()) : json::value(nullptr);
  o["retries"] = suite_case.retries;
  write(std::move(o));
}

void RunRecordWriter::on_step(const std::string& case_id, const StepRecord& step) {
  StepRecord s = step;
  s.reason = secrets_.redact(s.reason);
  data_.case_named(case_id).steps.push_back(s);
  write(to_json(case_id, s));
}

void RunRecordWriter::on_cycle(const CycleRecord& record, const CaseCounts& /*so_far*/) {
  CycleRecord r = record;
  r.reason = secrets_.redact(r.reason);
  for (auto& [k, v] : r.notes)
    v = SecretRegistry::is_secret_key(k) ? std::string(kRedacted) : secrets_.redact(v);
  write(to_json(r));
  data_.case_named(r.case_id).cycles.push_back(std::move(r));
}

void RunRecordWriter::on_case_end(const CaseResult& result) {
  CaseResult r = result;
  r.reason = secrets_.redact(r.reason);
  write(to_json(r));
  CaseData& c = data_.case_named(r.case_id);
  if (c.title.empty()) c.title = r.title;
  c.result = std::move(r);
}

void RunRecordWriter::on_run_end(const RunResult& result, int exit_code) {
  data_.exit_code = exit_code;
  data_.interrupted = result.interrupted;
  data_.aborted_reason = secrets_.redact(result.aborted_reason);
  data_.duration = result.duration;
  write({{"type", "run_end"},
         {"exit_code", exit_code},
         {"interrupted", result.interrupted},
         {"aborted", data_.aborted_reason},
         {"took_ns", result.duration.count()}});
}

}  // namespace tapbench::rig
