#include "firmware-under-test/core/result.hpp"

namespace tapbench::firmware {

const char* core_error_name(CoreError code) {
  switch (code) {
    case CoreError::not_started:
      return "not_started";
    case CoreError::unauthenticated:
      return "unauthenticated";
    case CoreError::pwt_locked:
      return "pwt_locked";
    case CoreError::wrong_link:
      return "wrong_link";
    case CoreError::not_owner:
      return "not_owner";
    case CoreError::not_registered:
      return "not_registered";
    case CoreError::printing_disabled:
      return "printing_disabled";
    case CoreError::out_of_pages:
      return "out_of_pages";
    case CoreError::invalid_argument:
      return "invalid_argument";
    case CoreError::storage_failed:
      return "storage_failed";
    case CoreError::server_failed:
      return "server_failed";
    case CoreError::radio_failed:
      return "radio_failed";
    case CoreError::engine_failed:
      return "engine_failed";
    case CoreError::sensor_failed:
      return "sensor_failed";
    case CoreError::tag_failed:
      return "tag_failed";
    case CoreError::pt_limit:
      return "pt_limit";
    case CoreError::no_svwt:
      return "no_svwt";
    case CoreError::nothing_pending:
      return "nothing_pending";
  }
  return "unknown";
}

}  // namespace tapbench::firmware
