#include "rig/cases/builtin_cases.hpp"

#include "rig/cases/nfc_selftest_case.hpp"

namespace tapbench::rig {

CaseRegistry make_case_registry() {
  CaseRegistry registry = make_builtin_registry();
  registry.add(nfc_selftest_info(), &make_nfc_selftest_case);
  return registry;
}

}  // namespace tapbench::rig
