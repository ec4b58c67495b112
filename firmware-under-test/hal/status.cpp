#include "firmware-under-test/hal/status.hpp"

namespace tapbench::firmware::hal {

const char* hal_code_name(HalCode code) {
  switch (code) {
    case HalCode::ok:
      return "ok";
    case HalCode::timeout:
      return "timeout";
    case HalCode::unreachable:
      return "unreachable";
    case HalCode::rejected:
      return "rejected";
    case HalCode::io_error:
      return "io_error";
    case HalCode::bad_response:
      return "bad_response";
    case HalCode::unsupported:
      return "unsupported";
    case HalCode::busy:
      return "busy";
  }
  return "unknown";
}

}  // namespace tapbench::firmware::hal
