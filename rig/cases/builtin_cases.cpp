#include "rig/cases/builtin_cases.hpp"

#include "rig/cases/nfc_selftest_case.hpp"
#include "rig/cases/radio_cases.hpp"
#include "rig/cases/token_cases.hpp"

namespace tapbench::rig {

CaseRegistry make_case_registry() {
  CaseRegistry registry = make_builtin_registry();
  registry.add(nfc_selftest_info(), &make_nfc_selftest_case);
  registry.add(radio_handover_info(), &make_radio_handover_case);
  registry.add(radio_faults_info(), &make_radio_faults_case);
  // No TokenBenchFactory yet: the sim bench strategy (rig/strategy) provides it; until then a SKIP says so.
  register_token_cases(registry, {});
  return registry;
}

}  // namespace tapbench::rig
