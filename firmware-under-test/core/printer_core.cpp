#include "firmware-under-test/core/printer_core.hpp"

#include <algorithm>
#include <utility>

#include "firmware-under-test/core/ink_model.hpp"
#include "firmware-under-test/core/page_ledger.hpp"
#include "firmware-under-test/core/tokens.hpp"
#include "protocol/ndef/printer_record.hpp"
#include "protocol/token/expiry.hpp"

namespace tapbench::firmware {
namespace {

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool is_printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// WPA2 rules: SSID 1–32 bytes; passphrase 8–63 printable ASCII, or a 64-hex-digit PSK.
std::optional<std::string> check_network(const NetworkConfig& n) {
  if (n.ssid.empty() || n.ssid.size() > 32) {
    return "router SSID must be 1-32 bytes (got " + std::to_string(n.ssid.size()) + ")";
  }
  if (is_hex64(n.passphrase)) return std::nullopt;
  if (n.passphrase.size() < 8 || n.passphrase.size() > 63 || !is_printable(n.passphrase)) {
    return "router passphrase must be 8-63 printable ASCII characters or 64 hex digits";
  }
  return std::nullopt;
}

std::string hal_detail(const hal::Status& s) {
  std::string out = hal::hal_code_name(s.code);
  if (!s.detail.empty()) out += ": " + s.detail;
  return out;
}

}  // namespace

const char* link_name(Link link) {
  switch (link) {
    case Link::wfd:
      return "wfd";
    case Link::lan:
      return "lan";
    case Link::local:
      return "local";
  }
  return "unknown";
}

PrinterCore::PrinterCore(Hal hal, CoreConfig config)
    : hal_(hal),
      config_(std::move(config)),
      pwt_(hal.clock, config_),
      pt_policy_(tokens::pt_policy(config_)) {}

// ---- persistence ------------------------------------------------------------------------------------------

Result<Done> PrinterCore::commit(Ptb next) {
  const hal::Status s = hal_.storage.commit(next);
  if (!s.ok()) return make_error(CoreError::storage_failed, "PTB commit failed: " + hal_detail(s));
  ptb_ = std::move(next);
  return Done{};
}

namespace {

void drop_in_flight(Ptb& ptb, std::uint32_t job_id, std::uint32_t page) {
  std::erase(ptb.pages_in_flight, PageInFlight{job_id, page});
}

}  // namespace

// A crash between a page's charge commit and its mark commit leaves the page in flight. The page file is
// renamed into place whole before the mark is committed, so "finished" is exact: keep the charge (the user
// has the page), otherwise refund it. Never a page lost, never one gained; one commit for all of them.
Result<Done> PrinterCore::settle_pages_in_flight() {
  boot_settlement_ = {};
  if (ptb_.pages_in_flight.empty()) return Done{};
  Ptb next = ptb_;
  next.pages_in_flight.clear();
  PageSettlement settled;
  for (const auto& p : ptb_.pages_in_flight) {
    if (hal_.engine.page_finished(p.job_id, p.page)) {
      ++settled.kept;
      continue;
    }
    auto after = ledger::after_credit(next.printable_pages, 1);
    if (!after || next.pages_printed == 0) {
      return make_error(CoreError::storage_failed, "PTB inconsistent: page in flight (job " +
                                                       std::to_string(p.job_id) + " page " +
                                                       std::to_string(p.page) + ") cannot be refunded");
    }
    next.printable_pages = *after;
    next.pages_printed -= 1;
    ++settled.refunded;
  }
  if (auto c = commit(std::move(next)); !c) return c.error();
  boot_settlement_ = settled;
  return Done{};
}

Result<Done> PrinterCore::require_started() const {
  if (!started_) return make_error(CoreError::not_started, "printer core not started");
  return Done{};
}

Error PrinterCore::server_error(const char* step, const hal::Status& status) const {
  return make_error(CoreError::server_failed, std::string(step) + ": " + hal_detail(status));
}

// ---- S11/S13: boot ----------------------------------------------------------------------------------------

Result<Done> PrinterCore::start() {
  if (started_) return Done{};
  auto loaded = hal_.storage.load();
  if (!loaded)
    return make_error(CoreError::storage_failed, "PTB load failed: " + hal_detail(loaded.status()));
  if (loaded.value()) {
    if (loaded.value()->version != kPtbVersion) {
      return make_error(CoreError::storage_failed, "PTB version " + std::to_string(loaded.value()->version) +
                                                       " not supported (expected " +
                                                       std::to_string(kPtbVersion) + ")");
    }
    ptb_ = std::move(*loaded.value());
    if (auto settled = settle_pages_in_flight(); !settled) return settled.error();
  } else {
    Ptb factory;
    factory.device_id = config_.device_id;
    factory.printable_pages = config_.factory_pages;
    factory.page_threshold = config_.page_threshold;
    factory.ink_low_percent = config_.ink_low_percent;
    factory.ink = config_.factory_ink;
    if (auto reading = hal_.ink.read_levels(); reading && !ink::validate(reading.value())) {
      factory.ink = reading.value();
    }
    if (auto c = commit(std::move(factory)); !c) return c.error();
  }

  if (!pwt_.rotate()) return make_error(CoreError::tag_failed, "CSPRNG failed: no PWT");
  auto passphrase = tokens::new_wfd_passphrase();
  if (!passphrase) return make_error(CoreError::radio_failed, "CSPRNG failed: no WFD passphrase");
  group_.ssid = (config_.wfd_ssid_prefix + ptb_.device_id).substr(0, 32);
  group_.passphrase = std::move(*passphrase);
  group_.channel = config_.wfd_channel;

  const MonotonicTime now = hal_.clock.monotonic_now();
  pt_last_used_.clear();
  const SystemTime boot = hal_.clock.system_now();
  for (const auto& b : ptb_.pt_bindings)
    pt_last_used_[b.pt_hash] = boot;  // idle timers restart at boot
  next_svwt_fetch_ = now;
  next_sync_ = now;
  started_ = true;

  (void)refresh_ink();      // a sensor failure leaves the last reading; snapshot() shows it
  (void)ensure_group_up();  // S23: ready for the phone as soon as the tag offers the credential
  if (ptb_.network) {
    station_joined_ = hal_.radio.join_station({ptb_.network->ssid, ptb_.network->passphrase}).ok();
  }
  (void)refresh_tag();
  return Done{};
}

// ---- tag (S19/S21/S116) -----------------------------------------------------------------------------------

bool PrinterCore::svwt_valid() const {
  return ptb_.svwt && hal_.clock.system_now() < ptb_.svwt->expires_at;
}

handover::TapInputs PrinterCore::tap_inputs() const {
  handover::TapInputs in;
  in.registered = ptb_.server_token.has_value();
  in.ink_low = ink::is_low(ptb_.ink, ptb_.ink_low_percent);
  in.printable_pages = ptb_.printable_pages;
  in.page_threshold = ptb_.page_threshold;
  in.wfd.ssid = group_.ssid;
  in.wfd.passphrase = group_.passphrase;
  in.wfd.go_mac = group_info_.go_mac;
  in.wfd.channel = group_info_.channel;
  in.pwt = pwt_.current();
  if (svwt_valid()) in.svwt = ptb_.svwt->token;
  in.app_package = config_.app_package;
  in.charge_url = config_.charge_url;
  in.exchange_url = config_.exchange_url;
  return in;
}

Result<Done> PrinterCore::refresh_tag() {
  auto bytes = handover::encode_tap_message(tap_inputs());
  if (!bytes) {
    // Better an empty tag than a stale PWT or a message without the token its state needs.
    (void)hal_.tag.set_ndef({});
    tag_error_ = make_error(CoreError::tag_failed, "tag message not composed: " + bytes.error().reason);
    return *tag_error_;
  }
  const hal::Status s = hal_.tag.set_ndef(bytes.value());
  if (!s.ok()) {
    tag_error_ = make_error(CoreError::tag_failed, "tag frontend refused the message: " + hal_detail(s));
    return *tag_error_;
  }
  tag_error_.reset();
  return Done{};
}

Result<Done> PrinterCore::ensure_group_up(bool recheck) {
  if (group_up_ && !recheck) return Done{};
  auto info = hal_.radio.start_group(group_);
  if (!info) {
    group_up_ = false;
    return make_error(CoreError::radio_failed, "WFD group not started: " + hal_detail(info.status()));
  }
  group_info_ = info.value();
  group_up_ = true;
  return Done{};
}

void PrinterCore::on_tap(const hal::TapEvent& /*event*/) {
  if (!started_) return;
  // Only the cheap, local part of tick(): the content must be current before the reader reads it.
  pwt_.rotate_if_due();
  std::vector<Error> ignored;
  expire_idle_pts(ignored);
  const auto state = handover::judge_state(tap_inputs());
  if (state == handover::PrinterState::unregistered || state == handover::PrinterState::ready) {
    (void)ensure_group_up(true);  // S23; start_group is idempotent, so a group the radio lost comes back
  }
  (void)refresh_tag();
}

// ---- PWT / PT ---------------------------------------------------------------------------------------------

Result<Done> PrinterCore::check_pwt(std::string_view pwt) {
  const std::uint64_t before = pwt_.rotations();
  const PwtGuard::Check check = pwt_.check(pwt);
  if (pwt_.rotations() != before) (void)refresh_tag();  // rotated (due, or burned by the attempt cap)
  switch (check) {
    case PwtGuard::Check::ok:
      return Done{};
    case PwtGuard::Check::locked:
      return make_error(CoreError::pwt_locked, "too many wrong PWTs; PWT authentication locked for now");
    case PwtGuard::Check::wrong:
      break;
  }
  return make_error(CoreError::unauthenticated, "PWT wrong, expired or rotated (tap again)");
}

bool PrinterCore::pt_expired(const PtBinding& binding) const {
  auto it = pt_last_used_.find(binding.pt_hash);
  const token::State state{
      binding.issued_at, it == pt_last_used_.end() ? std::nullopt : std::optional<SystemTime>{it->second}, 0};
  return token::evaluate(pt_policy_, state, hal_.clock) != token::Verdict::Valid;
}

std::uint32_t PrinterCore::expire_idle_pts(std::vector<Error>& errors) {
  Ptb next = ptb_;
  std::erase_if(next.pt_bindings, [&](const PtBinding& b) { return pt_expired(b); });
  const auto expired = static_cast<std::uint32_t>(ptb_.pt_bindings.size() - next.pt_bindings.size());
  if (expired == 0) return 0;
  if (auto c = commit(std::move(next)); !c) {
    errors.push_back(c.error());  // they stay in the PTB, but authenticate_pt() refuses them anyway
    return 0;
  }
  std::erase_if(pt_last_used_, [&](const auto& kv) {
    return std::none_of(ptb_.pt_bindings.begin(), ptb_.pt_bindings.end(),
                        [&](const PtBinding& b) { return b.pt_hash == kv.first; });
  });
  return expired;
}

std::optional<std::size_t> PrinterCore::find_pt(std::string_view pt) const {
  const std::string h = tokens::hash_hex(pt);
  if (h.empty()) return std::nullopt;
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < ptb_.pt_bindings.size(); ++i) {  // no early exit: constant work per binding
    if (tokens::equal(h, ptb_.pt_bindings[i].pt_hash)) found = i;
  }
  return found;
}

