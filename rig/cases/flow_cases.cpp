#include "rig/cases/flow_cases.hpp"

#include <cups/cups.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "drivers/wifi/link_model.hpp"
#include "drivers/wifi/netns_scope.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "rig/cases/radio_bench.hpp"
#include "rig/strategy/bench_radio.hpp"
#include "rig/terminal/ipp_client.hpp"
#include "rig/terminal/nfc_tap.hpp"
#include "rig/terminal/printer_api_client.hpp"
#include "rig/terminal/vendor_client.hpp"

namespace tapbench::rig {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using terminal::IppClient;
using terminal::PrinterApiClient;
using terminal::Reply;
using terminal::TerminalTransportError;
using terminal::VendorClient;

constexpr const char* kAdmin = "app:admin";            // the management app's terminal ID (S33)
constexpr const char* kPhone2 = "phone-2";             // the second terminal of Fig 7
constexpr const char* kTestCard = "4242424242424242";  // vendord's sandbox gateway approves it (docs/API.md)

milliseconds ms_left(std::chrono::nanoseconds d) {
  return std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(d));
}

// "HTTP 403 printing_disabled (printing is disabled by the server)" — never a token (Reply::detail has none).
template <class T>
std::string answer(const Reply<T>& r) {
  std::string s = "status " + std::to_string(r.status);
  if (!r.error.empty()) s += " " + r.error;
  if (!r.detail.empty()) s += " (" + r.detail + ")";
  return s;
}

// The value of an accepted reply, else a FAIL: the system refused what the flow needs.
template <class T>
const T& need(const Reply<T>& r, const std::string& failure_class, const std::string& doing) {
  if (!r.ok()) throw CaseFailure(failure_class, doing + " refused: " + answer(r));
  return *r.value;
}

std::string state_name(ndef::PrinterState s) {
  switch (s) {
    case ndef::PrinterState::unregistered:
      return "unregistered";
    case ndef::PrinterState::ink_low:
      return "ink_low";
    case ndef::PrinterState::charge_needed:
      return "charge_needed";
    case ndef::PrinterState::ready:
      return "ready";
  }
  return "?";
}

std::string mac_text(const ndef::MacAddress& mac) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < mac.size(); ++i) {
    if (i) out += ':';
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& ch : s)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string with_svt(const std::string& url, const std::string& svt) {  // S118: the phone adds its SVT
  return url + (url.find('?') == std::string::npos ? "?svt=" : "&svt=") + svt;
}

// Polls `done` every 10 ms until it holds or `deadline` passes (then false). The processes under test act on
// their own clocks (ticks, a modelled scan), so the rig can only watch for the result.
// A request that gets no answer while polling is retried like a "not yet"; the deadline decides.
template <class F>
bool eventually(const Clock& clock, MonotonicTime deadline, F done) {
  for (;;) {
    try {
      if (done()) return true;
    } catch (const TerminalTransportError&) {
      if (clock.monotonic_now() >= deadline) throw;
    }
    if (clock.monotonic_now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);  // polling interval, bounded by the deadline
  }
}

// S121 as an IPP client starts it: Validate-Job with the token (Bearer), which printerd authorises exactly as
// Print-Job (same purpose: token, link, quota) without creating a job. Its successful answer is the printer
// accepting the PWT (auth_ok); a refusal returns the IPP status. No answer at all throws
// TerminalTransportError.
ipp_status_t validate_job(const std::string& ipp_uri, server::CertificatePin* tls_pin,
                          const std::string& token, milliseconds timeout, terminal::PhoneLink* link) {
  char scheme[16], user[64], host[256], resource[256];
  int port = 0;
  if (httpSeparateURI(HTTP_URI_CODING_ALL, ipp_uri.c_str(), scheme, sizeof scheme, user, sizeof user, host,
                      sizeof host, &port, resource, sizeof resource) < HTTP_URI_STATUS_OK) {
    throw TerminalTransportError("Validate-Job: not an IPP URI: " + ipp_uri);
  }
  std::string why;
  // Over the phone's radio (phone-traffic: radio): the phone on the group, the socket from its namespace.
  if (link) link->ensure(timeout);
  std::optional<wifi::NetnsScope> in_netns;
  try {
    in_netns.emplace(link ? link->netns() : std::string());
  } catch (const wifi::WifiError& e) {
    throw TerminalTransportError(std::string("Validate-Job: ") + e.what());
  }
  http_t* http = terminal::connect_printer(host, port, std::string_view(scheme) == "ipps", tls_pin,
                                           static_cast<int>(timeout.count()), why);
  if (!http) throw TerminalTransportError("Validate-Job: " + why);
  httpSetTimeout(http, static_cast<double>(timeout.count()) / 1000.0, nullptr, nullptr);
  httpSetAuthString(http, "Bearer", token.c_str());
  const auto status = terminal::validate_job_on(http, ipp_uri, resource, why);
  httpClose(http);
  if (!status) throw TerminalTransportError("Validate-Job: no IPP answer: " + why);
  return *status;
}

