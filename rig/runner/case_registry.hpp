// The cases this build knows. Every case of the catalogue (the patent's flows and the checks they imply,
// issue 6) is listed with its phases; rig/cases registers the runnable case over each entry. A suite that
// names a case a registry cannot run reports SKIP with the reason rather than a fake result.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rig/runner/case.hpp"
#include "rig/suite/suite.hpp"

namespace tapbench::rig {

class CaseRegistry {
 public:
  struct Entry {
    CaseInfo info;
    CaseFactory factory;             // empty: catalogued, not runnable in this build
    std::string unavailable_reason;  // why not, when factory is empty
  };

  // Registers a runnable case (replaces a catalogue entry with the same ID).
  void add(CaseInfo info, CaseFactory factory);
  // Registers a case that this build cannot run yet, with the reason shown as its SKIP.
  void add_planned(CaseInfo info, std::string unavailable_reason);

  const Entry* find(std::string_view id) const;
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<KnownCase> known() const;  // for the suite loader

 private:
  std::vector<Entry> entries_;
};

// The catalogue of issue 6 (no factories: rig/cases/builtin_cases.hpp make_case_registry() adds them).
CaseRegistry make_builtin_registry();

}  // namespace tapbench::rig
