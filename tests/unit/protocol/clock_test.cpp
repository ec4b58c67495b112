#include <doctest/doctest.h>

#include "protocol/clock/clock.hpp"

using namespace std::chrono_literals;

TEST_CASE("ManualClock moves only when told to, both time lines together") {
  tapbench::ManualClock clock;
  const auto m0 = clock.monotonic_now();
  const auto s0 = clock.system_now();
  CHECK(tapbench::to_unix_seconds(s0) == 1767225600);
  CHECK(clock.monotonic_now() == m0);
  clock.advance(1500ms);
  CHECK(clock.monotonic_now() - m0 == 1500ms);
  CHECK(clock.system_now() - s0 == 1500ms);
}

TEST_CASE("ManualClock step_system is an NTP step: wall time moves, monotonic does not") {
  tapbench::ManualClock clock;
  const auto m0 = clock.monotonic_now();
  const auto s0 = clock.system_now();
  clock.step_system(-30s);
  CHECK(clock.system_now() - s0 == -30s);
  CHECK(clock.monotonic_now() == m0);
}

TEST_CASE("RealClock monotonic time never goes backwards") {
  const auto& clock = tapbench::RealClock::instance();
  const auto a = clock.monotonic_now();
  const auto b = clock.monotonic_now();
  CHECK(b >= a);
}
