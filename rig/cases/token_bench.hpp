// What the token lifecycle cases need from the bench strategy that brought printerd and vendord up (the sim
// bench strategy in rig/strategy/): where the parties listen, the sim clock file they run on, and a tap.
// The cases only use this interface; the strategy provides an adapter (see token_cases.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "rig/runner/case.hpp"
#include "rig/terminal/phone_link.hpp"

namespace tapbench::server {
class TlsTrust;
}

namespace tapbench::rig {

class TokenBench {
 public:
  virtual ~TokenBench() = default;
  // printerd's JSON API base, "http://127.0.0.1:PORT".
  virtual std::string printer_url() const = 0;
  // printerd's IPP URI, "ipp://127.0.0.1:PORT/ipp/print".
  virtual std::string printer_ipp_uri() const = 0;
  // How the printer's https:// is trusted (its pinned certificate); null when the link is plain HTTP.
  virtual std::shared_ptr<const server::TlsTrust> printer_tls() const { return nullptr; }
  // `phone-traffic: radio`: the phone's link over its radio (rig/terminal/phone_link.hpp) the printer
  // clients connect over; null: loopback.
  virtual std::shared_ptr<terminal::PhoneLink> phone_link() const { return nullptr; }
  // vendord's base URL, "http://127.0.0.1:PORT".
  virtual std::string vendor_url() const = 0;
  // The --sim-clock file both processes run on; empty when they run on real time (the cases then SKIP).
  virtual std::filesystem::path sim_clock_file() const = 0;
  // The phone taps the printer (S17-S21) and returns the PWT read from its tag. Bounded by `timeout`;
  // throws BenchError when the tag cannot be read (a read that lands while printerd rewrites its tag is
  // retried inside), and a CaseOutcome when the tag carries no PWT (a registered printer out of pages shows
  // the charge URL instead: the token cases need one unregistered or provisioned with pages).
  virtual std::string tap(std::chrono::milliseconds timeout) = 0;
  // The SVWT on the printer's tag when the tag carries no PWT because the printer asks for a charge or an
  // ink exchange (S43-S49, Fig 7); nullopt when the tag carries a PWT. The cases use it to recharge a
  // printer an earlier case left without pages. Default: the bench cannot say (nullopt).
  virtual std::optional<std::string> tap_svwt(std::chrono::milliseconds /*timeout*/) { return std::nullopt; }
  // printerd's --sync-period (S101): how far the cases advance the sim clock for a recharge to reach the
  // printer. Default: printerd's default.
  virtual std::chrono::seconds printer_sync_period() const { return std::chrono::seconds(3600); }
  // The operator power-cycles the printer (a hard reset; state on its storage survives). The token-pwt case
  // uses it when its own deliberately wrong PWTs have spent the printer's wrong-PWT allowance (pwt_locked),
  // as a lab operator would. false: this bench cannot (the case then reports the lock as a bench ERROR).
  virtual bool power_cycle_printer(std::chrono::milliseconds /*timeout*/) { return false; }
  // The server revokes the printer's ST (vendord's operator command): the printer's next server call (S43,
  // S69, S101) is refused with 401 token_unknown. The token-st case uses it. false: this bench cannot (the
  // case then SKIPs).
  virtual bool revoke_printer_st(std::chrono::milliseconds /*timeout*/) { return false; }
  // A new printer out of the box (empty storage, a new device ID: unregistered, zero pages), so the cases
  // after token-st find a printer the server serves. false: this bench cannot.
  virtual bool factory_reset_printer(std::chrono::milliseconds /*timeout*/) { return false; }
  // How many wrong PWTs the printer accepts within its failure window before it locks PWT authentication
  // (the firmware's global cap); 0 when the bench does not know.
  virtual int wrong_pwt_allowance() const { return 0; }
};

// Builds the TokenBench of the running bench (in a case's setup). Throws CaseSkip when this bench has none.
using TokenBenchFactory = std::function<std::unique_ptr<TokenBench>(const CaseEnvironment&, StepContext&)>;

}  // namespace tapbench::rig