Result<std::size_t> PrinterCore::authenticate_pt(std::string_view pt) {
  const auto found = find_pt(pt);
  if (!found) return make_error(CoreError::unauthenticated, "PT unknown or deleted");
  if (pt_expired(ptb_.pt_bindings[*found])) {
    std::vector<Error> ignored;
    expire_idle_pts(ignored);
    return make_error(CoreError::unauthenticated, "PT expired (idle timeout)");
  }
  pt_last_used_[ptb_.pt_bindings[*found].pt_hash] = hal_.clock.system_now();
  return *found;
}

Result<std::string> PrinterCore::issue_pt(std::string_view pwt, const Terminal& terminal) {
  if (auto r = require_started(); !r) return r.error();
  if (terminal.id.empty())
    return make_error(CoreError::invalid_argument, "terminal ID required to bind a PT");
  if (auto r = check_pwt(pwt); !r) return r.error();
  std::vector<Error> ignored;
  expire_idle_pts(ignored);
  if (ptb_.pt_bindings.size() >= config_.max_pts) {
    return make_error(CoreError::pt_limit, "already " + std::to_string(ptb_.pt_bindings.size()) +
                                               " live PTs (limit " + std::to_string(config_.max_pts) + ")");
  }
  auto pt = tokens::generate(pt_policy_);
  const std::string pt_hash = pt ? tokens::hash_hex(*pt) : std::string{};
  if (pt_hash.empty()) return make_error(CoreError::storage_failed, "CSPRNG or digest failed: no PT");
  Ptb next = ptb_;
  PtBinding binding{pt_hash, terminal.id, hal_.clock.system_now()};
  const std::string h = binding.pt_hash;
  next.pt_bindings.push_back(std::move(binding));
  if (auto c = commit(std::move(next)); !c) return c.error();  // PWT stays live: no PT was issued
  pt_last_used_[h] = hal_.clock.system_now();
  pwt_.rotate();  // S33: the old PWT no longer authenticates anything
  (void)refresh_tag();
  return std::move(*pt);
}

