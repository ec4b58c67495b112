#include "rig/metrics/metrics_observer.hpp"

#include <algorithm>
#include <cctype>

namespace tapbench::rig {
namespace {

using Labels = std::map<std::string, std::string>;

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string firmware_of(const CycleRecord& r) {
  for (const auto& [k, v] : r.notes) {
    if (k == "firmware" && !v.empty()) return v.substr(0, 64);
  }
  return "unknown";
}

}  // namespace

const std::vector<std::string>& exported_metric_names() {
  static const std::vector<std::string> names = {"tapbench_phase_duration_seconds",
                                                 "tapbench_handover_duration_seconds",
                                                 "tapbench_cycle_duration_seconds",
                                                 "tapbench_cycles_total",
                                                 "tapbench_cycle_retries_total",
                                                 "tapbench_failures_total",
                                                 "tapbench_token_violations_total",
                                                 "tapbench_bench_healthy",
                                                 "tapbench_run_info"};
  return names;
}

const prometheus::Histogram::BucketBoundaries& MetricsObserver::buckets() {
  // 1 ms (an NFC exchange) to 5 min (a provisioning phase on a slow bench).
  static const prometheus::Histogram::BucketBoundaries b = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
  return b;
}

MetricsObserver::MetricsObserver(prometheus::Registry& registry, std::string version)
    : version_(std::move(version)),
      phase_(
          prometheus::BuildHistogram()
              .Name("tapbench_phase_duration_seconds")
              .Help("Time of each reached phase of a cycle: from the previous reached edge (or the cycle's "
                    "start) to the phase's edge, every attempt")
              .Register(registry)),
      handover_(prometheus::BuildHistogram()
                    .Name("tapbench_handover_duration_seconds")
                    .Help("Handover latency of a cycle: field_on to auth_ok (DESIGN 6)")
                    .Register(registry)),
      cycle_(prometheus::BuildHistogram()
                 .Name("tapbench_cycle_duration_seconds")
                 .Help("Duration of whole cycles (final attempts), by result")
                 .Register(registry)),
      cycles_(prometheus::BuildCounter()
                  .Name("tapbench_cycles_total")
                  .Help("Cycles run (final attempts, after retries), by result: PASS, FAIL, ERROR, SKIP")
                  .Register(registry)),
      retries_(prometheus::BuildCounter()
                   .Name("tapbench_cycle_retries_total")
                   .Help("Attempts that ended in ERROR and were retried, by failure class")
                   .Register(registry)),
      failures_(
          prometheus::BuildCounter()
              .Name("tapbench_failures_total")
              .Help("Cycles (final attempts) and steps (setup, recover, teardown) that ended in FAIL or "
                    "ERROR, by failure class")
              .Register(registry)),
      violations_(prometheus::BuildCounter()
                      .Name("tapbench_token_violations_total")
                      .Help("Token decisions that broke the token's lifetime, by token kind and violation "
                            "(counted, not sampled)")
                      .Register(registry)),
      healthy_(prometheus::BuildGauge()
                   .Name("tapbench_bench_healthy")
                   .Help("1 when the bench passed its last health check (or none is configured), 0 when it "
                         "failed one or was marked bad after repeated ERRORs")
                   .Register(registry)),
      info_(prometheus::BuildGauge()
                .Name("tapbench_run_info")
                .Help("1 for the run being served: its bench, suite and tapbench version")
                .Register(registry)) {}

void MetricsObserver::on_run_start(const Bench& bench, const Suite& suite) {
  {
    std::lock_guard lock(mutex_);
    bench_ = bench.name;
  }
  info_.Add({{"bench", bench.name}, {"suite", suite.name}, {"version", version_}}).Set(1);
  healthy_.Add({{"bench", bench.name}}).Set(1);
}

void MetricsObserver::on_case_start(const CaseInfo& info, const SuiteCase& /*suite_case*/) {
  // Every result starts at 0, so rate() and increase() see the first cycle.
  for (const char* result : {"PASS", "FAIL", "ERROR", "SKIP"})
    cycles_.Add({{"bench", bench_}, {"case", info.id}, {"result", result}});
}

void MetricsObserver::on_step(const std::string& case_id, const StepRecord& step) {
  if (step.outcome != Outcome::kFail && step.outcome != Outcome::kError) return;
  failures_
      .Add({{"bench", bench_},
            {"case", case_id},
            {"step", step.step},
            {"result", std::string(to_string(step.outcome))},
            {"class", step.failure_class.empty() ? "unknown" : step.failure_class}})
      .Increment();
}

void MetricsObserver::on_cycle(const CycleRecord& r, const CaseCounts& /*so_far*/) {
  const std::string firmware = firmware_of(r);
  std::chrono::nanoseconds previous{0};
  std::optional<std::chrono::nanoseconds> field_on, auth_ok;
  for (const auto& e : r.phases) {
    if (!e.at) continue;
    phase_.Add({{"bench", bench_}, {"case", r.case_id}, {"phase", e.name}, {"firmware", firmware}}, buckets())
        .Observe(seconds(*e.at - previous));
    previous = *e.at;
    if (e.name == "field_on") field_on = e.at;
    if (e.name == "auth_ok") auth_ok = e.at;
  }
  if (field_on && auth_ok) {
    handover_.Add({{"bench", bench_}, {"case", r.case_id}, {"firmware", firmware}}, buckets())
        .Observe(seconds(*auth_ok - *field_on));
  }
  if (r.retried) {
    retries_
        .Add({{"bench", bench_},
              {"case", r.case_id},
              {"class", r.failure_class.empty() ? "unknown" : r.failure_class}})
        .Increment();
    return;
  }
  const std::string result(to_string(r.outcome));
  cycle_.Add({{"bench", bench_}, {"case", r.case_id}, {"firmware", firmware}, {"result", result}}, buckets())
      .Observe(seconds(r.duration));
  cycles_.Add({{"bench", bench_}, {"case", r.case_id}, {"result", result}}).Increment();
  if (r.outcome == Outcome::kFail || r.outcome == Outcome::kError) {
    failures_
        .Add({{"bench", bench_},
              {"case", r.case_id},
              {"step", "cycle"},
              {"result", result},
              {"class", r.failure_class.empty() ? "unknown" : r.failure_class}})
        .Increment();
  }
}

void MetricsObserver::on_run_end(const RunResult& /*result*/, int /*exit_code*/) {}

void MetricsObserver::on_bench_health(const std::string& bench, bool healthy, const std::string& /*reason*/) {
  healthy_.Add({{"bench", bench}}).Set(healthy ? 1 : 0);
}

void MetricsObserver::on_token_violation(std::string_view case_id, int /*cycle*/, std::string_view token,
                                         std::string_view violation, std::uint64_t count) {
  std::string bench;
  {
    std::lock_guard lock(mutex_);
    bench = bench_;
  }
  violations_
      .Add({{"bench", bench},
            {"case", std::string(case_id)},
            {"token", lower(token)},
            {"violation", std::string(violation)}})
      .Increment(static_cast<double>(count));
}

}  // namespace tapbench::rig
