#include "rig/runner/case_registry.hpp"

#include <algorithm>

namespace tapbench::rig {

void CaseRegistry::add(CaseInfo info, CaseFactory factory) {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.info.id == info.id; });
  Entry entry{std::move(info), std::move(factory), {}};
  if (it != entries_.end()) {
    *it = std::move(entry);
  } else {
    entries_.push_back(std::move(entry));
  }
}

void CaseRegistry::add_planned(CaseInfo info, std::string unavailable_reason) {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.info.id == info.id; });
  Entry entry{std::move(info), {}, std::move(unavailable_reason)};
  if (it != entries_.end()) {
    *it = std::move(entry);
  } else {
    entries_.push_back(std::move(entry));
  }
}

const CaseRegistry::Entry* CaseRegistry::find(std::string_view id) const {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.info.id == id; });
  return it == entries_.end() ? nullptr : &*it;
}

std::vector<KnownCase> CaseRegistry::known() const {
  std::vector<KnownCase> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_)
    out.push_back({e.info.id, e.info.phases});
  return out;
}

}  // namespace tapbench::rig