// What every flow case shares: the session's bench, the clients, and the admin terminal's tokens.
class FlowCase : public Case {
 public:
  FlowCase(const CaseEnvironment& env, std::shared_ptr<SimBenchSession> session)
      : env_(env), session_(std::move(session)) {}

  void setup(StepContext& step) override {
    secrets_ = &step.secrets();  // the run's registry (cycles share it): top-ups inside a cycle use it
    guard([&] {
      bench_ = &session_->acquire(env_, step);
      prepare(step);
    });
  }

  void run_cycle(CycleContext& c) override {
    guard([&] { cycle(c); });
    note_printer_certificate(c);
  }

  void recover(StepContext& step) override {
    guard([&] {
      bench_ = &session_->acquire(env_, step);  // restarts the bench when a process died
      prepare(step);
    });
  }

 protected:
  virtual void prepare(StepContext& step) = 0;
  virtual void cycle(CycleContext& c) = 0;

  // Over TLS, the printer certificate the run pinned (its SHA-256: public, no secret), so a report shows
  // which printer identity every cycle talked to.
  void note_printer_certificate(CycleContext& c) {
    if (bench_ == nullptr || !bench_->endpoints().printer_pin) return;
    if (const auto pinned = bench_->endpoints().printer_pin->pinned()) c.note("printer.cert_sha256", *pinned);
  }

  // Transport trouble is the bench's (ERROR); everything else passes through.
  template <class F>
  void guard(F body) {
    try {
      body();
    } catch (const TerminalTransportError& e) {
      throw BenchError("terminal-transport", e.what());
    } catch (const StrategyError& e) {
      throw BenchError("bench-not-ready", e.what());
    }
  }

  nfc::NfcReader& phone() { return session_->phone_reader(env_.clock); }

  // The clients follow the bench's endpoints (a restarted printer may come back on another port).
  const PrinterApiClient& printer() {
    if (!printer_ || printer_->base_url() != bench_->endpoints().printer_url)
      printer_.emplace(bench_->endpoints().printer_url, bench_->endpoints().printer_tls,
                       session_->phone_link());
    return *printer_;
  }
  const VendorClient& vendor() {
    if (!vendor_ || vendor_->base_url() != bench_->endpoints().server_url)
      vendor_.emplace(bench_->endpoints().server_url);
    return *vendor_;
  }
  const IppClient& ipp() {
    if (!ipp_ || ipp_->uri() != bench_->endpoints().printer_ipp_uri)
      ipp_.emplace(bench_->endpoints().printer_ipp_uri, bench_->endpoints().printer_pin,
                   session_->phone_link());
    return *ipp_;
  }

  // The admin terminal taps (outside a timed cycle) and trades the PWT for a PT; the printer is registered
  // with the server if it is not yet (S31-S61). Leaves pt_ set.
  void admin_pt(StepContext& step, bool register_it = true) {
    session_->ensure_pwt_on_tag(step);
    const auto tap = terminal::tap(phone(), step.clock(), ms_left(step.remaining()), step.secrets());
    if (!tap.view.pwt) {
      throw CaseFailure("tap-without-pwt", "the printer's tag (state " + state_name(tap.view.state) +
                                               ") carries no PWT; the admin cannot get a PT");
    }
    auto issued = printer().issue_pt(*tap.view.pwt, kAdmin, ms_left(step.remaining()));
    if (!issued.ok() && issued.error == "pwt_locked") {
      // A previous case spent the printer's wrong-PWT allowance (the token cases do, on purpose): the lock
      // lives in the running firmware, so a power cycle gives this case the known state it starts from.
      bench_->restart_printer(step.deadline());
      const auto again = terminal::tap(phone(), step.clock(), ms_left(step.remaining()), step.secrets());
      if (!again.view.pwt) throw CaseFailure("tap-without-pwt", "no PWT on the tag after a restart");
      issued = printer().issue_pt(*again.view.pwt, kAdmin, ms_left(step.remaining()));
    }
    const auto grant = need(issued, "pt-refused", "PT issue with the tag's PWT (S31-S35)");
    step.secret(grant.pt);
    pt_ = grant.pt;
    if (register_it && tap.view.state == ndef::PrinterState::unregistered) {
      const auto reg = need(printer().register_printer(pt_, kAdmin, ms_left(step.remaining())),
                            "registration-refused", "registration (S53-S61)");
      if (!reg.registered) {
        throw CaseFailure("registration-failed", "the printer stayed unregistered: " +
                                                     reg.last_failure_error + " " + reg.last_failure_detail);
      }
    }
  }

