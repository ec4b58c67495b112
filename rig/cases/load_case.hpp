// The `load` case (issue 6): N virtual terminals — the suite's `load:` shape (fixtures/suites/load.yaml:
// 1,000), or a smoke-sized default of 50 for `--case load` — tap, print, charge and open the exchange page
// concurrently against the bench's one printerd and one vendord, while the rig judges every token decision
// against its lifetime (rig/cases/load_engine.hpp). Phases: ramped_up (every terminal has started),
// held (the hold is over), drained (the last action finished). Notes: terminals, actions, operations,
// decisions checked, violations, throughput, schedule lag, rig peak RSS (VmHWM). Any violation is a FAIL
// ("token-violation"), also counted in tapbench_token_violations_total; a load the rig could not keep up
// (no answer to more than 1 % of the requests, or a terminal that never acted) is an ERROR.
#pragma once

#include <functional>
#include <memory>

#include "rig/cases/load_engine.hpp"
#include "rig/runner/case_registry.hpp"
#include "rig/strategy/sim_bench_session.hpp"

namespace tapbench::rig {

// Builds the parties of the running bench in the case's setup (bringing the printer into a state where its
// tag offers a PWT and it has pages). Throws CaseSkip when this bench has none.
using LoadPartiesFactory =
    std::function<std::unique_ptr<load::LoadParties>(const CaseEnvironment&, StepContext&)>;

// The smoke-sized shape used when the suite has no `load:` (e.g. `tapbench run --case load`).
LoadShape default_load_shape();

std::unique_ptr<Case> make_load_case(const CaseEnvironment& env, LoadPartiesFactory factory);

// Registers `load` over its catalogue entry, on the shared sim bench session.
void register_load_case(CaseRegistry& registry, std::shared_ptr<SimBenchSession> session);

}  // namespace tapbench::rig
