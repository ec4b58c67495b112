#include "rig/report/junit.hpp"

#include <sstream>

#include "rig/report/summary.hpp"

namespace tapbench::rig {
namespace {

std::string seconds(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", std::chrono::duration<double>(d).count());
  return buf;
}

constexpr std::size_t kMaxCycleProperties = 1000;

}  // namespace

std::string render_junit(const RunData& run) {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  std::chrono::nanoseconds total{0};
  for (const auto& c : run.cases) {
    ++tests;
    const Outcome o = c.result ? c.result->outcome : Outcome::kError;
    failures += o == Outcome::kFail;
    errors += o == Outcome::kError;
    skipped += o == Outcome::kSkip;
    if (c.result) total += c.result->duration;
  }
  const std::string classname = xml_escape("tapbench." + run.header.bench + "." + run.header.suite);
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x << "<testsuites name=\"tapbench\" tests=\"" << tests << "\" failures=\"" << failures << "\" errors=\""
    << errors << "\" skipped=\"" << skipped << "\" time=\""
    << seconds(run.duration.count() ? run.duration : total) << "\">\n";
  x << "  <testsuite name=\"" << xml_escape(run.header.suite + " on " + run.header.bench) << "\" tests=\""
    << tests << "\" failures=\"" << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped
    << "\" time=\"" << seconds(run.duration.count() ? run.duration : total) << "\" timestamp=\""
    << xml_escape(run.header.started.substr(0, 19)) << "\" hostname=\"" << xml_escape(run.header.host)
    << "\">\n";
  x << "    <properties>\n";
  x << "      <property name=\"bench\" value=\"" << xml_escape(run.header.bench) << "\"/>\n";
  x << "      <property name=\"bench.source\" value=\"" << xml_escape(run.header.bench_source) << "\"/>\n";
  x << "      <property name=\"suite.source\" value=\"" << xml_escape(run.header.suite_source) << "\"/>\n";
  x << "      <property name=\"tapbench.version\" value=\"" << xml_escape(run.header.tapbench_version)
    << "\"/>\n";
  x << "      <property name=\"exit_code\" value=\""
    << (run.exit_code ? std::to_string(*run.exit_code) : "incomplete") << "\"/>\n";
  if (!run.aborted_reason.empty()) {
    x << "      <property name=\"aborted\" value=\"" << xml_escape(run.aborted_reason) << "\"/>\n";
  }
  x << "    </properties>\n";
  for (const auto& c : run.cases) {
    const Outcome outcome = c.result ? c.result->outcome : Outcome::kError;
    const std::string reason =
        c.result ? c.result->reason
                 : "incomplete: the run record ends during this case (the rig died or was killed)";
    x << "    <testcase classname=\"" << classname << "\" name=\"" << xml_escape(c.id) << "\" time=\""
      << seconds(c.result ? c.result->duration : std::chrono::nanoseconds{0}) << "\">\n";
    x << "      <properties>\n";
    if (c.result) {
      const auto& n = c.result->counts;
      x << "        <property name=\"cycles\" value=\"" << n.cycles << "\"/>\n";
      x << "        <property name=\"passed\" value=\"" << n.passed << "\"/>\n";
      x << "        <property name=\"failed\" value=\"" << n.failed << "\"/>\n";
      x << "        <property name=\"errored\" value=\"" << n.errored << "\"/>\n";
      x << "        <property name=\"passed_on_retry\" value=\"" << n.passed_on_retry << "\"/>\n";
      x << "        <property name=\"attempts\" value=\"" << n.attempts << "\"/>\n";
    }
    std::size_t listed = 0;
    for (const auto& r : c.cycles) {
      if (r.outcome == Outcome::kPass || listed >= kMaxCycleProperties) continue;
      ++listed;
      x << "        <property name=\"cycle." << r.cycle << ".attempt." << r.attempt << "\" value=\""
        << xml_escape(std::string(to_string(r.outcome)) + " [" + r.failure_class + "]" +
                      (r.phase.empty() ? "" : " in " + r.phase) + ": " + r.reason)
        << "\"/>\n";
    }
    x << "      </properties>\n";
    std::string failed_cycles;
    for (const auto& r : c.cycles) {
      if (r.outcome == Outcome::kFail || (r.outcome == Outcome::kError && !r.retried)) {
        failed_cycles += "cycle " + std::to_string(r.cycle) + " attempt " + std::to_string(r.attempt) + ": " +
                         std::string(to_string(r.outcome)) + " [" + r.failure_class + "]" +
                         (r.phase.empty() ? "" : " in " + r.phase) + ": " + r.reason + "\n";
      }
    }
    for (const auto& s : c.steps) {
      if (s.outcome == Outcome::kFail || s.outcome == Outcome::kError) {
        failed_cycles += s.step + ": " + std::string(to_string(s.outcome)) + " [" + s.failure_class +
                         "]: " + s.reason + "\n";
      }
    }
    if (outcome == Outcome::kFail) {
      x << "      <failure message=\"" << xml_escape(reason) << "\" type=\"FAIL\">"
        << xml_escape(failed_cycles) << "</failure>\n";
    } else if (outcome == Outcome::kError) {
      x << "      <error message=\"" << xml_escape(reason) << "\" type=\"ERROR\">"
        << xml_escape(failed_cycles) << "</error>\n";
    } else if (outcome == Outcome::kSkip) {
      x << "      <skipped message=\"" << xml_escape(reason) << "\"/>\n";
    }
    std::string out;
    for (const auto& r : c.cycles) {
      out += "cycle " + std::to_string(r.cycle) + " attempt " + std::to_string(r.attempt) + ": " +
             std::string(to_string(r.outcome)) + " " + seconds(r.duration) + "s\n";
    }
    const auto stats = phase_stats(c);
    if (!stats.empty()) out += "phase n p50_ms p90_ms p99_ms max_ms\n";
    for (const auto& s : stats) {
      char line[200];
      std::snprintf(line, sizeof line, "%s %zu %.1f %.1f %.1f %.1f\n", s.phase.c_str(), s.samples,
                    std::chrono::duration<double, std::milli>(s.p50).count(),
                    std::chrono::duration<double, std::milli>(s.p90).count(),
                    std::chrono::duration<double, std::milli>(s.p99).count(),
                    std::chrono::duration<double, std::milli>(s.max).count());
      out += line;
    }
    if (!out.empty()) x << "      <system-out>" << xml_escape(out) << "</system-out>\n";
    x << "    </testcase>\n";
  }
  x << "  </testsuite>\n</testsuites>\n";
  return x.str();
}

}  // namespace tapbench::rig
