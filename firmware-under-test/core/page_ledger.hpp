// The page ledger (S107, S123, §0050): printable pages are an unsigned count that no operation takes below
// zero or past UINT32_MAX. Pure arithmetic; the core commits each result through the storage HAL.
#pragma once

#include <cstdint>
#include <optional>

namespace tapbench::firmware::ledger {

// A page may start only while at least one is left (refuse at zero).
inline bool can_print(std::uint32_t pages) {
  return pages > 0;
}

// The count after one page, nullopt at zero (the page is refused, the job cut at this boundary).
inline std::optional<std::uint32_t> after_page(std::uint32_t pages) {
  if (!can_print(pages)) return std::nullopt;
  return pages - 1;
}

// The count after a credit (S107), nullopt if it would overflow.
inline std::optional<std::uint32_t> after_credit(std::uint32_t pages, std::uint32_t add) {
  if (add > UINT32_MAX - pages) return std::nullopt;
  return pages + add;
}

// A job announcing `job_pages` would cross zero (it cannot print all its pages).
inline bool would_cross_zero(std::uint32_t pages, std::uint32_t job_pages) {
  return job_pages > pages;
}

}  // namespace tapbench::firmware::ledger
