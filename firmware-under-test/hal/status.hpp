// Result types at the HAL boundary. No exceptions cross it: every HAL call returns a Status (or a Result
// carrying a value), so the core can be built with -fno-exceptions and flashed onto a board.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>

#include "protocol/result/basic_result.hpp"

namespace tapbench::firmware::hal {

// Why a HAL call failed. Stable values (they may appear in logs and the JSON API).
enum class HalCode : std::uint8_t {
  ok = 0,
  timeout = 1,       // no answer within the backend's deadline (server link, radio join)
  unreachable = 2,   // no route / link down / device absent
  rejected = 3,      // the peer answered and refused (server: bad ST, unknown device; radio: bad passphrase)
  io_error = 4,      // local I/O failed (storage write, fsync, device write)
  bad_response = 5,  // the peer answered something that does not parse
  unsupported = 6,   // the backend cannot do this (e.g. no P2P on this radio)
  busy = 7,          // the device is busy; retry later
};
const char* hal_code_name(HalCode code);  // "ok", "timeout", …

struct Status {
  HalCode code = HalCode::ok;
  std::string detail;  // one line for logs; never contains a token

  bool ok() const { return code == HalCode::ok; }
  explicit operator bool() const { return ok(); }
  static Status success() { return {}; }
  static Status failure(HalCode code, std::string detail) { return {code, std::move(detail)}; }
  bool operator==(const Status&) const = default;
};

// Value or failed Status (protocol/result/basic_result.hpp); never built from a successful Status.
template <class T>
class [[nodiscard]] Result : public BasicResult<T, Status> {
 public:
  Result(T value) : BasicResult<T, Status>(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : BasicResult<T, Status>(std::move(status)) {
    assert(!this->error().ok());
  }  // NOLINT
  // The failure (a default "ok" Status when there is a value).
  Status status() const { return this->ok() ? Status{} : this->error(); }
};

}  // namespace tapbench::firmware::hal
