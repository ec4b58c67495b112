// The patent's flows as timed cases on a bench brought up by the sim bench strategy (rig/strategy): real
// printerd (printer core), real vendord, the phone's tap through libnfc on an emulated PN532, the Wi-Fi
// Direct join through drivers/wifi's link model in the air printerd shares.
//   provisioning        S11-S115, Figs 4-6: tap → WFD join → router hand-over (PWT) → printer on the LAN →
//                       PT → registration → SVWT → SVT → free charge → sync
//   tap-to-print        Fig 8: tap → WFD join → print with the PWT → quota decrement → refusal at zero with
//                       the remaining count
//   second-tap          Fig 7: pages <= threshold → charge URL; ink low → exchange URL; page opened with SVT
//   ink-low-notice      ink below the threshold → the server's replacement notice, once
//   printer-deactivated the server disables printing → sync → print refused; enabled → print accepted
// A wrong answer of printerd or vendord is a FAIL (CaseFailure, class naming what was wrong); no answer, a
// process that died, or the rig's own trouble is an ERROR (BenchError).
#pragma once

#include <memory>

#include "rig/runner/case_registry.hpp"
#include "rig/strategy/sim_bench_session.hpp"

namespace tapbench::rig {

// Registers the five flow cases over their catalogue entries; all share `session` (one bench per run).
void register_flow_cases(CaseRegistry& registry, std::shared_ptr<SimBenchSession> session);

}  // namespace tapbench::rig
