// Prometheus metrics of a run (docs/METRICS.md): a RunObserver that turns the runner's events into
// prometheus-cpp metrics in a Registry, which an Exposer (metrics_server.hpp) serves on /metrics.
//
//   tapbench_phase_duration_seconds{bench,case,phase,firmware}      histogram: each reached phase edge
//   tapbench_handover_duration_seconds{bench,case,firmware}         histogram: field_on → auth_ok
//   tapbench_cycle_duration_seconds{bench,case,firmware,result}     histogram: whole cycles (final attempts)
//   tapbench_cycles_total{bench,case,result}                        counter: final attempts by result
//   tapbench_cycle_retries_total{bench,case,class}                  counter: ERROR attempts that were retried
//   tapbench_failures_total{bench,case,step,result,class}           counter: FAIL/ERROR cycles and steps
//   tapbench_token_violations_total{bench,case,token,violation}     counter: CycleContext::token_violation
//   tapbench_bench_healthy{bench}                                   gauge: 1 healthy, 0 failed check / marked
//   bad tapbench_run_info{bench,suite,version}                          gauge: 1 while the run's metrics are
//   served
//
// Label values come from the bench and suite, the case's declared phases, its failure classes (already
// through the redaction guard) and the `firmware` note of a cycle ("unknown" when the case does not note one)
// — never a token. A phase's time is the span from the previous reached edge (or the cycle's start), the same
// figure as in summary.txt and report.html.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "rig/runner/runner.hpp"

namespace tapbench::rig {

// Every metric name tapbench exports (the Grafana dashboard test checks its queries against these).
const std::vector<std::string>& exported_metric_names();

class MetricsObserver final : public RunObserver {
 public:
  // Registers the families in `registry`; `version` is tapbench's, for tapbench_run_info.
  MetricsObserver(prometheus::Registry& registry, std::string version);

  void on_run_start(const Bench& bench, const Suite& suite) override;
  void on_case_start(const CaseInfo& info, const SuiteCase& suite_case) override;
  void on_step(const std::string& case_id, const StepRecord& step) override;
  void on_cycle(const CycleRecord& record, const CaseCounts& so_far) override;
  void on_run_end(const RunResult& result, int exit_code) override;
  void on_bench_health(const std::string& bench, bool healthy, const std::string& reason) override;
  // Thread-safe (a load case's terminals count from their own threads).
  void on_token_violation(std::string_view case_id, int cycle, std::string_view token,
                          std::string_view violation, std::uint64_t count) override;

  // The histogram buckets of every duration metric, in seconds.
  static const prometheus::Histogram::BucketBoundaries& buckets();

 private:
  std::string version_;
  std::string bench_ = "unknown";
  std::mutex mutex_;  // guards bench_ against on_token_violation from other threads
  prometheus::Family<prometheus::Histogram>& phase_;
  prometheus::Family<prometheus::Histogram>& handover_;
  prometheus::Family<prometheus::Histogram>& cycle_;
  prometheus::Family<prometheus::Counter>& cycles_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& failures_;
  prometheus::Family<prometheus::Counter>& violations_;
  prometheus::Family<prometheus::Gauge>& healthy_;
  prometheus::Family<prometheus::Gauge>& info_;
};

}  // namespace tapbench::rig