Result<Done> PrinterCore::delete_pt(std::string_view pt, const Terminal& terminal) {
  if (auto r = require_started(); !r) return r.error();
  auto idx = authenticate_pt(pt);
  if (!idx) return idx.error();
  const PtBinding& b = ptb_.pt_bindings[idx.value()];
  if (b.terminal_id != terminal.id) {
    return make_error(CoreError::not_owner, "PT was issued to another terminal");
  }
  const std::string h = b.pt_hash;
  Ptb next = ptb_;
  next.pt_bindings.erase(next.pt_bindings.begin() + static_cast<std::ptrdiff_t>(idx.value()));
  if (auto c = commit(std::move(next)); !c) return c.error();
  pt_last_used_.erase(h);
  return Done{};
}

// ---- S27–S29: router hand-over ----------------------------------------------------------------------------

Result<Done> PrinterCore::accept_router_credentials(std::string_view pwt, const Terminal& terminal,
                                                    const NetworkConfig& network) {
  if (auto r = require_started(); !r) return r.error();
  if (terminal.link != Link::wfd) {
    return make_error(CoreError::wrong_link,
                      std::string("router credentials are accepted over the WFD link only (got ") +
                          link_name(terminal.link) + ")");
  }
  if (auto r = check_pwt(pwt); !r) return r.error();
  if (auto bad = check_network(network)) return make_error(CoreError::invalid_argument, *bad);
  pending_network_ = network;
  return Done{};
}

