// tapbench-bench-rig-mark: what one phase timestamp costs the rig (issue 8, "rig overhead"), with Google
// Benchmark (Debian libbenchmark-dev). A case calls CycleContext::mark() on the timed path; this measures it
// with the RealClock a run uses, next to a bare steady_clock::now() as the floor.
//
// Each iteration builds a CycleContext over kEdges phases outside the timed region and marks every edge, so
// the per-mark figure (items_per_second → ns per mark in the report) excludes the context's construction.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "protocol/clock/clock.hpp"
#include "rig/runner/cycle_context.hpp"
#include "rig/runner/secrets.hpp"
#include "rig/suite/suite.hpp"

namespace {

constexpr std::size_t kEdges = 256;

const std::vector<std::string>& phases() {
  static const std::vector<std::string> p = [] {
    std::vector<std::string> v;
    for (std::size_t i = 0; i < kEdges; ++i)
      v.push_back("edge_" + std::to_string(i));
    return v;
  }();
  return p;
}

void BM_SteadyClockNow(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(std::chrono::steady_clock::now());
}
BENCHMARK(BM_SteadyClockNow);

void BM_RealClockMonotonicNow(benchmark::State& state) {
  tapbench::RealClock clock;
  const tapbench::Clock& c = clock;
  for (auto _ : state)
    benchmark::DoNotOptimize(c.monotonic_now());
}
BENCHMARK(BM_RealClockMonotonicNow);

template <bool ByName>
void mark_all(benchmark::State& state) {
  tapbench::RealClock clock;
  tapbench::rig::Timeouts timeouts;  // defaults: 10 s per phase, far from reached
  tapbench::rig::SecretRegistry secrets;
  std::atomic<bool> stop{false};
  const auto& p = phases();
  for (auto _ : state) {
    state.PauseTiming();
    tapbench::rig::CycleContext cycle(clock, "bench", p, timeouts, 1, 1, secrets, nullptr, &stop);
    state.ResumeTiming();
    for (std::size_t i = 0; i < kEdges; ++i) {
      if constexpr (ByName)
        cycle.mark(std::string_view(p[i]));
      else
        cycle.mark(i);
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kEdges));
}

void BM_CycleMarkByIndex(benchmark::State& state) {
  mark_all<false>(state);
}
void BM_CycleMarkByName(benchmark::State& state) {
  mark_all<true>(state);
}
BENCHMARK(BM_CycleMarkByIndex);
// mark("name") looks the name up linearly over the case's phases: with 256 phases that is the worst case;
// real cases declare 3-6 phases.
BENCHMARK(BM_CycleMarkByName);

}  // namespace

BENCHMARK_MAIN();
