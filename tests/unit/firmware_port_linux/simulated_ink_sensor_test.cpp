// SimulatedInkSensor: levels from its file, consumption per page, persistence across instances (a restart
// does not refill cartridges), edits of the file are read, corrupt files are errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "firmware-under-test/port/linux/bindings/simulated_ink_sensor.hpp"
#include "tests/support/scratch_dir.hpp"

using namespace tapbench::firmware;
using namespace tapbench::firmware::port;
namespace fs = std::filesystem;

namespace {
struct Dir : tapbench::testing::ScratchDir {
  Dir() : ScratchDir("ink") {}
};
std::uint8_t level(const std::vector<InkLevel>& v, const std::string& c) {
  for (const auto& l : v)
    if (l.colour == c) return l.percent;
  FAIL("no colour " << c);
  return 0;
}
}  // namespace

TEST_CASE("pages consume ink by the configured amounts; levels persist across restarts and floor at 0") {
  Dir d;
  SimulatedInkConfig c;
  c.file = d.path / "ink-sim.json";
  c.initial = {{"black", 11}, {"cyan", 100}};
  c.mono_page_black = 0.5;
  c.colour_page_each = 2;
  {
    SimulatedInkSensor s(c);
    auto r = s.read_levels();
    REQUIRE(r.ok());
    CHECK(level(*r, "black") == 11);
    REQUIRE(s.page_marked(hal::ColourMode::monochrome).ok());  // 10.5 → reads 10
    REQUIRE(s.page_marked(hal::ColourMode::monochrome).ok());  // 10.0 → 10
    CHECK(level(*s.read_levels(), "black") == 10);
    CHECK(level(*s.read_levels(), "cyan") == 100);             // mono pages use black only
    REQUIRE(s.page_marked(hal::ColourMode::monochrome).ok());  // 9.5 → 9: below a 10 % threshold
    CHECK(level(*s.read_levels(), "black") == 9);
  }
  SimulatedInkSensor again(c);  // restart: the cartridge is as empty as before
  CHECK(level(*again.read_levels(), "black") == 9);
  for (int i = 0; i < 10; ++i)
    REQUIRE(again.page_marked(hal::ColourMode::colour).ok());
  auto r = again.read_levels();
  CHECK(level(*r, "black") == 0);  // never negative
  CHECK(level(*r, "cyan") == 80);
  REQUIRE(again.set_level("black", 100).ok());  // a cartridge exchange
  CHECK(level(*again.read_levels(), "black") == 100);
  CHECK(again.set_level("black", 101).code == hal::HalCode::rejected);
}

TEST_CASE("the file is re-read on each reading; a corrupt file is an error, not a refill") {
  Dir d;
  SimulatedInkConfig c;
  c.file = d.path / "ink-sim.json";
  SimulatedInkSensor s(c);
  REQUIRE(s.read_levels().ok());
  std::ofstream(c.file) << R"({"simulated":true,"levels":{"black":42.9}})";
  auto r = s.read_levels();
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK(level(*r, "black") == 42);
  std::ofstream(c.file) << R"({"levels":{"black":"lots"}})";
  CHECK(s.read_levels().status().code == hal::HalCode::bad_response);
  std::ofstream(c.file) << R"({"levels":{"black":120}})";
  CHECK(s.read_levels().status().detail.find("outside 0–100") != std::string::npos);
  std::ofstream(c.file) << "{";
  CHECK(s.page_marked(hal::ColourMode::monochrome).code == hal::HalCode::bad_response);
}

TEST_CASE("nonsense configuration is refused at construction") {
  SimulatedInkConfig c;
  c.mono_page_black = -1;
  CHECK_THROWS_WITH_AS(SimulatedInkSensor{c}, doctest::Contains("must not be negative"), std::runtime_error);
  SimulatedInkConfig c2;
  c2.initial = {{"cyan", 150}};
  CHECK_THROWS_WITH_AS(SimulatedInkSensor{c2}, doctest::Contains("0–100"), std::runtime_error);
}
