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
};

}  // namespace tapbench::firmware::hal