  // An SVT for `terminal`: the printer's SVWT (S67-S75) redeemed at the server (S77-S81). The printer may
  // answer 503 no_svwt until its first prefetch: retried until the deadline.
  terminal::SvtGrant svt_for(const std::string& terminal, const Clock& clock, MonotonicTime deadline,
                             const std::function<void(std::string_view)>& remember) {
    Reply<std::string> svwt;
    eventually(clock, deadline, [&] {
      svwt = printer().request_svwt(pt_, kAdmin, ms_left(deadline - clock.monotonic_now()));
      return svwt.ok() || svwt.error != "no_svwt";
    });
    const std::string& w = need(svwt, "svwt-refused", "SVWT request (S67-S75)");
    remember(w);
    const auto grant = need(vendor().svt(w, terminal, ms_left(deadline - clock.monotonic_now())),
                            "svt-refused", "SVT for the printer's SVWT (S77-S81)");
    remember(grant.svt);
    return grant;
  }

  // Brings the printer to at least `pages` printable pages: free charge if the device has not had it, else
  // a paid charge through the sandbox gateway, then a sync (S85-S111).
  void ensure_pages(std::int64_t pages, StepContext& step) {
    const auto left = [&] { return ms_left(step.remaining()); };
    const auto have = need(printer().status(left()), "status-refused", "printer status").pages_remaining;
    if (have >= pages) return;
    const auto svt =
        svt_for(kAdmin, step.clock(), step.deadline(), [&](std::string_view t) { step.secret(t); });
    const auto device = need(vendor().device(svt.svt, left()), "device-refused", "device info");
    auto cwt =
        device.free_charge_used
            ? need(vendor().paid_charge(svt.svt, pages - have, kTestCard,
                                        "tapbench-" + std::to_string(++charges_) + "-" + svt.device_id,
                                        left()),
                   "paid-charge-refused", "paid charge")
            : need(vendor().free_charge(svt.svt, left()), "free-charge-refused", "free charge (S85-S89)");
    step.secret(cwt.cwt);
    need(vendor().charge(cwt.cwt, left()), "charge-refused", "CWT redemption (S93-S97)");
    const auto synced = need(printer().sync(pt_, kAdmin, left()), "sync-refused", "sync (S99-S111)");
    if (synced.printable_pages < pages && !device.free_charge_used) {
      ensure_pages(pages, step);  // the free charge granted fewer pages than needed: top up once more
      return;
    }
    if (synced.printable_pages < pages) {
      throw CaseFailure("sync-pages-wrong",
                        "after charging " + std::to_string(pages - have) + " pages the printer has " +
                            std::to_string(synced.printable_pages) + ", wanted " + std::to_string(pages));
    }
  }

  // The operator swaps cartridges that printing has drained (0.5 % of black per page): the cases that need a
  // ready tag would otherwise meet the printer's own (correct) ink_low state after a few hundred pages.
  void refill_ink_below(int percent, StepContext& step) {
    const auto s = need(printer().status(ms_left(step.remaining())), "status-refused", "printer status");
    for (const auto& level : s.ink) {
      if (level.percent < percent) bench_->set_ink(level.colour, 100, step.deadline());
    }
  }

  // Bench upkeep after a cycle (ink refill, page top-up; a refill restarts printerd on the sim bench): the
  // case's setup timeout as its budget, within what is left of the cycle.
  StepContext top_up_step(CycleContext& c) {
    const auto budget = std::min<std::chrono::nanoseconds>(c.remaining(), env_.suite_case.timeouts.setup);
    return StepContext(c.clock(), "top-up", ms_left(budget), *secrets_, nullptr);
  }

  // Prints `n` pages with the PT and expects them all printed (used to bring the count down).
  void print_down_to(std::int64_t target, StepContext& step) {
    const auto have =
        need(printer().status(ms_left(step.remaining())), "status-refused", "printer status").pages_remaining;
    if (have <= target) return;
    terminal::PrintRequest job;
    job.document = IppClient::pwg_raster_pages(static_cast<int>(have - target));
    const auto r =
        need(ipp().print(pt_, job, ms_left(step.remaining())), "print-refused", "print with the PT");
    if (r.pages_remaining != target) {
      throw CaseFailure("quota-wrong", "printing " + std::to_string(have - target) + " of " +
                                           std::to_string(have) + " pages left " +
                                           std::to_string(r.pages_remaining) + ", expected " +
                                           std::to_string(target));
    }
  }