Result<Done> PrinterCore::complete_router_handover() {
  if (auto r = require_started(); !r) return r.error();
  if (!pending_network_) return make_error(CoreError::nothing_pending, "no router credentials pending");
  const NetworkConfig network = std::move(*pending_network_);
  pending_network_.reset();
  (void)hal_.radio.stop_group();
  group_up_ = false;
  if (station_joined_) (void)hal_.radio.leave_station();
  station_joined_ = false;
  // Back to the committed configuration: WFD group up (the terminal can reconnect and retry), old router.
  auto restore = [this] {
    if (station_joined_) (void)hal_.radio.leave_station();
    station_joined_ =
        ptb_.network && hal_.radio.join_station({ptb_.network->ssid, ptb_.network->passphrase}).ok();
    (void)ensure_group_up();
    (void)refresh_tag();
  };
  const hal::Status joined = hal_.radio.join_station({network.ssid, network.passphrase});
  station_joined_ = joined.ok();
  if (!joined.ok()) {
    restore();
    return make_error(CoreError::radio_failed, "router not joined: " + hal_detail(joined));
  }
  Ptb next = ptb_;
  next.network = network;
  if (auto c = commit(std::move(next)); !c) {
    restore();
    return c.error();
  }
  next_svwt_fetch_ = hal_.clock.monotonic_now();  // the server may be reachable now
  return Done{};
}

