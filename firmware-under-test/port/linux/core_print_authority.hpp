// CorePrintAuthority: the PrintAuthority seam over the printer core (firmware-under-test/core). Tokens, the
// page ledger, the ink model, activation and the router hand-over are the core's rules; this class only
// translates: peer → Terminal (the link from the peer's address), CoreError → 401/403, PAPPL job id →
// the core's JobTicket. The core is not thread-safe: every call holds the port's one core mutex.
// Status reads (pages, ink, router link) never wait for it: the core holds it through a router join (S29,
// seconds) and through vendord calls, and a printer that stops answering Get-Printer-Attributes meanwhile
// looks hung. They read the core when it is free, else the last view published: at the end of this class's
// own calls (charge, refund, mark, authorize, tick) or by a status read that found the core free. A change
// made by another holder of the mutex (the runtime's tick thread, the control API) shows once a read finds
// the core free again.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "firmware-under-test/core/printer_core.hpp"
#include "firmware-under-test/port/linux/print_authority.hpp"

namespace tapbench::firmware::port {

// Which peers are on the Wi-Fi Direct group (S27: router credentials only over WFD): IPv4 CIDR prefixes,
// e.g. "192.168.49.0/24" (Android's P2P subnet) or, on the sim bench, "127.0.0.0/8".
class LinkClassifier {
 public:
  // false + error if a prefix does not parse.
  bool add_wfd_prefix(const std::string& cidr, std::string& error);
  // wfd if the address is in a WFD prefix, else local for loopback, else lan.
  Link classify(const std::string& address) const;

 private:
  struct Prefix {
    std::uint32_t network;
    std::uint32_t mask;
  };
  std::vector<Prefix> wfd_;
};

class CorePrintAuthority final : public PrintAuthority {
 public:
  // Told when a charged page was marked (colour or not), before the core commits the mark with its ink
  // sensor's reading (PrinterCore::mark_page): a
  // simulated sensor consumes ink here; a real one ignores it.
  using PageMarked = std::function<void(bool colour)>;

  // `core` must be started. Every core call holds `core_mutex` (the one the rest of the port uses for the
  // core, e.g. PrinterRuntime::core_mutex()). `drive_tick`: tick() runs the core's due work (false when
  // the runtime has its own tick thread).
  CorePrintAuthority(PrinterCore& core, std::mutex& core_mutex, LinkClassifier links, PageMarked page_marked,
                     bool drive_tick);

  AuthDecision authorize(std::string_view token, const Peer& peer, AuthPurpose purpose,
                         const RouterCredentials* handover = nullptr) override;
  PageCharge charge_page(int job_id, std::string_view principal) override;
  void refund_page(int job_id, std::string_view principal) override;
  void page_marked(int job_id, std::string_view principal, bool colour) override;
  void end_job(int job_id) override;
  std::uint32_t remaining_pages() const override;
  InkStatus ink() const override;
  std::string router_ssid() const override;
  RouterLink router_link() const override;
  void tick() override;

  // "pwt:app-1" / "pt:app-1" for a core Principal; the inverse for the job's ticket.
  static std::string principal_name(const Principal& p);

 private:
  // What the status reads return while the core is busy (see the comment at the top).
  struct StatusView {
    std::uint32_t pages = 0;
    InkStatus ink;
    RouterLink link = RouterLink::joining;
    std::string router_ssid;
  };

  Terminal terminal_for(const Peer& peer) const;
  JobTicket& ticket(int job_id, std::string_view principal);
  void publish_locked() const;  // under the core mutex: the view from the core now
  StatusView view() const;      // fresh if the core mutex is free, else the last published view

  std::mutex& mutex_;
  PrinterCore& core_;
  LinkClassifier links_;
  PageMarked page_marked_;
  bool drive_tick_;
  std::map<int, JobTicket> tickets_;
  std::string handover_ssid_;      // accepted, pending or done (the PTB holds it once committed)
  mutable std::mutex view_mutex_;  // guards view_ only; taken under the core mutex, never the other way
  mutable StatusView view_;
};

}  // namespace tapbench::firmware::port
