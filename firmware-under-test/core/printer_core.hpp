// The printer's state machine and rules (patent JP7615840B2, printer side): one object per printer, driven by
// the port (IPP / JSON API handlers, the tag frontend's tap notification, a timer calling tick()).
//
// Threading: not thread-safe. The port serialises every call (one strand / mutex). Server-link calls are
// synchronous inside register_with_server(), svwt_for_terminal(), sync_with_server() and tick(); the port
// runs those off its I/O thread if the link can be slow.
//
// Persistence: every mutating operation builds the next PTB, commits it through hal::Storage, and only then
// changes its in-memory state and answers. A failed commit answers storage_failed and changes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firmware-under-test/core/config.hpp"
#include "firmware-under-test/core/ptb.hpp"
#include "firmware-under-test/core/pwt_guard.hpp"
#include "firmware-under-test/core/result.hpp"
#include "firmware-under-test/hal/ink_sensor.hpp"
#include "firmware-under-test/hal/print_engine.hpp"
#include "firmware-under-test/hal/radio.hpp"
#include "firmware-under-test/hal/server_link.hpp"
#include "firmware-under-test/hal/storage.hpp"
#include "firmware-under-test/hal/tag_frontend.hpp"
#include "protocol/clock/clock.hpp"
#include "protocol/handover/tap_message.hpp"
#include "protocol/token/policy.hpp"

namespace tapbench::firmware {

// The HAL the core runs on. References: the port owns the backends and outlives the core.
struct Hal {
  hal::TagFrontend& tag;
  hal::Radio& radio;
  hal::Storage& storage;
  hal::PrintEngine& engine;
  hal::InkSensor& ink;
  hal::ServerLink& server;
  const Clock& clock;
};

// Which link a request arrived on (the port knows: the WFD group interface, the LAN, or loopback/local).
enum class Link : std::uint8_t { wfd, lan, local };
const char* link_name(Link link);

// Who is asking. `id` identifies the terminal across requests (the management app's ID or the MAC the port
// saw); PTs are bound to it (S33) and only it may delete them (S41).
struct Terminal {
  std::string id;
  Link link = Link::lan;
};

enum class CredentialKind : std::uint8_t { pwt, pt };

// Who a token stands for: the PWT holder (the terminal as the port named it) or the terminal a PT is bound
// to (S33). Safe to log and to show as job-originating-user-name; never the token.
struct Principal {
  CredentialKind kind = CredentialKind::pwt;
  std::string terminal_id;
  bool operator==(const Principal&) const = default;
};

// A print job in progress (S121–S125). Held by the port, passed back for each page.
struct JobTicket {
  std::uint32_t job_id = 0;
  CredentialKind credential = CredentialKind::pwt;
  std::string terminal_id;          // the principal's terminal
  std::uint32_t pages_printed = 0;  // pages charged and not refunded
  bool cut = false;                 // a page was refused (out of pages / disabled): the job ends here
};

// S125: what the terminal learns when the job ends.
struct JobSummary {
  std::uint32_t job_id = 0;
  std::uint32_t pages_printed = 0;
  std::uint32_t printable_pages = 0;  // remaining after the job
  bool cut = false;
};

enum class RegistrationState : std::uint8_t { unregistered, registered };
// S63/S65: what the polling terminal learns.
struct RegistrationStatus {
  RegistrationState state = RegistrationState::unregistered;
  std::optional<Error> last_failure;  // the last failed attempt since boot (cleared by success)
};

// Printer settings a terminal may change (PT). Absent fields stay as they are.
struct Settings {
  std::optional<std::uint32_t> page_threshold;  // charge offered when pages <= this
  std::optional<std::uint8_t> ink_low_percent;  // 0–100; a colour below this asks for an exchange
};

// S99–S111 outcome.
struct SyncSummary {
  std::uint32_t pages_added = 0;
  std::uint32_t printable_pages = 0;
  bool printing_enabled = true;
  // The server has the final count and the acknowledgement (S109/S111). false: the count is committed and
  // goes with the next sync.
  bool reported = false;
};

// What tick() did (for the port's log; never contains a token).
struct TickReport {
  bool pwt_rotated = false;
  std::uint32_t pts_expired = 0;
  bool svwt_fetched = false;
  bool synced = false;
  bool handover_completed = false;
  std::vector<Error> errors;
};

// Read-only view for IPP attributes (supplies, state reasons), the JSON API status and tests.
struct Snapshot {
  handover::PrinterState tag_state = handover::PrinterState::unregistered;  // S19 judgement now
  std::string device_id;
  std::uint32_t printable_pages = 0;
  std::uint32_t page_threshold = 0;
  std::uint64_t pages_printed = 0;
  std::vector<InkLevel> ink;
  std::vector<std::string> ink_low_colours;
  bool printing_enabled = true;
  bool registered = false;
  bool network_configured = false;
  bool station_joined = false;
  bool group_up = false;
  bool handover_pending = false;
  std::size_t live_pts = 0;
  bool svwt_available = false;
  std::optional<Error> tag_error;  // why the tag is empty, if it is
};

class PrinterCore final : public hal::TapListener {
 public:
  PrinterCore(Hal hal, CoreConfig config);

