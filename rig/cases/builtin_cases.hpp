// Every case of this build: the catalogue (rig/runner/case_catalogue.cpp) with the implemented cases
// registered over their catalogue entries. What `tapbench run`, `list` and `suite validate` use.
#pragma once

#include "rig/runner/case_registry.hpp"

namespace tapbench::rig {

CaseRegistry make_case_registry();

}  // namespace tapbench::rig
