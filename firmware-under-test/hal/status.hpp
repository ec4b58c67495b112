// Result types at the HAL boundary. No exceptions cross it: every HAL call returns a Status (or a Result
// carrying a value), so the core can be built with -fno-exceptions and flashed onto a board.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

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

// Value or failed Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::in_place_index<1>, std::move(status)) { assert(!std::get<1>(v_).ok()); }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return *std::get_if<0>(&v_);
  }
  const T& value() const& {
    assert(ok());
    return *std::get_if<0>(&v_);
  }
  T&& value() && {
    assert(ok());
    return std::move(*std::get_if<0>(&v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  // The failure (a default "ok" Status when there is a value).
  Status status() const { return ok() ? Status{} : *std::get_if<1>(&v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace tapbench::firmware::hal
