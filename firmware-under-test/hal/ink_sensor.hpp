// HAL role: the ink level sensor (one reading per colour cartridge).
#pragma once

#include <vector>

#include "firmware-under-test/core/ptb.hpp"
#include "firmware-under-test/hal/status.hpp"

namespace tapbench::firmware::hal {

class InkSensor {
 public:
  virtual ~InkSensor() = default;
  // Current levels, one entry per colour, percent 0–100.
  virtual Result<std::vector<InkLevel>> read_levels() = 0;
};

}  // namespace tapbench::firmware::hal