  // The phone joins the printer's Wi-Fi Direct group announced on the tag (S23) through the bench's radio
  // (the link model's shared air on the sim bench; the lab's wpa_supplicant in the phone's namespace on the
  // hwsim bench). Its events are phase edges (mark_join_edges) and, with their details, cycle notes.
  void join_group(const handover::TapView& view, CycleContext& c) {
    if (!view.wfd) throw CaseFailure("tap-without-wfd", "the tag carries no Wi-Fi Direct credential");
    BenchRadio& radio = bench_->radio();
    c.note("radio.backend", radio.backend());
    try {
      const int freq = view.wfd->channel ? wifi::channel_to_freq_mhz(view.wfd->channel) : 2437;
      radio.phone_leave();  // a join of its own each cycle (with radio traffic the phone may still be on it)
      const auto joined =
          radio.phone_join({view.wfd->ssid, view.wfd->passphrase}, freq, ms_left(c.remaining()));
      note_join(c, "phone", joined);
      // The GO the phone joined must be the one the tag announced (the phone finds the group by SSID; a
      // printer announcing another device's MAC would send a real phone elsewhere).
      const std::string announced = mac_text(view.wfd->go_mac);
      c.note("tag.go_mac", announced);
      if (!joined.bssid.empty() && lower(joined.bssid) != announced) {
        radio.phone_leave();
        throw CaseFailure("wfd-go-mac-mismatch", "the tag announces GO " + announced +
                                                     ", the group the phone joined is " + joined.bssid);
      }
      mark_join_edges(c, joined);
      if (const auto link = session_->phone_link()) {
        // phone-traffic: radio — the phone stays on the group: its requests to the printer go from its
        // address there (its namespace) to the printer's on the group, over the simulated air.
        c.note("phone.traffic", "radio: from " + joined.ip_address + " (netns " + link->netns() + ") to " +
                                    bench_->endpoints().printer_url);
      } else {
        radio.phone_leave();
      }
    } catch (const wifi::WifiError& e) {
      radio.phone_leave();
      throw wifi_outcome(e, WifiParty::kSystemUnderTest, "joining the printer's Wi-Fi Direct group");
    }
  }

  // S29: the printer's station joins the router; printer_on_lan is the router's report of it.
  void wait_printer_on_lan(CycleContext& c) {
    const auto joined = bench_->radio().printer_joined_router(c.clock(), c.deadline());
    if (!joined)
      throw CaseFailure("printer-not-on-lan", "the printer's station never joined the router (S29)");
    c.note("router.station", joined->stamp.detail);
    c.mark("printer_on_lan");  // the report is stamped when the rig reads it: now
  }

  // Each phase of a join with its time from the request and the backend's detail (wpa_supplicant's event
  // text on hwsim), e.g. phone.associated = "+153 ms Associated with 46:00:00:00:02:00".
  // The join's events as phase edges (DESIGN §6 carrier_up, with its parts): wifi_scan (scan results),
  // wifi_associated, carrier_up (4-way handshake done), wifi_ip (the lease). On the hwsim bench they are
  // wpa_supplicant's events, on the sim bench the link model's. An edge the join did not report is left out
  // (shown as not reached); one out of order (a rescan) is left out rather than recorded wrong.
  static void mark_join_edges(CycleContext& c, const wifi::Joined& joined) {
    const auto connected =
        wifi::first_of(joined.phases, wifi::LinkPhase::kConnected).value_or(c.clock().monotonic_now());
    std::optional<MonotonicTime> last;
    const auto edge = [&](const char* name, std::optional<MonotonicTime> at, MonotonicTime not_after) {
      if (!at || *at > not_after || (last && *at < *last)) return;
      c.mark_at(name, *at);
      last = at;
    };
    edge("wifi_scan", wifi::first_of(joined.phases, wifi::LinkPhase::kScanResults), connected);
    edge("wifi_associated", wifi::first_of(joined.phases, wifi::LinkPhase::kAssociated), connected);
    c.mark_at("carrier_up", connected);
    last = connected;
    edge("wifi_ip", wifi::first_of(joined.phases, wifi::LinkPhase::kIpAddress), c.clock().monotonic_now());
  }

  static void note_join(CycleContext& c, const std::string& who, const wifi::Joined& joined) {
    const auto t0 = joined.phases.empty() ? MonotonicTime{} : joined.phases.front().at;
    for (const auto& p : joined.phases) {
      if (p.phase == wifi::LinkPhase::kRequested) continue;
      const auto ms = std::chrono::duration_cast<milliseconds>(p.at - t0).count();
      c.note(who + "." + std::string(wifi::to_string(p.phase)), "+" + std::to_string(ms) + " ms " + p.detail);
    }
    if (!joined.ip_address.empty()) c.note(who + ".ip", joined.ip_address);
  }

  bool more_cycles_after(const CycleContext& c) const {
    return !env_.suite_case.cycles || c.cycle() < *env_.suite_case.cycles;
  }

  const CaseEnvironment& env_;
  std::shared_ptr<SimBenchSession> session_;
  SimBenchStrategy* bench_ = nullptr;
  std::optional<PrinterApiClient> printer_;
  std::optional<VendorClient> vendor_;
  std::optional<IppClient> ipp_;
  std::string pt_;
  int charges_ = 0;
  SecretRegistry* secrets_ = nullptr;
};

// ---- provisioning (S11-S115, Figs 4-6) ----------------------------------------------------------------
class ProvisioningCase final : public FlowCase {
 public:
  using FlowCase::FlowCase;

 private:
  void prepare(StepContext& step) override {
    // A printer out of the box: unregistered, zero pages. A previous case (or cycle) may have provisioned it.
    const auto tap = terminal::tap(phone(), step.clock(), ms_left(step.remaining()), step.secrets());
    if (tap.view.state != ndef::PrinterState::unregistered) bench_->factory_reset_printer(step.deadline());
  }