// ---- S53–S75: registration and SVWT -----------------------------------------------------------------------

Result<RegistrationStatus> PrinterCore::register_with_server(std::string_view pt,
                                                             const Terminal& /*terminal*/) {
  if (auto r = require_started(); !r) return r.error();
  if (auto a = authenticate_pt(pt); !a) return a.error();
  if (ptb_.server_token) return RegistrationStatus{RegistrationState::registered, std::nullopt};
  hal::RegisterRequest req{ptb_.device_id, ptb_.printable_pages, ptb_.ink};
  auto resp = hal_.server.register_device(req);
  if (!resp) {
    registration_failure_ = server_error("register (S55)", resp.status());
    return *registration_failure_;
  }
  if (!ndef::is_valid_token_text(resp->server_token)) {
    registration_failure_ =
        make_error(CoreError::server_failed, "register (S59): server token missing or malformed");
    return *registration_failure_;
  }
  Ptb next = ptb_;
  next.server_token = resp->server_token;
  next.printing_enabled = resp->printing_enabled;
  if (auto c = commit(std::move(next)); !c) {
    registration_failure_ = c.error();
    return c.error();
  }
  registration_failure_.reset();
  const MonotonicTime now = hal_.clock.monotonic_now();
  next_svwt_fetch_ = now;  // S43: prefetch from now on
  next_sync_ = now + config_.sync_period;
  (void)refresh_tag();
  return RegistrationStatus{RegistrationState::registered, std::nullopt};
}

Result<RegistrationStatus> PrinterCore::registration_status(std::string_view pt,
                                                            const Terminal& /*terminal*/) {
  if (auto r = require_started(); !r) return r.error();
  if (auto a = authenticate_pt(pt); !a) return a.error();
  return RegistrationStatus{
      ptb_.server_token ? RegistrationState::registered : RegistrationState::unregistered,
      registration_failure_};
}

Result<Done> PrinterCore::fetch_svwt() {
  if (!ptb_.server_token) return make_error(CoreError::not_registered, "SVWT needs the ST (register first)");
  const MonotonicTime now = hal_.clock.monotonic_now();
  auto resp = hal_.server.request_svwt({*ptb_.server_token});
  if (!resp) {
    next_svwt_fetch_ = now + config_.server_retry_delay;
    return server_error("SVWT request (S43/S69)", resp.status());
  }
  if (!ndef::is_valid_token_text(resp->svwt) || resp->ttl <= std::chrono::seconds{0}) {
    next_svwt_fetch_ = now + config_.server_retry_delay;
    return make_error(CoreError::server_failed, "SVWT request: token missing/malformed or TTL not positive");
  }
  Ptb next = ptb_;
  next.svwt = StoredSvwt{resp->svwt, hal_.clock.system_now() + resp->ttl};
  if (auto c = commit(std::move(next)); !c) {
    next_svwt_fetch_ = now + config_.server_retry_delay;
    return c.error();
  }
  // Refetch every prefetch period, or when this one expires if that comes first.
  next_svwt_fetch_ = now + std::min<std::chrono::nanoseconds>(config_.svwt_prefetch_period, resp->ttl);
  (void)refresh_tag();
  return Done{};
}

Result<std::string> PrinterCore::svwt_for_terminal(std::string_view pt, const Terminal& /*terminal*/) {
  if (auto r = require_started(); !r) return r.error();
  if (auto a = authenticate_pt(pt); !a) return a.error();
  if (!ptb_.server_token) return make_error(CoreError::not_registered, "SVWT needs the ST (register first)");
  if (!svwt_valid()) {
    if (auto f = fetch_svwt(); !f) return f.error();  // S69–S73
  }
  std::string token = ptb_.svwt->token;
  Ptb next = ptb_;
  next.svwt.reset();  // single use: hand it out once (S49/S75), prefetch another
  if (auto c = commit(std::move(next)); !c) return c.error();
  next_svwt_fetch_ = hal_.clock.monotonic_now();
  (void)refresh_tag();
  return token;
}