  // S11/S13: load the PTB (or commit the factory one), make the PWT and WFD credential, bring the WFD group
  // up, rejoin the router if configured, publish the tag. Fails on storage errors (nothing is guessed) or
  // when the CSPRNG fails; radio and ink-sensor trouble are reported by snapshot()/tick() instead.
  // Before anything else, start() settles the PTB's pages in flight (charged, mark not committed: a crash
  // in between): each is refunded unless hal::PrintEngine::page_finished says its output is whole, and the
  // settlement is one commit (a second boot finds nothing to settle). A failed commit fails start().
  Result<Done> start();
  bool started() const { return started_; }
  struct PageSettlement {
    std::uint32_t refunded = 0;  // charged, never finished: given back
    std::uint32_t kept = 0;      // finished, only the mark commit was lost: stays charged
  };
  // What the last start() settled (both 0 after a clean stop).
  const PageSettlement& boot_settlement() const { return boot_settlement_; }

  // S18–S21 / S116: a reader arrived. Runs due work, brings the WFD group up if the state's message offers
  // it (S23), and refreshes the tag content for the judged state.
  void on_tap(const hal::TapEvent& event) override;

  // S27: router credentials from the terminal. Accepted only over the WFD link with the live PWT; the
  // credentials are checked and kept pending so the port can answer over WFD before the radio switches.
  Result<Done> accept_router_credentials(std::string_view pwt, const Terminal& terminal,
                                         const NetworkConfig& network);
  // S29: leave the WFD group, join the router, commit the network config. On a failed join the group comes
  // back up (the terminal can retry) and nothing is committed. tick() calls this when pending.
  Result<Done> complete_router_handover();

  // S31–S35: a PT for the terminal presenting the live PWT; bound to terminal.id; then the PWT rotates (S33).
  Result<std::string> issue_pt(std::string_view pwt, const Terminal& terminal);
  // S39–S41: only the terminal the PT was issued to may delete it.
  Result<Done> delete_pt(std::string_view pt, const Terminal& terminal);

  // S53–S61: register with the server (device ID, pages, ink) and store the ST. Idempotent once registered.
  Result<RegistrationStatus> register_with_server(std::string_view pt, const Terminal& terminal);
  // S63/S65.
  Result<RegistrationStatus> registration_status(std::string_view pt, const Terminal& terminal);

  // S67–S75 / S49: an SVWT for the terminal: the prefetched one if still valid, else a fresh one from the
  // server. Handed out once: the printer then prefetches another.
  Result<std::string> svwt_for_terminal(std::string_view pt, const Terminal& terminal);

  // S99–S111, triggered by a terminal (PT). tick() also syncs every sync_period.
  Result<SyncSummary> sync_with_server(std::string_view pt, const Terminal& terminal);