  void cycle(CycleContext& c) override {
    const auto left = [&] { return ms_left(c.remaining()); };
    const auto tap = terminal::tap_and_mark(phone(), c);  // field_on, target_found, ndef_read
    if (tap.view.state != ndef::PrinterState::unregistered) {
      throw CaseFailure("wrong-tag-state", "a new printer's tag says " + state_name(tap.view.state) +
                                               ", expected unregistered (S19)");
    }
    if (!tap.view.pwt) throw CaseFailure("tap-without-pwt", "the unregistered tag carries no PWT (S21)");
    const std::string pwt = *tap.view.pwt;
    join_group(tap.view, c);  // carrier_up

    // S27: the router's credentials over the group's link, authorised by the PWT: the printer accepting the
    // PWT is auth_ok (handover latency = field_on → auth_ok, DESIGN §6).
    const auto& ep = bench_->endpoints();
    bench_->radio().forget_router_joins();  // a previous printer's join is not this one's
    need(ipp().hand_over_router(pwt, ep.router_ssid, ep.router_passphrase, left()), "router-handover-refused",
         "router hand-over with the PWT (S27)");
    c.mark("auth_ok");
    if (!eventually(c.clock(), c.deadline(), [&] {
          const auto s = printer().status(left());
          return s.ok() && s.value->router_ssid == ep.router_ssid;
        })) {
      throw CaseFailure("router-not-stored", "the printer accepted the router but never reports it (S29)");
    }
    c.mark("router_handover");
    wait_printer_on_lan(c);

    const auto grant = need(printer().issue_pt(pwt, kAdmin, left()), "pt-refused", "PT issue (S31-S35)");
    c.secret(grant.pt);
    pt_ = grant.pt;
    if (grant.terminal_id != kAdmin)
      throw CaseFailure("pt-wrong-owner", "the PT is bound to '" + grant.terminal_id + "', not " + kAdmin);
    c.mark("pt_issued");

    const auto reg = need(printer().register_printer(pt_, kAdmin, left()), "registration-refused",
                          "registration (S53-S61)");
    if (!reg.registered)
      throw CaseFailure("registration-failed", "unregistered after S61: " + reg.last_failure_error);
    const auto seen = need(printer().registration(pt_, left()), "registration-status-refused", "S63/S65");
    if (!seen.registered) throw CaseFailure("registration-lost", "S63 reports unregistered after S61");
    c.mark("registered");

    const auto svt = svt_for(kAdmin, c.clock(), c.deadline(), [&](std::string_view t) { c.secret(t); });
    c.mark("svt_issued");

    const auto cwt =
        need(vendor().free_charge(svt.svt, left()), "free-charge-refused", "free charge (S85-S89)");
    c.secret(cwt.cwt);
    const auto free_pages = bench_->options().free_pages;
    if (cwt.pages != free_pages || cwt.purpose != "free") {
      throw CaseFailure("free-charge-wrong", "a new device's free charge is " + std::to_string(cwt.pages) +
                                                 " pages (" + cwt.purpose + "), expected " +
                                                 std::to_string(free_pages) + " (free)");
    }
    const auto charged = need(vendor().charge(cwt.cwt, left()), "charge-refused", "CWT redemption (S93-S97)");
    if (charged.pages_granted != free_pages)
      throw CaseFailure("charge-wrong", "granted " + std::to_string(charged.pages_granted) + " pages");
    c.mark("charged");

    const auto synced = need(printer().sync(pt_, kAdmin, left()), "sync-refused", "sync (S99-S111)");
    if (synced.pages_added != free_pages || synced.printable_pages != free_pages ||
        !synced.printing_enabled) {
      throw CaseFailure("sync-wrong", "sync added " + std::to_string(synced.pages_added) +
                                          " pages, printer has " + std::to_string(synced.printable_pages) +
                                          ", printing " + (synced.printing_enabled ? "enabled" : "disabled") +
                                          "; expected " + std::to_string(free_pages) + " added and enabled");
    }
    c.mark("synced");
    c.note("device_id", svt.device_id);
    // The next cycle provisions a new printer again (outside every phase; counted in the cycle's time).
    if (more_cycles_after(c)) bench_->factory_reset_printer(c.deadline());
  }
};

// ---- tap-to-print (S120-S125, Fig 8) ---------------------------------------------------------------------
class TapToPrintCase final : public FlowCase {
 public:
  using FlowCase::FlowCase;

 private:
  // Pages the printer starts each cycle with: above the charge threshold, so the tag offers printing.
  std::int64_t start_pages() const { return bench_->options().page_threshold + 3; }

  void prepare(StepContext& step) override {
    admin_pt(step);
    refill_ink_below(50, step);
    ensure_pages(start_pages(), step);
    print_down_to(start_pages(), step);
  }

