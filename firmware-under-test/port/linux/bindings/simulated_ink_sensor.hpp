// SIMULATION — not a sensor. hal::InkSensor for benches without cartridges: levels kept in a JSON file in
// the state directory (so a restart does not refill the cartridges), lowered by a configurable amount per
// marked page. The file is re-read on every reading, so a test or an operator "exchanges a cartridge" by
// editing it (or with set_level()):
//   {"simulated":true,"levels":{"cyan":100,"magenta":100,"yellow":100,"black":100}}
// Levels are kept as decimals (consumption per page is typically a fraction of a percent) and reported
// rounded down, so a colour reads 9 % as soon as it is below 10 %.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "firmware-under-test/hal/ink_sensor.hpp"
#include "firmware-under-test/hal/print_engine.hpp"

namespace tapbench::firmware::port {

struct SimulatedInkConfig {
  std::filesystem::path file;  // e.g. <state-dir>/ink-sim.json; created with `initial` if missing
  std::map<std::string, double> initial = {{"cyan", 100}, {"magenta", 100}, {"yellow", 100}, {"black", 100}};
  double mono_page_black = 0.5;   // percent of black used by a monochrome page
  double colour_page_each = 0.5;  // percent of every colour used by a colour page
  std::string black_colour = "black";
};

class SimulatedInkSensor final : public hal::InkSensor {
 public:
  // Throws std::runtime_error for a config that makes no sense (negative consumption, level out of 0–100).
  explicit SimulatedInkSensor(SimulatedInkConfig config);

  // bad_response when the file is corrupt, io_error when unreadable (the core keeps its last good reading).
  hal::Result<std::vector<InkLevel>> read_levels() override;

  // A page was marked: consume ink (levels never go below 0) and persist. io_error if it cannot be saved.
  hal::Status page_marked(hal::ColourMode mode);
  // Test / operator hook: set one colour (0–100), persisted.
  hal::Status set_level(const std::string& colour, double percent);
  // Current decimal levels (after re-reading the file).
  hal::Result<std::map<std::string, double>> levels();

 private:
  hal::Result<std::map<std::string, double>> load_locked();
  hal::Status save_locked(const std::map<std::string, double>& levels);

  SimulatedInkConfig config_;
  std::mutex mutex_;
};

}  // namespace tapbench::firmware::port
