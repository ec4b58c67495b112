// HAL role: time. The firmware uses the project's injected Clock (protocol/clock/clock.hpp, after Envoy's
// TimeSource): monotonic time for volatile deadlines (PWT rotation, prefetch schedule), system time for
// what is persisted (PT issue stamps, SVWT expiry). Boards implement Clock; tests use ManualClock.
#pragma once

#include "protocol/clock/clock.hpp"

namespace tapbench::firmware::hal {
using Clock = tapbench::Clock;
}  // namespace tapbench::firmware::hal
