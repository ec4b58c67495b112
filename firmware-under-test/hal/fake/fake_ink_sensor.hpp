// In-process fake ink sensor, for unit tests only: returns `levels` (the test sets them), or a failure.
#pragma once

#include <vector>

#include "firmware-under-test/hal/ink_sensor.hpp"

namespace tapbench::firmware::hal {

class FakeInkSensor final : public InkSensor {
 public:
  Result<std::vector<InkLevel>> read_levels() override {
    ++reads;
    if (fail) return Status::failure(HalCode::io_error, "fake ink sensor: no cartridge chip");
    return levels;
  }
  void set(const std::string& colour, std::uint8_t percent) {
    for (auto& l : levels) {
      if (l.colour == colour) l.percent = percent;
    }
  }

  std::vector<InkLevel> levels = {{"cyan", 100}, {"magenta", 100}, {"yellow", 100}, {"black", 100}};
  bool fail = false;
  int reads = 0;
};

}  // namespace tapbench::firmware::hal
