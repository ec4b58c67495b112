#include "firmware-under-test/port/linux/print_authority.hpp"

namespace tapbench::firmware::port {

const char* auth_purpose_name(AuthPurpose purpose) {
  switch (purpose) {
    case AuthPurpose::print:
      return "print";
    case AuthPurpose::job_control:
      return "job-control";
    case AuthPurpose::router_handover:
      return "router-handover";
    case AuthPurpose::admin:
      return "admin";
  }
  return "unknown";
}

}  // namespace tapbench::firmware::port
