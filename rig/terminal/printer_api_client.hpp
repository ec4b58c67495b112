// The phone's management app talking to printerd's JSON control API (docs/PRINTERD-API.md): PT issue and
// delete, server registration, SVWT request, sync, status. Blocking; each call opens its own connection
// bounded by the call's timeout, so one client may be shared by threads. Tokens are sent as Bearer and never
// appear in an exception message or a Reply's detail.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rig/terminal/phone_link.hpp"
#include "rig/terminal/reply.hpp"

namespace tapbench::server {
class TlsTrust;
}

namespace tapbench::rig::terminal {

struct PtGrant {  // S35
  std::string pt;
  std::string terminal_id;
};

struct Registration {  // S61 / S63-S65
  bool registered = false;
  std::string last_failure_error;  // the core's error code of the last failed attempt, "" when none
  std::string last_failure_detail;
};

struct SyncResult {  // S99-S111
  std::int64_t pages_added = 0;
  std::int64_t printable_pages = 0;
  bool printing_enabled = false;
  bool reported = false;
};

struct InkLevel {
  std::string colour;
  int percent = 0;
  bool low = false;
};

struct PrinterStatus {  // GET /tapbench/status (no auth)
  std::int64_t pages_remaining = 0;
  std::vector<InkLevel> ink;
  int ink_low_percent = 0;
  std::string router_ssid;
};

class PrinterApiClient {
 public:
  // "http://127.0.0.1:PORT" (printerd's --listen) or "https://HOST:PORT"; throws std::invalid_argument on
  // another form. https://: the server is trusted by `trust` (server/api/tls_trust.hpp), the system CA store
  // when null. `link` (phone_link.hpp): every connection is made over the phone's radio — the phone on the
  // printer's group, the socket from its network namespace; null: from the rig's own namespace.
  explicit PrinterApiClient(std::string base_url, std::shared_ptr<const server::TlsTrust> trust = nullptr,
                            std::shared_ptr<PhoneLink> link = nullptr);

  // S31-S35: trade the tag's PWT for a PT bound to terminal_id; the PWT rotates on success.
  Reply<PtGrant> issue_pt(std::string_view pwt, std::string_view terminal_id, ms timeout) const;
  // S39-S41: only the terminal the PT was issued to may delete it (else 403 not_owner).
  Reply<bool> delete_pt(std::string_view pt, std::string_view terminal_id, ms timeout) const;
  // S53-S61 (idempotent); the value says whether the printer is now registered.
  Reply<Registration> register_printer(std::string_view pt, std::string_view terminal_id, ms timeout) const;
  // S63/S65.
  Reply<Registration> registration(std::string_view pt, ms timeout) const;
  // S67-S75: the SVWT the printer obtained from the server (single use there).
  Reply<std::string> request_svwt(std::string_view pt, std::string_view terminal_id, ms timeout) const;
  // S99-S111.
  Reply<SyncResult> sync(std::string_view pt, std::string_view terminal_id, ms timeout) const;
  // Pages and ink, no token.
  Reply<PrinterStatus> status(ms timeout) const;

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::shared_ptr<PhoneLink> link_;
  std::string host_;
  std::uint16_t port_ = 0;
  std::shared_ptr<const server::TlsTrust> tls_;  // https only
};

}  // namespace tapbench::rig::terminal
