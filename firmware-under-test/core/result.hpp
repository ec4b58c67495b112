// What core operations return. No exceptions: every refusal is an Error with a stable code (the port maps it
// to an IPP status or an HTTP status) and a one-line detail that never contains a token.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "protocol/result/basic_result.hpp"

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

// Value or Error (protocol/result/basic_result.hpp), plus the error code for the port's status mapping.
template <class T>
class [[nodiscard]] Result : public BasicResult<T, Error> {
 public:
  using BasicResult<T, Error>::BasicResult;
  // The error code; code() on success is a defect (asserted).
  CoreError code() const { return this->error().code; }
};

inline Error make_error(CoreError code, std::string detail) {
  return Error{code, std::move(detail)};
}

}  // namespace tapbench::firmware
