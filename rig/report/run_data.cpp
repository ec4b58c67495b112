#include "rig/report/run_data.hpp"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <stdexcept>

namespace tapbench::rig {
namespace json = boost::json;

namespace {

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
std::int64_t num(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}
Outcome outcome(const json::object& o) {
  return outcome_from(str(o, "outcome")).value_or(Outcome::kError);
}

}  // namespace

CaseData& RunData::case_named(const std::string& id) {
  for (auto& c : cases) {
    if (c.id == id) return c;
  }
  cases.push_back({});
  cases.back().id = id;
  return cases.back();
}

std::string iso8601(SystemTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

json::object to_json(const CycleRecord& r) {
  json::object o;
  o["type"] = "cycle";
  o["case"] = r.case_id;
  o["cycle"] = r.cycle;
  o["attempt"] = r.attempt;
  o["outcome"] = std::string(to_string(r.outcome));
  o["class"] = r.failure_class;
  o["reason"] = r.reason;
  o["phase"] = r.phase;
  o["started"] = iso8601(r.started_wall);
  o["took_ns"] = r.duration.count();
  o["retried"] = r.retried;
  json::array phases;
  for (const auto& p : r.phases) {
    json::object e;
    e["name"] = p.name;
    if (p.at) e["at_ns"] = p.at->count();
    phases.push_back(std::move(e));
  }
  o["phases"] = std::move(phases);
  json::object notes;
  for (const auto& [k, v] : r.notes)
    notes[k] = v;
  o["notes"] = std::move(notes);
  if (!r.token_violations.empty()) {
    json::array violations;
    for (const auto& v : r.token_violations) {
      violations.push_back(json::object{{"token", v.token}, {"violation", v.violation}, {"count", v.count}});
    }
    o["token_violations"] = std::move(violations);
  }
  return o;
}

json::object to_json(const std::string& case_id, const StepRecord& s) {
  json::object o;
  o["type"] = "step";
  o["case"] = case_id;
  o["step"] = s.step;
  o["outcome"] = std::string(to_string(s.outcome));
  o["class"] = s.failure_class;
  o["reason"] = s.reason;
  o["took_ns"] = s.duration.count();
  return o;
}

json::object to_json(const CaseResult& r) {
  json::object o;
  o["type"] = "case_end";
  o["case"] = r.case_id;
  o["title"] = r.title;
  o["outcome"] = std::string(to_string(r.outcome));
  o["reason"] = r.reason;
  o["cycles"] = r.counts.cycles;
  o["passed"] = r.counts.passed;
  o["failed"] = r.counts.failed;
  o["errored"] = r.counts.errored;
  o["skipped"] = r.counts.skipped;
  o["passed_on_retry"] = r.counts.passed_on_retry;
  o["attempts"] = r.counts.attempts;
  o["took_ns"] = r.duration.count();
  return o;
}

CycleRecord cycle_from_json(const json::object& o) {
  CycleRecord r;
  r.case_id = str(o, "case");
  r.cycle = static_cast<int>(num(o, "cycle"));
  r.attempt = static_cast<int>(num(o, "attempt"));
  r.outcome = outcome(o);
  r.failure_class = str(o, "class");
  r.reason = str(o, "reason");
  r.phase = str(o, "phase");
  r.duration = std::chrono::nanoseconds{num(o, "took_ns")};
  r.retried = o.if_contains("retried") && o.at("retried").is_bool() && o.at("retried").get_bool();
  if (const json::value* p = o.if_contains("phases"); p && p->is_array()) {
    for (const auto& e : p->get_array()) {
      if (!e.is_object()) continue;
      PhaseEdge edge{str(e.get_object(), "name"), std::nullopt};
      if (e.get_object().contains("at_ns")) edge.at = std::chrono::nanoseconds{num(e.get_object(), "at_ns")};
      r.phases.push_back(std::move(edge));
    }
  }
  if (const json::value* tv = o.if_contains("token_violations"); tv && tv->is_array()) {
    for (const auto& e : tv->get_array()) {
      if (!e.is_object()) continue;
      const auto count = num(e.get_object(), "count");
      r.token_violations.push_back({str(e.get_object(), "token"), str(e.get_object(), "violation"),
                                    static_cast<std::uint64_t>(std::max<std::int64_t>(count, 0))});
    }
  }
  if (const json::value* n = o.if_contains("notes"); n && n->is_object()) {
    for (const auto& [k, v] : n->get_object()) {
      r.notes.emplace_back(std::string(k), v.is_string() ? std::string(v.get_string()) : json::serialize(v));
    }
  }
  return r;
}

RunData read_run_record(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the run record " + path.string());
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  RunData data;
  std::size_t line_no = 0, pos = 0;
  while (pos < content.size()) {
    std::size_t end = content.find('\n', pos);
    const bool last = end == std::string::npos;
    const std::string line = content.substr(pos, last ? std::string::npos : end - pos);
    pos = last ? content.size() : end + 1;
    ++line_no;
    if (line.empty()) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) {
      // Only the last line may be torn (the rig died while writing it); anything else is damage.
      if (last) {
        data.torn_last_line = true;
        break;
      }
      throw std::runtime_error(path.string() + ":" + std::to_string(line_no) + ": not a JSON object");
    }
    const json::object& o = v.get_object();
    const std::string type = str(o, "type");
    if (type == "run") {
      data.header = {str(o, "bench"),    str(o, "bench_source"), str(o, "suite"),  str(o, "suite_source"),
                     str(o, "tapbench"), str(o, "host"),         str(o, "started")};
    } else if (type == "case_start") {
      CaseData& c = data.case_named(str(o, "case"));
      c.title = str(o, "title");
      if (const json::value* p = o.if_contains("phases"); p && p->is_array()) {
        for (const auto& name : p->get_array()) {
          if (name.is_string()) c.phases.emplace_back(name.get_string());
        }
      }
    } else if (type == "step") {
      data.case_named(str(o, "case"))
          .steps.push_back({str(o, "step"), outcome(o), str(o, "class"), str(o, "reason"),
                            std::chrono::nanoseconds{num(o, "took_ns")}});
    } else if (type == "cycle") {
      CycleRecord r = cycle_from_json(o);
      data.case_named(r.case_id).cycles.push_back(std::move(r));
    } else if (type == "case_end") {
      CaseResult r;
      r.case_id = str(o, "case");
      r.title = str(o, "title");
      r.outcome = outcome(o);
      r.reason = str(o, "reason");
      r.counts = {static_cast<int>(num(o, "cycles")),  static_cast<int>(num(o, "passed")),
                  static_cast<int>(num(o, "failed")),  static_cast<int>(num(o, "errored")),
                  static_cast<int>(num(o, "skipped")), static_cast<int>(num(o, "passed_on_retry")),
                  static_cast<int>(num(o, "attempts"))};
      r.duration = std::chrono::nanoseconds{num(o, "took_ns")};
      CaseData& c = data.case_named(r.case_id);
      if (c.title.empty()) c.title = r.title;
      c.result = std::move(r);
    } else if (type == "run_end") {
      data.exit_code = static_cast<int>(num(o, "exit_code"));
      data.interrupted =
          o.if_contains("interrupted") && o.at("interrupted").is_bool() && o.at("interrupted").get_bool();
      data.aborted_reason = str(o, "aborted");
      data.duration = std::chrono::nanoseconds{num(o, "took_ns")};
    }
  }
  return data;
}

}  // namespace tapbench::rig