  // Checks a PWT (counted against the attempt caps) or a PT (refreshes its idle timer). For IPP operations
  // that need a principal but no page (job control, Get-Jobs filtering).
  Result<Principal> authenticate(std::string_view token, const Terminal& terminal);

  // S121–S125. begin_job authenticates the PWT or a PT and refuses at zero pages or when printing is
  // disabled; expected_pages (if known) lets refuse_jobs_that_would_cross_zero refuse up front.
  Result<JobTicket> begin_job(std::string_view token, const Terminal& terminal,
                              std::optional<std::uint32_t> expected_pages = std::nullopt);
  // One page through hal::PrintEngine: charge_page(), engine, refund_page() if the engine failed, then the
  // ink sensor is read. out_of_pages / printing_disabled cut the job at this page boundary (ticket.cut).
  // Returns the count left.
  Result<std::uint32_t> print_page(JobTicket& ticket, const hal::Page& page);
  // The three steps, for a port whose page pipeline marks pages itself (PAPPL's raster callbacks): charge
  // (committed, the page recorded in flight) before marking; then mark_page once the page is out whole
  // (one commit: the page leaves the in-flight list, the ink sensor's reading is stored), or refund_page
  // if marking failed (one commit: the page is given back and leaves the list). A mark whose sensor read
  // fails still commits (the ink reading stays as it was).
  Result<std::uint32_t> charge_page(JobTicket& ticket);
  Result<Done> mark_page(JobTicket& ticket);
  Result<Done> refund_page(JobTicket& ticket);
  // S125: pages printed and the count left.
  JobSummary end_job(const JobTicket& ticket) const;

  // Change the charge and ink thresholds (persisted; the tag follows at once).
  Result<Done> update_settings(std::string_view pt, const Terminal& terminal, const Settings& settings);

  // Read the ink sensor and commit a changed reading (also done after every page).
  Result<Done> refresh_ink();

  // Due work: PWT rotation, PT idle expiry, pending router hand-over, SVWT prefetch, periodic sync.
  TickReport tick();
  // When tick() next has something to do (the port arms a timer for it).
  MonotonicTime next_deadline() const;

  Snapshot snapshot() const;
  const Ptb& ptb() const { return ptb_; }
  // The live PWT, for the printer's own panel and tests. Never log it.
  const std::string& current_pwt() const { return pwt_.current(); }
  const PwtGuard& pwt_guard() const { return pwt_; }
  const hal::GroupConfig& wfd_group() const { return group_; }

 private:
  Result<Done> commit(Ptb next);
  Result<Done> settle_pages_in_flight();
  Result<Done> require_started() const;
  Result<Done> check_pwt(std::string_view pwt);
  Result<std::size_t> authenticate_pt(std::string_view pt);
  std::optional<std::size_t> find_pt(std::string_view pt) const;
  bool pt_expired(const PtBinding& binding) const;
  std::uint32_t expire_idle_pts(std::vector<Error>& errors);
  Result<Done> refresh_tag();
  handover::TapInputs tap_inputs() const;
  Result<Done> ensure_group_up(bool recheck = false);
  Result<Done> fetch_svwt();
  Result<SyncSummary> sync_now();
  bool svwt_valid() const;
  Error server_error(const char* step, const hal::Status& status) const;

  Hal hal_;
  CoreConfig config_;
  Ptb ptb_;
  bool started_ = false;
  PageSettlement boot_settlement_;
  PwtGuard pwt_;
  token::Policy pt_policy_;
  hal::GroupConfig group_;
  hal::GroupInfo group_info_;
  bool group_up_ = false;
  bool station_joined_ = false;
  std::optional<NetworkConfig> pending_network_;
  std::map<std::string, SystemTime> pt_last_used_;  // by PT hash; volatile (restarts at boot)
  std::optional<Error> registration_failure_;
  std::optional<Error> tag_error_;
  MonotonicTime next_svwt_fetch_{};
  MonotonicTime next_sync_{};
  std::uint32_t next_job_id_ = 1;
};

}  // namespace tapbench::firmware
