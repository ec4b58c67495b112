// HAL role: persistent storage of the PTB. The whole state is committed atomically: after commit() returns
// ok, load() returns exactly that state even after a power cut at any later instant; after a failed commit,
// load() returns the previous committed state (never a mix). Linux port: write temp + fsync + rename + fsync
// dir, or one SQLite transaction.
#pragma once

#include <optional>

#include "firmware-under-test/core/ptb.hpp"
#include "firmware-under-test/hal/status.hpp"

namespace tapbench::firmware::hal {

class Storage {
 public:
  virtual ~Storage() = default;
  // nullopt: nothing committed yet (a factory-fresh device). A state that cannot be read or has an unknown
  // version is a failure (bad_response / unsupported), never silently a fresh device.
  virtual Result<std::optional<Ptb>> load() = 0;
  virtual Status commit(const Ptb& ptb) = 0;
};

}  // namespace tapbench::firmware::hal