  void cycle(CycleContext& c) override {
    const auto left = [&] { return ms_left(c.remaining()); };
    const auto tap = terminal::tap_and_mark(phone(), c);
    if (tap.view.state != ndef::PrinterState::ready || !tap.view.pwt) {
      throw CaseFailure("wrong-tag-state",
                        "a registered printer with pages tapped as " + state_name(tap.view.state) +
                            (tap.view.pwt ? "" : " without a PWT") + ", expected ready + PWT");
    }
    const std::string pwt = *tap.view.pwt;
    const auto before = need(printer().status(left()), "status-refused", "printer status").pages_remaining;
    join_group(tap.view, c);  // carrier_up

    // S121: the print app validates the job with the PWT (the printer authenticates it: auth_ok), then
    // prints: job_accepted when the printer answers Print-Job (PAPPL answers after the streamed pages),
    // job_done when the job, polled, reached its end.
    const ipp_status_t valid =
        validate_job(bench_->endpoints().printer_ipp_uri, bench_->endpoints().printer_pin.get(), pwt, left(),
                     session_->phone_link().get());
    if (valid > IPP_STATUS_OK_EVENTS_COMPLETE) {
      throw CaseFailure("pwt-refused-for-print",
                        std::string("Validate-Job with the tag's PWT refused: ") + ippErrorString(valid));
    }
    c.mark("auth_ok");
    terminal::PrintRequest one;
    one.document = IppClient::pwg_raster_pages(1);
    terminal::PrintRequest first = one;
    first.on_accepted = [&c](int) { c.mark("job_accepted"); };
    const auto printed = ipp().print(pwt, first, left());
    if (!printed.ok())
      throw CaseFailure("print-refused", "print with the tag's PWT refused: " + answer(printed));
    if (printed.value->job_state != "completed" || printed.value->pages_printed != 1) {
      throw CaseFailure("job-not-completed", "job " + std::to_string(printed.value->job_id) + " ended " +
                                                 printed.value->job_state + " with " +
                                                 std::to_string(printed.value->pages_printed) + " pages");
    }
    c.mark("job_done");
    // S123/S125: the count went down by the page printed, and the printer says how many are left.
    if (printed.value->pages_remaining != before - 1) {
      throw CaseFailure("quota-not-decremented", "pages went from " + std::to_string(before) + " to " +
                                                     std::to_string(printed.value->pages_remaining) +
                                                     " after a 1-page job");
    }
    // Refusal at zero: a job larger than what is left prints exactly what is left, says 0 remain, and the
    // next job is refused.
    const auto rest = printed.value->pages_remaining;
    terminal::PrintRequest big;
    big.document = IppClient::pwg_raster_pages(static_cast<int>(rest + 1));
    const auto drained = need(ipp().print(pt_, big, left()), "print-refused", "print with the PT");
    if (drained.pages_printed != rest || drained.pages_remaining != 0) {
      throw CaseFailure("quota-overrun", "a " + std::to_string(rest + 1) + "-page job with " +
                                             std::to_string(rest) + " pages left printed " +
                                             std::to_string(drained.pages_printed) + " and left " +
                                             std::to_string(drained.pages_remaining));
    }
    const auto refused = ipp().print(pt_, one, left());
    if (refused.ok()) {
      throw CaseFailure("printed-at-zero", "a job was printed with 0 pages left (" +
                                               std::to_string(refused.value->pages_printed) + " pages)");
    }
    // Refused for the right reason: forbidden (out of pages), not not-authenticated (the PT refused).
    if (refused.status != IPP_STATUS_ERROR_FORBIDDEN) {
      throw CaseFailure("wrong-refusal-at-zero",
                        "the job at 0 pages was refused with " + refused.error + ", expected forbidden");
    }
    c.note("refusal_at_zero", refused.error);
    c.note("pages_before", std::to_string(before));
    if (more_cycles_after(c)) {
      StepContext top_up = top_up_step(c);
      refill_ink_below(50, top_up);
      ensure_pages(start_pages(), top_up);
    }
  }
};

// ---- second-tap (S43-S49, S116-S119, Fig 7) -------------------------------------------------------------
class SecondTapCase final : public FlowCase {
 public:
  using FlowCase::FlowCase;

 private:
  void prepare(StepContext& step) override {
    admin_pt(step);
    bench_->set_ink("black", 100, step.deadline());
    ensure_pages(1, step);
    print_down_to(bench_->options().page_threshold, step);  // pages <= threshold: the tag offers a charge
    // The timed tap starts from a tag already showing the charge: the printer composes it once it holds a
    // prefetched SVWT (S43), which may take up to its prefetch period after the pages went down.
    const auto until = std::min(step.deadline(), step.clock().monotonic_now() + 15s);
    terminal::TapRead seen;
    eventually(step.clock(), until, [&] {
      try {
        seen = terminal::tap(phone(), step.clock(), ms_left(until - step.clock().monotonic_now()),
                             step.secrets());
      } catch (const CaseFailure&) {
        return false;  // empty while it is being rewritten
      }
      return seen.view.state == ndef::PrinterState::charge_needed;
    });
  }