// ---- S99–S111: sync ---------------------------------------------------------------------------------------

Result<SyncSummary> PrinterCore::sync_now() {
  if (!ptb_.server_token) return make_error(CoreError::not_registered, "sync needs the ST (register first)");
  const MonotonicTime now = hal_.clock.monotonic_now();
  next_sync_ = now + config_.server_retry_delay;
  SyncSummary summary;
  // Round 1 is S101 (report + ask); after a credit was added and committed (S107) the next round is S109 (the
  // new count, acknowledging the credit). A credit arriving meanwhile is added in the same way.
  constexpr int kMaxRounds = 3;
  for (int round = 1; round <= kMaxRounds; ++round) {
    hal::SyncRequest req{*ptb_.server_token, ptb_.device_id, ptb_.printable_pages,
                         ptb_.pages_printed, ptb_.ink,       ptb_.applied_credit_id};
    auto resp = hal_.server.sync(req);
    if (!resp) {
      if (round == 1) return server_error("sync (S101)", resp.status());
      break;  // counts are committed; the acknowledgement goes with the next sync
    }
    Ptb next = ptb_;
    next.printing_enabled = resp->printing_enabled;
    const bool new_credit = resp->add_pages > 0 && resp->credit_through > ptb_.applied_credit_id;
    if (new_credit) {
      auto after = ledger::after_credit(next.printable_pages, resp->add_pages);
      if (!after) {
        return make_error(CoreError::server_failed, "sync (S105): credit of " +
                                                        std::to_string(resp->add_pages) +
                                                        " pages would overflow the page count");
      }
      next.printable_pages = *after;
      next.applied_credit_id = resp->credit_through;
    }
    if (next != ptb_) {
      if (auto c = commit(std::move(next)); !c) return c.error();  // S107 not done: the server re-sends
    }
    if (new_credit) {
      summary.pages_added += resp->add_pages;
      continue;  // S109: report the count that includes it
    }
    summary.reported = true;  // this request carried the current count and acknowledgement
    break;
  }
  summary.printable_pages = ptb_.printable_pages;
  summary.printing_enabled = ptb_.printing_enabled;
  next_sync_ = now + config_.sync_period;
  (void)refresh_tag();
  return summary;
}

Result<SyncSummary> PrinterCore::sync_with_server(std::string_view pt, const Terminal& /*terminal*/) {
  if (auto r = require_started(); !r) return r.error();
  if (auto a = authenticate_pt(pt); !a) return a.error();
  return sync_now();
}

// ---- S121–S125: printing ----------------------------------------------------------------------------------

Result<Principal> PrinterCore::authenticate(std::string_view token, const Terminal& terminal) {
  if (auto r = require_started(); !r) return r.error();
  // A PT is tried first (no attempt counting: 128+ bits); anything else is a PWT guess and is counted.
  if (find_pt(token)) {
    auto idx = authenticate_pt(token);
    if (!idx) return idx.error();
    return Principal{CredentialKind::pt, ptb_.pt_bindings[*idx].terminal_id};
  }
  if (auto a = check_pwt(token); !a) return a.error();
  return Principal{CredentialKind::pwt, terminal.id};
}

Result<JobTicket> PrinterCore::begin_job(std::string_view token, const Terminal& terminal,
                                         std::optional<std::uint32_t> expected_pages) {
  auto who = authenticate(token, terminal);
  if (!who) return who.error();
  if (!ptb_.printing_enabled)
    return make_error(CoreError::printing_disabled, "printing disabled by the server");
  if (!ledger::can_print(ptb_.printable_pages)) {
    return make_error(CoreError::out_of_pages, "0 printable pages left (charge to print)");
  }
  if (expected_pages && config_.refuse_jobs_that_would_cross_zero &&
      ledger::would_cross_zero(ptb_.printable_pages, *expected_pages)) {
    return make_error(CoreError::out_of_pages,
                      "job of " + std::to_string(*expected_pages) + " pages exceeds the " +
                          std::to_string(ptb_.printable_pages) + " printable pages left");
  }
  JobTicket ticket;
  ticket.job_id = next_job_id_++;
  ticket.credential = who->kind;
  ticket.terminal_id = who->terminal_id;
  return ticket;
}

