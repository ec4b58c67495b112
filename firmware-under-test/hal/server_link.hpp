// HAL role: the link to the vendor server (vendord). Synchronous request/response calls, each bounded by the
// backend's timeout (HalCode::timeout); the core never retries inside a call, it reschedules (tick()).
// The Linux port maps them to vendord's HTTP API; the structs are the printer's view of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "firmware-under-test/core/ptb.hpp"
#include "firmware-under-test/hal/status.hpp"

namespace tapbench::firmware::hal {

// S55: the printer registers itself.
struct RegisterRequest {
  std::string device_id;
  std::uint32_t printable_pages = 0;
  std::vector<InkLevel> ink;
};
// S59: the server's answer.
struct RegisterResponse {
  std::string server_token;      // ST
  bool printing_enabled = true;  // activation flag as the server sees it
};

// S43 (periodic prefetch) and S69 (terminal asked): a new SVWT bound to this printer via the ST (S71).
struct SvwtRequest {
  std::string server_token;
};
struct SvwtResponse {
  std::string svwt;
  std::chrono::seconds ttl{0};  // relative, so the printer's and server's clocks need not agree
};

// S101 / S109: one call both reports and asks. It carries the printer's count including every credit up to
// applied_credit_id (the server overwrites its copy, S111, and marks those credits applied) and returns the
// credit not yet applied (S105). The printer adds it, commits the count together with credit_through, and
// reports again: so a credit is added exactly once whatever is lost or killed in between (vendord's
// credits table works this way).
struct SyncRequest {
  std::string server_token;
  std::string device_id;
  std::uint32_t printable_pages = 0;
  std::uint64_t pages_printed = 0;
  std::vector<InkLevel> ink;
  std::int64_t applied_credit_id = 0;  // highest credit ID durably added to printable_pages
};
struct SyncResponse {
  std::uint32_t add_pages = 0;      // S105: credit to add now
  std::int64_t credit_through = 0;  // acknowledge with applied_credit_id = this after adding
  bool printing_enabled = true;     // the server can disable (or re-enable) printing
};

class ServerLink {
 public:
  virtual ~ServerLink() = default;
  virtual Result<RegisterResponse> register_device(const RegisterRequest& request) = 0;
  virtual Result<SvwtResponse> request_svwt(const SvwtRequest& request) = 0;
  virtual Result<SyncResponse> sync(const SyncRequest& request) = 0;
};

}  // namespace tapbench::firmware::hal
