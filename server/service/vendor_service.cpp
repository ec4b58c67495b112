#include "server/service/vendor_service.hpp"

#include <algorithm>
#include <cctype>

#include "protocol/token/generate.hpp"

namespace tapbench::server {

namespace {
constexpr std::int64_t kMaxPages = 1'000'000'000;
constexpr std::size_t kMaxColors = 16;

void check_ink(const InkLevels& ink) {
  if (ink.size() > kMaxColors) throw ApiError(400, "invalid_request", "at most 16 ink colours");
  for (const auto& [color, level] : ink) {
    if (!valid_color(color))
      throw ApiError(400, "invalid_request", "ink colour names are 1..32 of [a-z0-9_]");
    if (level < 0 || level > 100) throw ApiError(400, "invalid_request", "ink levels are percentages 0..100");
  }
}
}  // namespace

bool valid_device_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' || c == '-';
  });
}

bool valid_color(std::string_view c) {
  if (c.empty() || c.size() > 32) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

VendorService::VendorService(Store& store, const Clock& clock, ServiceConfig config, PaymentGateway& payments,
                             Metrics* metrics)
    : store_(store), clock_(clock), config_(std::move(config)), payments_(payments), metrics_(metrics) {
  for (const token::Policy* p : {&config_.st, &config_.svwt, &config_.svt, &config_.cwt}) {
    if (const std::string why = token::validate(*p); !why.empty()) {
      throw std::invalid_argument("token policy " + std::string{token::name(p->kind)} + ": " + why);
    }
  }
}

void VendorService::count(token::Kind kind, TokenEvent event) {
  if (metrics_) metrics_->token(kind, event);
}

token::Hash VendorService::presented(token::Kind kind, const token::Policy& policy, std::string_view text) {
  if (text.empty()) {
    count(kind, TokenEvent::Refused);
    throw ApiError(401, "token_missing", std::string{token::name(kind)} + " is required");
  }
  const auto canon = token::canonical(policy, text);
  if (!canon) {
    count(kind, TokenEvent::Refused);
    throw ApiError(401, "token_malformed", "not a well-formed " + std::string{token::name(kind)});
  }
  return token::hash_token(*canon);
}

void VendorService::refuse(token::Kind kind, TokenOutcome outcome) {
  const std::string k{token::name(kind)};
  switch (outcome) {
    case TokenOutcome::Expired:
      count(kind, TokenEvent::Expired);
      throw ApiError(401, "token_expired", k + " has expired");
    case TokenOutcome::IdleExpired:
      count(kind, TokenEvent::Expired);
      throw ApiError(401, "token_idle_expired", k + " expired after being idle");
    case TokenOutcome::AlreadyUsed:
      count(kind, TokenEvent::Refused);
      throw ApiError(409, "token_already_used", k + " was already used (single use)");
    case TokenOutcome::WrongKind:
      count(kind, TokenEvent::Refused);
      throw ApiError(401, "token_wrong_kind", "the token presented is not a " + k);
    case TokenOutcome::Unknown:
    case TokenOutcome::Ok:
      break;
  }
  count(kind, TokenEvent::Refused);
  throw ApiError(401, "token_unknown", k + " is not valid");
}

void VendorService::too_many(token::Kind kind) {
  count(kind, TokenEvent::Refused);
  const std::string k{token::name(kind)};
  throw ApiError(
      429, "too_many_live_tokens",
      "this device already holds the maximum number of live " + k + "s; redeem one or let it expire");
}

VendorService::Authed VendorService::authenticate(token::Kind kind, const token::Policy& policy,
                                                  std::string_view text) {
  const token::Hash h = presented(kind, policy, text);
  const Authenticated a = store_.authenticate(kind, h, policy, clock_.system_now());
  if (a.outcome != TokenOutcome::Ok) refuse(kind, a.outcome);
  return Authed{a.device_id, kind, h, &policy};
}

void VendorService::used(const Authed& a) {
  store_.touch(a.kind, a.hash, *a.policy, clock_.system_now());
}

IssuedToken VendorService::mint(token::Kind kind, const token::Policy& policy, const std::string& device_id,
                                TokenRow& row) {
  IssuedToken out;
  out.token = token::generate(policy);
  out.device_id = device_id;
  row.hash = token::hash_token(out.token);
  row.kind = kind;
  row.device_id = device_id;
  row.issued_at = clock_.system_now();
  token::State state;
  state.issued_at = row.issued_at;
  row.expires_at = token::deadline(policy, state);
  out.expires_at = row.expires_at;
  return out;
}

IssuedToken VendorService::register_printer(const std::string& device_id, std::int64_t pages,
                                            const InkLevels& ink) {
  if (!valid_device_id(device_id)) {
    throw ApiError(400, "invalid_request", "device_id must be 1..64 characters of [A-Za-z0-9._:-]");
  }
  if (pages < 0 || pages > kMaxPages) throw ApiError(400, "invalid_request", "pages must be 0..1000000000");
  check_ink(ink);
  Device d;
  d.device_id = device_id;
  d.pages = pages;
  d.ink = ink;
  d.registered_at = clock_.system_now();
  TokenRow row;
  IssuedToken st = mint(token::Kind::ST, config_.st, device_id, row);
  try {
    store_.register_device(d, row);
  } catch (const StoreConflict&) {
    throw ApiError(409, "device_already_registered", "device " + device_id + " is already registered");
  }
  count(token::Kind::ST, TokenEvent::Issued);
  return st;
}

IssuedToken VendorService::issue_svwt(std::string_view st) {
  const Authed who = authenticate(token::Kind::ST, config_.st, st);
  const std::string& device_id = who.device_id;
  TokenRow row;
  IssuedToken svwt = mint(token::Kind::SVWT, config_.svwt, device_id, row);
  if (!store_.insert_token(row, config_.svwt_max_live, row.issued_at)) too_many(token::Kind::SVWT);
  used(who);
  count(token::Kind::SVWT, TokenEvent::Issued);
  return svwt;
}

IssuedToken VendorService::issue_svt(std::string_view svwt, const std::string& terminal_id) {
  if (terminal_id.size() > 128)
    throw ApiError(400, "invalid_request", "terminal_id is at most 128 characters");
  const token::Hash h = presented(token::Kind::SVWT, config_.svwt, svwt);
  TokenRow row;
  IssuedToken svt = mint(token::Kind::SVT, config_.svt, "", row);
  row.terminal_id = terminal_id;
  const Redeemed r = store_.exchange_svwt_for_svt(h, config_.svwt, row, row.issued_at);
  svt_exchanged(r, svt);
  return svt;
}

void VendorService::issue_svt_async(std::string_view svwt, const std::string& terminal_id, SvtDone done) {
  if (terminal_id.size() > 128)
    throw ApiError(400, "invalid_request", "terminal_id is at most 128 characters");
  const token::Hash h = presented(token::Kind::SVWT, config_.svwt, svwt);
  TokenRow row;
  IssuedToken svt = mint(token::Kind::SVT, config_.svt, "", row);
  row.terminal_id = terminal_id;
  const SystemTime now = row.issued_at;
  store_.exchange_svwt_for_svt_async(
      h, config_.svwt, std::move(row), now,
      [this, svt = std::move(svt), done = std::move(done)](Redeemed r, std::exception_ptr error) mutable {
        if (!error) {
          try {
            svt_exchanged(r, svt);
          } catch (...) {
            error = std::current_exception();
          }
        }
        if (error) svt = IssuedToken{};
        done(std::move(svt), error);
      });
}

void VendorService::svt_exchanged(const Redeemed& r, IssuedToken& svt) {
  if (r.race_lost && metrics_) metrics_->race_lost(token::Kind::SVWT);
  if (r.outcome != TokenOutcome::Ok) refuse(token::Kind::SVWT, r.outcome);
  count(token::Kind::SVWT, TokenEvent::Redeemed);
  count(token::Kind::SVT, TokenEvent::Issued);
  svt.device_id = r.row.device_id;
}

IssuedCwt VendorService::confirm_free_charge(std::string_view svt) {
  const Authed who = authenticate(token::Kind::SVT, config_.svt, svt);
  const std::string& device_id = who.device_id;
  const auto device = store_.device(device_id);
  if (!device) throw ApiError(404, "device_not_found", "device " + device_id + " is not registered");
  TokenRow row;
  IssuedToken t = mint(token::Kind::CWT, config_.cwt, device_id, row);
  // Advisory here; the grant itself is decided atomically at redemption (two confirmations, one grant).
  row.pages = device->free_charge_used ? 0 : config_.free_pages;
  row.purpose = "free";
  if (!store_.insert_token(row, config_.cwt_max_live, row.issued_at)) too_many(token::Kind::CWT);
  used(who);
  count(token::Kind::CWT, TokenEvent::Issued);
  IssuedCwt out;
  out.cwt = std::move(t.token);
  out.device_id = device_id;
  out.pages = row.pages;
  out.purpose = row.purpose;
  out.expires_at = *row.expires_at;
  return out;
}

IssuedCwt VendorService::paid_charge(std::string_view svt, std::int64_t pages, const std::string& card_number,
                                     const std::string& request_id) {
  const Authed who = authenticate(token::Kind::SVT, config_.svt, svt);
  const std::string& device_id = who.device_id;
  if (pages <= 0 || pages > config_.max_pages_per_charge) {
    throw ApiError(400, "invalid_request",
                   "pages must be 1.." + std::to_string(config_.max_pages_per_charge) + " for a paid charge");
  }
  if (!request_id.empty() && !valid_device_id(request_id)) {
    throw ApiError(400, "invalid_request", "request_id must be 1..64 characters of [A-Za-z0-9._:-]");
  }
  const auto issue = [&](TokenRow& row) {
    IssuedToken t = mint(token::Kind::CWT, config_.cwt, device_id, row);
    row.pages = pages;
    row.purpose = "paid";
    IssuedCwt out;
    out.cwt = std::move(t.token);
    out.device_id = device_id;
    out.pages = pages;
    out.purpose = "paid";
    out.expires_at = *row.expires_at;
    return out;
  };
  if (!request_id.empty()) {
    if (const auto paid = store_.find_payment(device_id, request_id)) {
      if (paid->pages != pages) {
        throw ApiError(409, "request_id_conflict", "request_id was used for a different paid charge");
      }
      TokenRow row;
      IssuedCwt out = issue(row);
      if (!store_.reissue_payment_cwt(paid->id, row)) {
        throw ApiError(409, "payment_already_charged", "this payment's pages were already charged");
      }
      used(who);
      count(token::Kind::CWT, TokenEvent::Issued);
      out.payment_id = paid->id;
      out.amount_cents = paid->amount_cents;
      out.payment_reference = paid->reference;
      out.replayed = true;
      return out;
    }
  }
  PaymentRequest req{device_id, pages * config_.price_cents_per_page, card_number, request_id};
  const PaymentDecision d = payments_.authorize(req);
  if (d.status == PaymentStatus::InvalidCard) {
    throw ApiError(400, "invalid_card_number", "the card number is not valid (digits, Luhn check)");
  }
  if (d.status == PaymentStatus::Declined) {
    throw ApiError(402, "payment_declined", "the payment was declined: " + d.reason);
  }
  TokenRow row;
  IssuedCwt out = issue(row);
  try {
    out.payment_id = store_.record_payment_and_cwt(device_id, req.amount_cents, d.reference, request_id, row);
  } catch (const StoreConflict&) {
    throw ApiError(409, "request_in_progress",
                   "a paid charge with this request_id is being processed; retry");
  }
  used(who);
  count(token::Kind::CWT, TokenEvent::Issued);
  out.amount_cents = req.amount_cents;
  out.payment_reference = d.reference;
  return out;
}

ChargeResult VendorService::charge(std::string_view cwt) {
  const token::Hash h = presented(token::Kind::CWT, config_.cwt, cwt);
  const ChargeApplied c = store_.redeem_cwt(h, config_.cwt, clock_.system_now());
  if (c.redeemed.race_lost && metrics_) metrics_->race_lost(token::Kind::CWT);
  if (c.redeemed.outcome != TokenOutcome::Ok) refuse(token::Kind::CWT, c.redeemed.outcome);
  count(token::Kind::CWT, TokenEvent::Redeemed);
  return ChargeResult{c.redeemed.row.device_id, c.pages_granted, c.credit_id, c.redeemed.row.purpose};
}

SyncResult VendorService::sync(std::string_view st, const SyncReport& report) {
  if (report.pages < 0 || report.pages > kMaxPages) {
    throw ApiError(400, "invalid_request", "pages must be 0..1000000000");
  }
  if (report.applied_credit_id < 0) throw ApiError(400, "invalid_request", "applied_credit_id must be >= 0");
  check_ink(report.ink);
  const Authed who = authenticate(token::Kind::ST, config_.st, st);
  try {
    SyncResult out = store_.sync(who.device_id, report, config_.ink_low_percent, clock_.system_now());
    used(who);
    return out;
  } catch (const StoreInvalid& e) {
    throw ApiError(400, "invalid_credit_id", e.what());
  } catch (const StoreNotFound& e) {
    throw ApiError(404, "device_not_found", e.what());
  }
}

std::int64_t VendorService::exchange_request(std::string_view svt, std::vector<std::string> colors) {
  if (colors.size() > kMaxColors) throw ApiError(400, "invalid_request", "at most 16 colours");
  for (const auto& c : colors) {
    if (!valid_color(c)) throw ApiError(400, "invalid_request", "colour names are 1..32 of [a-z0-9_]");
  }
  const Authed who = authenticate(token::Kind::SVT, config_.svt, svt);
  const std::string& device_id = who.device_id;
  if (colors.empty()) {
    for (const Notice& n : store_.open_notices(device_id))
      colors.push_back(n.color);
  }
  if (colors.empty()) {
    throw ApiError(400, "nothing_to_exchange", "no colour given and no open replacement notice");
  }
  std::sort(colors.begin(), colors.end());
  colors.erase(std::unique(colors.begin(), colors.end()), colors.end());
  const std::int64_t id = store_.record_exchange_request(device_id, colors, clock_.system_now());
  used(who);
  return id;
}

void VendorService::set_active(std::string_view svt, bool active) {
  const Authed who = authenticate(token::Kind::SVT, config_.svt, svt);
  try {
    store_.set_active(who.device_id, active);
  } catch (const StoreNotFound& e) {
    throw ApiError(404, "device_not_found", e.what());
  }
  used(who);
}

DeviceView VendorService::device_for_svt(std::string_view svt) {
  const Authed who = authenticate(token::Kind::SVT, config_.svt, svt);
  auto d = store_.device(who.device_id);
  if (!d) throw ApiError(404, "device_not_found", "device " + who.device_id + " is not registered");
  DeviceView view{*d, store_.open_notices(who.device_id)};
  used(who);
  return view;
}

std::int64_t VendorService::purge() {
  const Store::Purged p = store_.purge(clock_.system_now(), config_.keep_spent);
  for (const auto& [kind, n] : p.expired) {
    for (std::int64_t i = 0; i < n; ++i)
      count(kind, TokenEvent::Expired);
  }
  return p.total();
}

}  // namespace tapbench::server