Result<std::uint32_t> PrinterCore::charge_page(JobTicket& ticket) {
  if (auto r = require_started(); !r) return r.error();
  if (ticket.cut) return make_error(CoreError::out_of_pages, "job was cut; no more pages");
  if (!ptb_.printing_enabled) {
    ticket.cut = true;
    return make_error(CoreError::printing_disabled, "printing disabled by the server");
  }
  auto after = ledger::after_page(ptb_.printable_pages);
  if (!after) {
    ticket.cut = true;  // S123: cut at this page boundary; the terminal learns 0 (S125)
    return make_error(CoreError::out_of_pages, "0 printable pages left; job cut after " +
                                                   std::to_string(ticket.pages_printed) + " pages");
  }
  Ptb charged = ptb_;
  charged.printable_pages = *after;
  charged.pages_printed += 1;
  charged.pages_in_flight.push_back(PageInFlight{ticket.job_id, ticket.pages_printed + 1});
  if (auto c = commit(std::move(charged)); !c) {
    ticket.cut = true;
    return c.error();
  }
  ticket.pages_printed += 1;
  return ptb_.printable_pages;
}

Result<Done> PrinterCore::refund_page(JobTicket& ticket) {
  if (auto r = require_started(); !r) return r.error();
  if (ticket.pages_printed == 0) return make_error(CoreError::invalid_argument, "no charged page to refund");
  auto after = ledger::after_credit(ptb_.printable_pages, 1);
  if (!after) return make_error(CoreError::invalid_argument, "refund would overflow the page count");
  Ptb refunded = ptb_;
  refunded.printable_pages = *after;
  refunded.pages_printed -= 1;
  drop_in_flight(refunded, ticket.job_id, ticket.pages_printed);
  if (auto c = commit(std::move(refunded)); !c) return c.error();
  ticket.pages_printed -= 1;
  (void)refresh_tag();
  return Done{};
}

Result<Done> PrinterCore::mark_page(JobTicket& ticket) {
  if (auto r = require_started(); !r) return r.error();
  Ptb marked = ptb_;
  drop_in_flight(marked, ticket.job_id, ticket.pages_printed);
  if (auto reading = hal_.ink.read_levels(); reading && !ink::validate(reading.value())) {
    marked.ink = std::move(reading.value());  // the ink model follows every page, in the same commit
  }
  if (marked == ptb_) return Done{};
  if (auto c = commit(std::move(marked)); !c) return c.error();
  (void)refresh_tag();
  return Done{};
}

Result<std::uint32_t> PrinterCore::print_page(JobTicket& ticket, const hal::Page& page) {
  // Charge (page in flight) first, then mark: a power cut between the two is settled at the next start().
  auto charged = charge_page(ticket);
  if (!charged) return charged.error();
  const hal::Status printed = hal_.engine.print_page(page);
  if (!printed.ok()) {
    ticket.cut = true;
    if (auto r = refund_page(ticket); !r) {
      return make_error(CoreError::engine_failed, "page not printed (" + hal_detail(printed) +
                                                      ") and its refund not committed: " + r.error().detail);
    }
    return make_error(CoreError::engine_failed, "page not printed (refunded): " + hal_detail(printed));
  }
  (void)mark_page(ticket);  // a failed mark commit leaves the page in flight: start() keeps it (printed)
  (void)refresh_tag();
  return ptb_.printable_pages;
}

JobSummary PrinterCore::end_job(const JobTicket& ticket) const {
  return JobSummary{ticket.job_id, ticket.pages_printed, ptb_.printable_pages, ticket.cut};
}

// ---- settings and ink -------------------------------------------------------------------------------------

