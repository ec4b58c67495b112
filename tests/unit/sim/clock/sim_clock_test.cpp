// sim/clock: the offset clock shared through a file. Two mappings (and two processes) see the same advance;
// bad files are refused with a clear error; time only moves forward.
#include "sim/clock/sim_clock.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/scratch_dir.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using tapbench::sim::SimClock;
using tapbench::sim::SimClockController;
using tapbench::sim::SimClockError;

namespace {

using TempDir = tapbench::testing::ScratchDir;

}  // namespace

TEST_CASE("a new clock file starts at offset zero and reads the machine's time") {
  TempDir tmp;
  const SimClock clock(tmp.path / "clock");
  CHECK(clock.offset() == 0ns);
  const auto before = std::chrono::system_clock::now();
  const auto now = clock.system_now();
  const auto after = std::chrono::system_clock::now();
  CHECK(now >= before);
  CHECK(now <= after);
  CHECK(fs::file_size(tmp.path / "clock") == 56);
}

TEST_CASE("two mappings of the same file see the same advance, on both time lines") {
  TempDir tmp;
  SimClockController controller(tmp.path / "clock");
  const SimClock reader(tmp.path / "clock");
  const auto mono_before = reader.monotonic_now();
  const auto sys_before = reader.system_now();
  controller.advance(3600s);
  controller.advance(1ms);
  CHECK(reader.offset() == 3600s + 1ms);
  CHECK(controller.offset() == 3600s + 1ms);
  CHECK(reader.monotonic_now() - mono_before >= 3600s + 1ms);
  CHECK(reader.system_now() - sys_before >= 3600s + 1ms);
  CHECK(reader.monotonic_now() - mono_before < 3600s + 1ms + 60s);  // real time adds only a little
}

TEST_CASE("an advance made by another process is seen at once") {
  TempDir tmp;
  const SimClock reader(tmp.path / "clock");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      SimClockController(tmp.path / "clock").advance(90s);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(reader.offset() == 90s);
}

TEST_CASE("a frozen clock reads the same instant until advanced, exactly by the step") {
  TempDir tmp;
  SimClockController controller(tmp.path / "clock");
  const SimClock reader(tmp.path / "clock");
  controller.freeze();
  CHECK(reader.frozen());
  const auto mono = reader.monotonic_now();
  const auto sys = reader.system_now();
  // Let the machine's clocks move on (a bounded spin, no sleep): the frozen reading must not.
  const auto spin_until = std::chrono::steady_clock::now() + 2ms;
  while (std::chrono::steady_clock::now() < spin_until) {
  }
  CHECK(reader.monotonic_now() == mono);
  CHECK(reader.system_now() == sys);
  controller.advance(600s - 1ms);
  CHECK(reader.monotonic_now() - mono == 600s - 1ms);
  CHECK(reader.system_now() - sys == 600s - 1ms);
  controller.advance(1ms);
  CHECK(reader.system_now() - sys == 600s);
  controller.freeze();  // idempotent: the frozen instant stays
  CHECK(reader.system_now() - sys == 600s);

  controller.resume();
  CHECK_FALSE(reader.frozen());
  const auto resumed = reader.monotonic_now();
  CHECK(resumed - mono >= 600s);       // never back
  CHECK(resumed - mono < 600s + 60s);  // continues from the frozen instant, not from real time + offset
}

TEST_CASE("time only moves forward") {
  TempDir tmp;
  SimClockController controller(tmp.path / "clock");
  controller.advance(5s);
  CHECK_THROWS_AS(controller.advance(-1ns), std::invalid_argument);
  CHECK(controller.offset() == 5s);
}

TEST_CASE("a file that is not a clock file is refused, untouched") {
  TempDir tmp;
  const fs::path other = tmp.path / "notes.txt";
  { std::ofstream(other) << "not a clock, 24 bytes..."; }
  CHECK(fs::file_size(other) == 24);
  CHECK_THROWS_WITH_AS(SimClock{other}, doctest::Contains("not a sim clock file"), SimClockError);
  { std::ofstream(other, std::ios::trunc) << "short"; }
  CHECK_THROWS_WITH_AS(SimClockController{other}, doctest::Contains("expected 56 bytes"), SimClockError);
  std::ifstream in(other);
  std::string text;
  std::getline(in, text);
  CHECK(text == "short");
  CHECK_THROWS_WITH_AS(SimClock{tmp.path / "missing-dir" / "clock"}, doctest::Contains("cannot create"),
                       SimClockError);
}