  // Taps until the tag shows `want` with an SVWT other than `used` (the printer rewrites its tag when its
  // state changes and prefetches a fresh SVWT every svwt-prefetch period; S43-S49).
  terminal::TapRead tap_until(ndef::PrinterState want, const std::string& used, CycleContext& c,
                              bool marked) {
    terminal::TapRead tap;
    const bool ok = eventually(c.clock(), std::min(c.deadline(), c.clock().monotonic_now() + 15s), [&] {
      if (marked) {
        tap = terminal::tap_and_mark(phone(), c);
        return true;  // the timed tap is judged as it is
      }
      tap = terminal::tap(phone(), c.clock(), ms_left(c.remaining()), *secrets_);
      return tap.view.state == want && tap.view.svwt && *tap.view.svwt != used;
    });
    if (!ok || tap.view.state != want) {
      throw CaseFailure("wrong-tag-state", "the tag says " + state_name(tap.view.state) + ", expected " +
                                               state_name(want) + " (S19/S116)");
    }
    if (!tap.view.svwt || !tap.view.url)
      throw CaseFailure("tag-incomplete", "the " + state_name(want) + " tag lacks its SVWT or URL (S116)");
    return tap;
  }

  // The second terminal redeems the tag's SVWT (S77-S81) and opens the tag's URL with its SVT (S118).
  void open_with_svt(const terminal::TapRead& tap, const char* page, CycleContext& c, bool marked) {
    const auto left = [&] { return ms_left(c.remaining()); };
    const auto svt = need(vendor().svt(*tap.view.svwt, kPhone2, left()), "svt-refused",
                          "SVT for the tag's SVWT (S77-S81)");
    c.secret(svt.svt);
    if (marked) c.mark("svt_issued");
    if (tap.view.url->find(page) == std::string::npos) {
      throw CaseFailure("wrong-url",
                        std::string("the tag's URL is not the ") + page + " page: " + *tap.view.url);
    }
    const auto opened = vendor().open_page(with_svt(*tap.view.url, svt.svt), left());
    if (opened.status != 200) {
      throw CaseFailure("page-not-opened", std::string("the ") + page + " page answered HTTP " +
                                               std::to_string(opened.status) + " to the SVT");
    }
    if (marked) c.mark("page_opened");
  }

  void cycle(CycleContext& c) override {
    // Charge branch (pages <= threshold), timed.
    const auto charge = tap_until(ndef::PrinterState::charge_needed, "", c, true);
    if (charge.view.state != ndef::PrinterState::charge_needed) {
      throw CaseFailure("wrong-tag-state",
                        "pages <= threshold, but the tag says " + state_name(charge.view.state));
    }
    open_with_svt(charge, "charge", c, true);
    // Exchange branch (ink low outranks the charge, S19), checked after the timed edges.
    bench_->set_ink("black", 4, c.deadline());
    const auto exchange = tap_until(ndef::PrinterState::ink_low, *charge.view.svwt, c, false);
    open_with_svt(exchange, "exchange", c, false);
    c.note("exchange_branch", "ok");
    bench_->set_ink("black", 100, c.deadline());
  }

 public:
  void teardown(StepContext& step) override {
    if (bench_) bench_->set_ink("black", 100, step.deadline());
  }
};

// ---- ink-low-notice (server 30: ink replacement) --------------------------------------------------------
class InkLowNoticeCase final : public FlowCase {
 public:
  using FlowCase::FlowCase;

  void teardown(StepContext& step) override {
    if (!bench_) return;
    bench_->set_ink("black", 100, step.deadline());
    try {  // close the notice this case opened, so the next case starts clean
      if (!svt_.empty()) vendor().exchange(svt_, {"black"}, ms_left(step.remaining()));
      if (!pt_.empty()) printer().sync(pt_, kAdmin, ms_left(step.remaining()));
    } catch (const TerminalTransportError&) {
    }
  }

 private:
  void prepare(StepContext& step) override {
    admin_pt(step);
    bench_->set_ink("black", 100, step.deadline());
    svt_ = svt_for(kAdmin, step.clock(), step.deadline(), [&](std::string_view t) { step.secret(t); }).svt;
  }

  std::int64_t black_notices(CycleContext& c) {
    const auto d = need(vendor().device(svt_, ms_left(c.remaining())), "device-refused", "device info");
    return std::count_if(d.replacement_notices.begin(), d.replacement_notices.end(),
                         [](const terminal::ReplacementNotice& n) { return n.color == "black"; });
  }