Result<Done> PrinterCore::update_settings(std::string_view pt, const Terminal& /*terminal*/,
                                          const Settings& settings) {
  if (auto r = require_started(); !r) return r.error();
  if (auto a = authenticate_pt(pt); !a) return a.error();
  if (settings.ink_low_percent && *settings.ink_low_percent > 100) {
    return make_error(CoreError::invalid_argument, "ink_low_percent must be 0-100 (got " +
                                                       std::to_string(*settings.ink_low_percent) + ")");
  }
  Ptb next = ptb_;
  if (settings.page_threshold) next.page_threshold = *settings.page_threshold;
  if (settings.ink_low_percent) next.ink_low_percent = *settings.ink_low_percent;
  if (next == ptb_) return Done{};
  if (auto c = commit(std::move(next)); !c) return c.error();
  (void)refresh_tag();
  return Done{};
}

Result<Done> PrinterCore::refresh_ink() {
  if (auto r = require_started(); !r) return r.error();
  auto reading = hal_.ink.read_levels();
  if (!reading) return make_error(CoreError::sensor_failed, "ink sensor: " + hal_detail(reading.status()));
  if (auto bad = ink::validate(reading.value())) {
    return make_error(CoreError::invalid_argument, "ink sensor reading refused: " + *bad);
  }
  if (reading.value() == ptb_.ink) return Done{};
  Ptb next = ptb_;
  next.ink = std::move(reading.value());
  if (auto c = commit(std::move(next)); !c) return c.error();
  (void)refresh_tag();
  return Done{};
}

// ---- timers -----------------------------------------------------------------------------------------------

TickReport PrinterCore::tick() {
  TickReport report;
  if (!started_) return report;
  const MonotonicTime now = hal_.clock.monotonic_now();
  report.pwt_rotated = pwt_.rotate_if_due();
  report.pts_expired = expire_idle_pts(report.errors);
  if (pending_network_) {
    auto h = complete_router_handover();
    report.handover_completed = h.ok();
    if (!h) report.errors.push_back(h.error());
  }
  if (ptb_.server_token) {
    if (now >= next_svwt_fetch_) {
      auto f = fetch_svwt();
      report.svwt_fetched = f.ok();
      if (!f) report.errors.push_back(f.error());
    }
    if (now >= next_sync_) {
      auto s = sync_now();
      report.synced = s.ok();
      if (!s) report.errors.push_back(s.error());
    }
  }
  if (report.pwt_rotated || report.pts_expired > 0) (void)refresh_tag();
  return report;
}

MonotonicTime PrinterCore::next_deadline() const {
  const MonotonicTime now = hal_.clock.monotonic_now();
  if (pending_network_) return now;
  MonotonicTime d = pwt_.next_rotation();
  const SystemTime sys_now = hal_.clock.system_now();
  for (const auto& b : ptb_.pt_bindings) {
    auto it = pt_last_used_.find(b.pt_hash);
    const token::State state{
        b.issued_at, it == pt_last_used_.end() ? std::nullopt : std::optional<SystemTime>{it->second}, 0};
    if (auto expiry = token::deadline(pt_policy_, state)) {
      d = std::min(d, now + std::chrono::duration_cast<std::chrono::nanoseconds>(*expiry - sys_now));
    }
  }
  if (ptb_.server_token) d = std::min({d, next_svwt_fetch_, next_sync_});
  return d;
}

Snapshot PrinterCore::snapshot() const {
  Snapshot s;
  s.tag_state = handover::judge_state(tap_inputs());
  s.device_id = ptb_.device_id;
  s.printable_pages = ptb_.printable_pages;
  s.page_threshold = ptb_.page_threshold;
  s.pages_printed = ptb_.pages_printed;
  s.ink = ptb_.ink;
  s.ink_low_colours = ink::low_colours(ptb_.ink, ptb_.ink_low_percent);
  s.printing_enabled = ptb_.printing_enabled;
  s.registered = ptb_.server_token.has_value();
  s.network_configured = ptb_.network.has_value();
  s.station_joined = station_joined_;
  s.group_up = group_up_;
  s.handover_pending = pending_network_.has_value();
  s.live_pts = ptb_.pt_bindings.size();
  s.svwt_available = svwt_valid();
  s.tag_error = tag_error_;
  return s;
}

}  // namespace tapbench::firmware
