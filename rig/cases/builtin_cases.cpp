#include "rig/cases/builtin_cases.hpp"

#include "rig/cases/flow_cases.hpp"
#include "rig/cases/load_case.hpp"
#include "rig/cases/nfc_selftest_case.hpp"
#include "rig/cases/radio_cases.hpp"
#include "rig/cases/token_cases.hpp"
#include "rig/strategy/sim_bench_session.hpp"

namespace tapbench::rig {

CaseRegistry make_case_registry() {
  CaseRegistry registry = make_builtin_registry();
  registry.add(nfc_selftest_info(), &make_nfc_selftest_case);
  registry.add(radio_handover_info(), &make_radio_handover_case);
  registry.add(radio_faults_info(), &make_radio_faults_case);
  // One sim bench per run, shared by the flow and token cases: started by the first case that needs it,
  // torn down when this registry goes away (rig/strategy/sim_bench_session.hpp).
  auto session = std::make_shared<SimBenchSession>();
  register_flow_cases(registry, session);
  register_token_cases(registry, token_bench_factory(session));
  register_load_case(registry, session);
  return registry;
}

}  // namespace tapbench::rig