  void cycle(CycleContext& c) override {
    const auto left = [&] { return ms_left(c.remaining()); };
    bench_->set_ink("black", 4, c.deadline());  // below printerd's and vendord's thresholds
    if (!eventually(c.clock(), c.deadline(), [&] {
          const auto s = printer().status(left());
          if (!s.ok()) return false;
          return std::any_of(s.value->ink.begin(), s.value->ink.end(),
                             [](const terminal::InkLevel& l) { return l.colour == "black" && l.low; });
        })) {
      throw CaseFailure("ink-low-not-seen", "black at 4 % but the printer never reports it low");
    }
    c.mark("ink_low");
    need(printer().sync(pt_, kAdmin, left()), "sync-refused", "sync (S99-S111)");
    const auto shown = black_notices(c);
    if (shown != 1) {
      throw CaseFailure("notice-missing", "after a sync with black low the server shows " +
                                              std::to_string(shown) + " black notices, expected 1");
    }
    c.mark("notice_shown");
    need(printer().sync(pt_, kAdmin, left()), "sync-refused", "second sync");
    const auto again = black_notices(c);
    if (again != 1) {
      throw CaseFailure("notice-repeated", "a second sync with black still low left " +
                                               std::to_string(again) + " black notices, expected 1");
    }
    c.mark("notice_not_repeated");
    // The operator exchanges the cartridge: the next cycle starts from a full one and no open notice.
    need(vendor().exchange(svt_, {"black"}, left()), "exchange-refused", "ink exchange request");
    bench_->set_ink("black", 100, c.deadline());
    need(printer().sync(pt_, kAdmin, left()), "sync-refused", "sync after the exchange");
  }

  std::string svt_;
};

// ---- printer-deactivated (S83, S272) --------------------------------------------------------------------
class PrinterDeactivatedCase final : public FlowCase {
 public:
  using FlowCase::FlowCase;

  void teardown(StepContext& step) override {
    if (!bench_ || svt_.empty()) return;
    try {  // never leave the printer disabled for the next case
      vendor().activation(svt_, true, ms_left(step.remaining()));
      printer().sync(pt_, kAdmin, ms_left(step.remaining()));
    } catch (const TerminalTransportError&) {
    }
  }

 private:
  void prepare(StepContext& step) override {
    admin_pt(step);
    refill_ink_below(50, step);
    ensure_pages(2, step);
    svt_ = svt_for(kAdmin, step.clock(), step.deadline(), [&](std::string_view t) { step.secret(t); }).svt;
  }

  void cycle(CycleContext& c) override {
    const auto left = [&] { return ms_left(c.remaining()); };
    terminal::PrintRequest one;
    one.document = IppClient::pwg_raster_pages(1);

    need(vendor().activation(svt_, false, left()), "activation-refused", "disable printing at the server");
    const auto off = need(printer().sync(pt_, kAdmin, left()), "sync-refused", "sync (S99-S111)");
    if (off.printing_enabled)
      throw CaseFailure("still-enabled", "the server disabled printing, the sync still says enabled");
    c.mark("deactivated");
    const auto refused = ipp().print(pt_, one, left());
    if (refused.ok()) throw CaseFailure("printed-while-disabled", "a deactivated printer printed a job");
    // Refused because printing is disabled (forbidden), not because the PT was (not-authenticated).
    if (refused.status != IPP_STATUS_ERROR_FORBIDDEN) {
      throw CaseFailure("wrong-refusal-while-disabled",
                        "the deactivated printer refused with " + refused.error + ", expected forbidden");
    }
    c.note("refused_with", refused.error);
    c.mark("print_refused");

    need(vendor().activation(svt_, true, left()), "activation-refused", "enable printing at the server");
    const auto on = need(printer().sync(pt_, kAdmin, left()), "sync-refused", "sync (S99-S111)");
    if (!on.printing_enabled)
      throw CaseFailure("still-disabled", "the server enabled printing, the sync still says disabled");
    c.mark("reactivated");
    const auto printed = ipp().print(pt_, one, left());
    if (!printed.ok())
      throw CaseFailure("print-refused", "a reactivated printer refused: " + answer(printed));
    c.mark("print_accepted");
    if (more_cycles_after(c)) {
      StepContext top_up = top_up_step(c);
      refill_ink_below(50, top_up);
      ensure_pages(2, top_up);
    }
  }

  std::string svt_;
};

template <class C>
CaseFactory factory_of(std::shared_ptr<SimBenchSession> session) {
  return [session](const CaseEnvironment& env) { return std::make_unique<C>(env, session); };
}

void add(CaseRegistry& registry, const std::string& id, CaseFactory factory) {
  const CaseRegistry::Entry* entry = registry.find(id);
  if (!entry) throw std::logic_error("case '" + id + "' is not in the catalogue");
  CaseInfo info = entry->info;
  registry.add(std::move(info), std::move(factory));
}

}  // namespace

void register_flow_cases(CaseRegistry& registry, std::shared_ptr<SimBenchSession> session) {
  add(registry, "provisioning", factory_of<ProvisioningCase>(session));
  add(registry, "tap-to-print", factory_of<TapToPrintCase>(session));
  add(registry, "second-tap", factory_of<SecondTapCase>(session));
  add(registry, "ink-low-notice", factory_of<InkLowNoticeCase>(session));
  add(registry, "printer-deactivated", factory_of<PrinterDeactivatedCase>(session));
}

}  // namespace tapbench::rig
