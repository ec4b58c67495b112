// Token lifecycle cases (issue 6): each token kind accepted just before its lifetime ends and refused at
// its end, PWT rotation on schedule and on PT issue, single use of SVWT and CWT, PT deleted only by its
// owner. Every boundary is exact: the cases freeze the bench's sim clock (sim/clock) and advance it to
// lifetime - 1 ms, then 1 ms more, so no case waits on the wall clock. A wrong answer of the system is a FAIL
// with a failure class naming the token and the violation ("pwt-accepted-after-expiry"), counted as a token
// violation; no answer at all (transport) is an ERROR ("terminal-transport").
#pragma once

#include "rig/cases/token_bench.hpp"
#include "rig/runner/case_registry.hpp"

namespace tapbench::rig {

// Registers token-pwt, token-pt, token-svwt, token-svt and token-cwt over their catalogue entries. Without
// a factory (no sim bench strategy in this build) their setup is a SKIP that says so.
void register_token_cases(CaseRegistry& registry, TokenBenchFactory factory);

}  // namespace tapbench::rig
