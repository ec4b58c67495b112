// HAL role: the print engine (marking one page). The core calls it once per page, after the page has been
// charged to the ledger (see docs/FIRMWARE.md "page ledger").
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "firmware-under-test/hal/status.hpp"

namespace tapbench::firmware::hal {

enum class ColourMode : std::uint8_t { monochrome, colour };

// One rendered page. The raster is borrowed for the duration of the call.
struct Page {
  std::uint32_t job_id = 0;
  std::uint32_t index = 0;  // 1-based within the job
  std::uint32_t width_px = 0;
  std::uint32_t height_px = 0;
  std::uint32_t dpi = 0;
  ColourMode mode = ColourMode::monochrome;
  std::string format;                  // e.g. "image/pwg-raster" (informational)
  std::span<const std::uint8_t> data;  // rendered bytes (may be empty for engines that render elsewhere)
};

class PrintEngine {
 public:
  virtual ~PrintEngine() = default;
  // ok = the page was output. A failure means nothing was marked (the core refunds the page).
  virtual Status print_page(const Page& page) = 0;
  // Boot reconciliation: page `index` of job `job_id` was charged but its mark was not committed when the
  // printer stopped. true only if the engine's output shows that page finished whole (the core then keeps
  // the charge); false and it is refunded. Default: the engine keeps no record, so false.
  virtual bool page_finished(std::uint32_t job_id, std::uint32_t index) {
    (void)job_id;
    (void)index;
    return false;
  }
};

}  // namespace tapbench::firmware::hal
