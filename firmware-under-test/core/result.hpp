// What core operations return. No exceptions: every refusal is an Error with a stable code (the port maps it
// to an IPP status or an HTTP status) and a one-line detail that never contains a token.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace tapbench::firmware {

enum class CoreError : std::uint8_t {
  not_started = 1,        // start() has not succeeded
  unauthenticated = 2,    // token unknown, wrong, expired, rotated away or deleted
  pwt_locked = 3,         // too many wrong PWTs: PWT authentication refused until the window ends
  wrong_link = 4,         // the step is only accepted over another link (router credentials: WFD only)
  not_owner = 5,          // the PT belongs to another terminal (S41 deletion)
  not_registered = 6,     // the step needs the ST (S53–S61 not done)
  printing_disabled = 7,  // the server deactivated this printer
  out_of_pages = 8,       // printable pages exhausted (S123 / §0050): refused at zero
  invalid_argument = 9,   // a malformed input (SSID, passphrase, page, sensor reading)
  storage_failed = 10,    // the PTB commit failed: nothing changed
  server_failed = 11,     // the server link failed (timeout, refused, bad answer)
  radio_failed = 12,      // the radio could not bring up the group or join the router
  engine_failed = 13,     // the print engine failed the page (the page was refunded)
  sensor_failed = 14,     // the ink sensor could not be read
  tag_failed = 15,        // composing or publishing the tag content failed
  pt_limit = 16,          // too many live PTs
  no_svwt = 17,           // no valid SVWT could be obtained
  nothing_pending = 18,   // complete_router_handover() without accepted credentials
};
const char* core_error_name(CoreError code);  // "unauthenticated", …

struct Error {
  CoreError code = CoreError::invalid_argument;
  std::string detail;
  bool operator==(const Error&) const = default;
};

struct Done {
  bool operator==(const Done&) const = default;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

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
  const Error& error() const {
    assert(!ok());
    return *std::get_if<1>(&v_);
  }
  // The error code, or nullopt-like sentinel for tests: code() on success is a defect.
  CoreError code() const { return error().code; }

 private:
  std::variant<T, Error> v_;
};

inline Error make_error(CoreError code, std::string detail) {
  return Error{code, std::move(detail)};
}

}  // namespace tapbench::firmware
