#include "firmware-under-test/port/linux/core_print_authority.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace tapbench::firmware::port {

bool LinkClassifier::add_wfd_prefix(const std::string& cidr, std::string& error) {
  const auto slash = cidr.find('/');
  const std::string address = cidr.substr(0, slash);
  unsigned bits = 32;
  if (slash != std::string::npos) {
    const std::string b = cidr.substr(slash + 1);
    const auto [ptr, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (b.empty() || ec != std::errc{} || ptr != b.data() + b.size() || bits > 32) {
      error = "WFD prefix '" + cidr + "': prefix length must be 0–32";
      return false;
    }
  }
  in_addr a{};
  if (inet_pton(AF_INET, address.c_str(), &a) != 1) {
    error = "WFD prefix '" + cidr + "': not an IPv4 address";
    return false;
  }
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  wfd_.push_back({ntohl(a.s_addr) & mask, mask});
  return true;
}

Link LinkClassifier::classify(const std::string& address) const {
  in_addr a{};
  if (inet_pton(AF_INET, address.c_str(), &a) == 1) {
    const std::uint32_t host = ntohl(a.s_addr);
    for (const auto& p : wfd_) {
      if ((host & p.mask) == p.network) return Link::wfd;
    }
    if ((host >> 24) == 127) return Link::local;
    return Link::lan;
  }
  return address == "::1" ? Link::local : Link::lan;
}

CorePrintAuthority::CorePrintAuthority(PrinterCore& core, std::mutex& core_mutex, LinkClassifier links,
                                       PageMarked page_marked, bool drive_tick)
    : mutex_(core_mutex),
      core_(core),
      links_(std::move(links)),
      page_marked_(std::move(page_marked)),
      drive_tick_(drive_tick) {
  std::lock_guard lock(mutex_);
  if (core_.ptb().network) handover_ssid_ = core_.ptb().network->ssid;
  publish_locked();
}

void CorePrintAuthority::publish_locked() const {
  StatusView v;
  v.pages = core_.ptb().printable_pages;
  for (const auto& l : core_.ptb().ink)
    v.ink.levels.push_back({l.colour, l.percent});
  v.ink.low_percent = core_.ptb().ink_low_percent;
  const Snapshot s = core_.snapshot();
  // Not joined once S29 ran: the router refused the credentials (the core went back to its committed
  // configuration) or is out of reach.
  v.link = s.handover_pending ? RouterLink::joining
                              : (s.station_joined ? RouterLink::joined : RouterLink::cannot_join);
  v.router_ssid = handover_ssid_;
  std::lock_guard l(view_mutex_);
  view_ = std::move(v);
}

CorePrintAuthority::StatusView CorePrintAuthority::view() const {
  if (std::unique_lock core(mutex_, std::try_to_lock); core.owns_lock()) publish_locked();
  std::lock_guard l(view_mutex_);
  return view_;
}

std::string CorePrintAuthority::principal_name(const Principal& p) {
  return std::string(p.kind == CredentialKind::pt ? "pt:" : "pwt:") + p.terminal_id;
}

Terminal CorePrintAuthority::terminal_for(const Peer& peer) const {
  // The terminal names itself with the Basic user name (its app ID); else it is known by its address.
  return Terminal{peer.user.empty() ? peer.address : peer.user, links_.classify(peer.address)};
}

namespace {

// Runs `f` when the scope ends: declared after a call's lock_guard, it publishes the status view while the
// core mutex is still held, whichever way the call returns.
template <class F>
struct AtExit {
  F f;
  ~AtExit() { f(); }
};
template <class F>
AtExit(F) -> AtExit<F>;  // clang 14 has no aggregate deduction (C++20 P1816)

AuthDecision refused(const Error& e, std::string principal = {}) {
  using Outcome = AuthDecision::Outcome;
  switch (e.code) {
    case CoreError::unauthenticated:
    case CoreError::pwt_locked:
      return {Outcome::unauthenticated, std::move(principal), e.detail};
    default:
      return {Outcome::forbidden, std::move(principal), e.detail};
  }
}

}  // namespace

AuthDecision CorePrintAuthority::authorize(std::string_view token, const Peer& peer, AuthPurpose purpose,
                                           const RouterCredentials* handover) {
  using Outcome = AuthDecision::Outcome;
  if (token.empty()) return {Outcome::unauthenticated, {}, "no token presented"};
  const Terminal terminal = terminal_for(peer);
  std::lock_guard lock(mutex_);
  AtExit publish{[this] { publish_locked(); }};
  switch (purpose) {
    case AuthPurpose::print: {
      // S121–S123: refused at zero pages or when deactivated; the ticket is made again per job id when the
      // first page is charged (the job does not exist yet at this point).
      auto ticket = core_.begin_job(token, terminal);
      if (!ticket) return refused(ticket.error());
      return {Outcome::allowed, principal_name({ticket->credential, ticket->terminal_id}), {}};
    }
    case AuthPurpose::job_control: {
      auto who = core_.authenticate(token, terminal);
      if (!who) return refused(who.error());
      return {Outcome::allowed, principal_name(*who), {}};
    }
    case AuthPurpose::admin: {
      auto who = core_.authenticate(token, terminal);
      if (!who) return refused(who.error());
      if (who->kind != CredentialKind::pwt) {
        return {Outcome::forbidden, principal_name(*who), "only the PWT may change printer settings"};
      }
      return {Outcome::allowed, principal_name(*who), {}};
    }
    case AuthPurpose::router_handover: {
      if (handover == nullptr) return {Outcome::forbidden, {}, "no router credentials in the request"};
      // A PT is a valid token that may not do this (403, and no PWT guess counted against the cap); a
      // wrong token is one counted PWT failure (401).
      auto who = core_.authenticate(token, terminal);
      if (!who) return refused(who.error());
      if (who->kind != CredentialKind::pwt) {
        return {Outcome::forbidden, principal_name(*who), "only the PWT may hand over router credentials"};
      }
      auto accepted = core_.accept_router_credentials(token, terminal,
                                                      NetworkConfig{handover->ssid, handover->passphrase});
      if (!accepted) return refused(accepted.error(), "pwt:" + terminal.id);
      handover_ssid_ = handover->ssid;
      return {Outcome::allowed, "pwt:" + terminal.id, {}};
    }
  }
  return {Outcome::forbidden, {}, "unknown purpose"};
}

JobTicket& CorePrintAuthority::ticket(int job_id, std::string_view principal) {
  auto [it, inserted] = tickets_.try_emplace(job_id);
  if (inserted) {
    JobTicket& t = it->second;
    t.job_id = static_cast<std::uint32_t>(job_id);
    const bool pt = principal.substr(0, 3) == "pt:";
    t.credential = pt ? CredentialKind::pt : CredentialKind::pwt;
    const auto colon = principal.find(':');
    t.terminal_id =
        colon == std::string_view::npos ? std::string(principal) : std::string(principal.substr(colon + 1));
  }
  return it->second;
}

PageCharge CorePrintAuthority::charge_page(int job_id, std::string_view principal) {
  std::lock_guard lock(mutex_);
  AtExit publish{[this] { publish_locked(); }};
  JobTicket& t = ticket(job_id, principal);
  auto left = core_.charge_page(t);
  if (!left) return {false, core_.ptb().printable_pages, left.error().detail};
  return {true, *left, {}};
}

void CorePrintAuthority::refund_page(int job_id, std::string_view principal) {
  std::lock_guard lock(mutex_);
  AtExit publish{[this] { publish_locked(); }};
  (void)core_.refund_page(ticket(job_id, principal));
}

void CorePrintAuthority::page_marked(int job_id, std::string_view principal, bool colour) {
  std::lock_guard lock(mutex_);
  AtExit publish{[this] { publish_locked(); }};
  if (page_marked_) page_marked_(colour);
  // A failed commit leaves the page in flight: the next start() finds its file and keeps it charged.
  (void)core_.mark_page(ticket(job_id, principal));
}

void CorePrintAuthority::end_job(int job_id) {
  std::lock_guard lock(mutex_);
  tickets_.erase(job_id);
}

std::uint32_t CorePrintAuthority::remaining_pages() const {
  return view().pages;
}

InkStatus CorePrintAuthority::ink() const {
  return view().ink;
}

std::string CorePrintAuthority::router_ssid() const {
  return view().router_ssid;
}

PrintAuthority::RouterLink CorePrintAuthority::router_link() const {
  return view().link;  // S29 not done yet: joining
}

void CorePrintAuthority::tick() {
  if (!drive_tick_) return;
  std::lock_guard lock(mutex_);
  (void)core_.tick();
  publish_locked();
}

}  // namespace tapbench::firmware::port
