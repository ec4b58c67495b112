// What a terminal call returns: the system's answer (accepted with a value, or refused with the API's error
// code), or a TerminalTransportError when no answer came at all. The rig turns a refusal the case did not
// expect into a device FAIL and a transport error into a bench ERROR, so the two must never be mixed.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace tapbench::rig::terminal {

using ms = std::chrono::milliseconds;

// A reply of the system under test: HTTP status (or the IPP status code for IPP calls), the API's
// machine-readable error code when refused ("not_owner", "token_expired", ...), and the decoded value on
// success. `detail` is human text from the server; it never contains a token.
template <class T>
struct Reply {
  int status = 0;
  std::string error;
  std::string detail;
  std::optional<T> value;
  bool ok() const { return value.has_value(); }
};

// No usable answer: connection refused, timeout, malformed HTTP/JSON/IPP reply. The message names the
// operation and the route, never a token or a URL query.
class TerminalTransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tapbench::rig::terminal
