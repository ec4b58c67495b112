// The seam between printerd's IPP side (PAPPL) and the printer core: everything the IPP server must ask
// before it lets a client print or hand over router credentials, and what it reports back as supplies.
//
// The IPP side never decides on its own: it extracts the token (Bearer, or the password of HTTP Basic),
// asks authorize(), charges each page through charge_page() before the page is marked (refund_page() if the
// engine then fails, page_marked() once the page is out whole), and shows remaining_pages()/ink() to clients.
// An implementation must be thread-safe: PAPPL calls from its client threads and its job thread at once.
//
// Implementation: CorePrintAuthority (core_print_authority.hpp), over the printer core
// (firmware-under-test/core).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tapbench::firmware::port {

// What a request wants to do; the core decides which tokens may do it (S121: PWT or PT may print; S27–S29:
// only the PWT over the Wi-Fi Direct link may hand over router credentials).
enum class AuthPurpose : std::uint8_t {
  print,            // Print-Job, Create-Job, Validate-Job: needs a printable page left
  job_control,      // Send-Document, Cancel-Job, Close-Job and other operations on existing jobs
  router_handover,  // Set-Printer-Attributes printer-wifi-ssid / printer-wifi-password
  admin,            // other administrative operations (printer settings)
};
const char* auth_purpose_name(AuthPurpose purpose);

// Who is asking, as the IPP side saw it. Never contains the token.
struct Peer {
  std::string address;  // numeric address of the client ("127.0.0.1", "fe80::1%p2p0")
  std::string user;     // HTTP Basic user name if one was sent (informational: a terminal label)
  bool encrypted = false;
};

struct AuthDecision {
  enum class Outcome : std::uint8_t {
    allowed,          // go ahead
    unauthenticated,  // no token, or one that is unknown, wrong, expired, rotated away → HTTP 401
    forbidden,        // a valid token that may not do this now (no pages left, printing disabled) → 403
  };
  Outcome outcome = Outcome::unauthenticated;
  // Who the token stands for, e.g. "pwt" or "pt:terminal-7". Shown as job-originating-user-name and
  // passed back to charge_page(); never the token.
  std::string principal;
  std::string reason;  // one line for logs and the client ("no printable pages left"); never the token

  bool allowed() const { return outcome == Outcome::allowed; }
};

struct PageCharge {
  bool charged = false;         // true: the page may be marked; the count is already decremented
  std::uint32_t remaining = 0;  // printable pages after this call (S125: the terminal learns it)
  std::string reason;           // why not, when !charged ("no printable pages left", "printing disabled")
};

struct InkReading {
  std::string colour;  // IPP marker-colors name: "cyan", "magenta", "yellow", "black"
  std::uint8_t percent = 100;
};

struct InkStatus {
  std::vector<InkReading> levels;
  std::uint8_t low_percent = 10;  // a colour strictly below this is low (marker-supply-low)
};

// Router credentials accepted from a terminal (S29). The passphrase is held, never logged.
struct RouterCredentials {
  std::string ssid;
  std::string passphrase;
};

class PrintAuthority {
 public:
  virtual ~PrintAuthority() = default;

  // An empty token means the client sent none. For AuthPurpose::router_handover the IPP side passes the
  // credentials from the request: allowed means they were accepted (with the PWT check, atomically) and the
  // core/radio will act on them (S29).
  virtual AuthDecision authorize(std::string_view token, const Peer& peer, AuthPurpose purpose,
                                 const RouterCredentials* handover = nullptr) = 0;

  // Called once per page of job `job_id` before it is marked. Exact: never takes the count below zero; at
  // zero the page is refused and the job is cut at this boundary.
  virtual PageCharge charge_page(int job_id, std::string_view principal) = 0;
  // The engine failed to mark a charged page: give it back.
  virtual void refund_page(int job_id, std::string_view principal) = 0;
  // A charged page of job `job_id` was marked whole (its file is in place) in this colour mode: commits the
  // page as printed (no longer in flight) with the ink model's new reading.
  virtual void page_marked(int job_id, std::string_view principal, bool colour) = 0;
  // The job reached its final state (frees per-job bookkeeping).
  virtual void end_job(int job_id) = 0;

  virtual std::uint32_t remaining_pages() const = 0;
  virtual InkStatus ink() const = 0;
  // The SSID of the router credentials accepted last (empty if none): reported as printer-wifi-ssid.
  virtual std::string router_ssid() const = 0;
  // Where the printer's station stands with that router (printer-wifi-state): the hand-over still pending
  // (joining), joined, or the join failed. Authorities without a radio report joining once credentials exist.
  enum class RouterLink : std::uint8_t { joining, joined, cannot_join };
  virtual RouterLink router_link() const { return RouterLink::joining; }

  // Periodic work (PWT rotation, PT expiry, pending hand-over, sync); called about once a second.
  virtual void tick() {}
};

}  // namespace tapbench::firmware::port
