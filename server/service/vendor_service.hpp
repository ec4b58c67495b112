// The server 30 of the patent, as a library: every server step (S55–S59, S69–S81, S85–S97, S101–S111, paid
// charge, exchange request, activation, ink notices) over a Store, with time from an injected Clock. The HTTP
// layer (server/api) only parses and formats; tests drive this class in-process with a ManualClock.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/clock/clock.hpp"
#include "server/service/config.hpp"
#include "server/service/errors.hpp"
#include "server/service/metrics.hpp"
#include "server/service/payment.hpp"
#include "server/store/store.hpp"

namespace tapbench::server {

struct IssuedToken {
  std::string token;  // handed to the caller once, never stored or logged
  std::string device_id;
  std::optional<SystemTime> expires_at;
};

struct IssuedCwt {
  std::string cwt;
  std::string device_id;
  std::int64_t pages = 0;  // 0 for the tutorial run when the free charge was already used
  std::string purpose;     // "free" / "paid"
  SystemTime expires_at{};
  std::int64_t payment_id = 0;
  std::int64_t amount_cents = 0;
  std::string payment_reference;
  bool replayed = false;  // a retried request_id: same payment, new CWT
};

struct ChargeResult {
  std::string device_id;
  std::int64_t pages_granted = 0;
  std::int64_t credit_id = 0;
  std::string purpose;
};

struct DeviceView {
  Device device;
  std::vector<Notice> notices;
};

class VendorService {
 public:
  VendorService(Store& store, const Clock& clock, ServiceConfig config, PaymentGateway& payments,
                Metrics* metrics = nullptr);

  const ServiceConfig& config() const { return config_; }

  // S55–S59: a printer registers with its device ID, page count and ink levels; returns its ST.
  IssuedToken register_printer(const std::string& device_id, std::int64_t pages, const InkLevels& ink);
  // S69–S73 and S43: a printer presenting its ST gets an SVWT bound to it.
  IssuedToken issue_svwt(std::string_view st);
  // S77–S81: a terminal presenting an SVWT gets an SVT for the same device; the SVWT is deleted.
  IssuedToken issue_svt(std::string_view svwt, const std::string& terminal_id);
  // The same without blocking: input errors throw ApiError here, before anything is queued; the outcome
  // (the SVT, or the ApiError/StoreFailure issue_svt would have thrown) goes to `done`, called exactly once
  // on any thread once the exchange is durable (group commit).
  using SvtDone = std::function<void(IssuedToken, std::exception_ptr)>;
  void issue_svt_async(std::string_view svwt, const std::string& terminal_id, SvtDone done);
  // S85–S89: free charge confirmation → a CWT for the free page count (0 if already used: tutorial only).
  IssuedCwt confirm_free_charge(std::string_view svt);
  // Paid charge: the gateway authorizes pages × price, then a CWT for those pages. request_id (optional,
  // recommended) makes it idempotent: a retry with the same id after a lost answer pays nothing again and
  // gets a fresh CWT for the same payment (the unredeemed one is revoked), or 409 payment_already_charged.
  IssuedCwt paid_charge(std::string_view svt, std::int64_t pages, const std::string& card_number,
                        const std::string& request_id = {});
  // S93–S97: redeem a CWT (single use): its pages become credit for the device's next sync.
  ChargeResult charge(std::string_view cwt);
  // S101–S111 with the printer's ST.
  SyncResult sync(std::string_view st, const SyncReport& report);
  // Exchange request for the device of the SVT; closes matching notices. Empty colors = all open notices.
  std::int64_t exchange_request(std::string_view svt, std::vector<std::string> colors);
  void set_active(std::string_view svt, bool active);
  // The device of an SVT (pages, ink, activation, notices): what the terminal and the web pages show.
  DeviceView device_for_svt(std::string_view svt);

  // Removes dead single-use tokens (counted as expired in the metrics); vendord calls it periodically.
  std::int64_t purge();

 private:
  // After the store's exchange: metrics, refusal (throws ApiError), the SVT's device.
  void svt_exchanged(const Redeemed& r, IssuedToken& svt);
  // Canonical form + hash of a presented token, or ApiError token_malformed / token_missing.
  token::Hash presented(token::Kind kind, const token::Policy& policy, std::string_view text);
  // A presented long-lived token, checked but not yet "used": used() refreshes its idle timer once the
  // request has succeeded, so a refused request (bad input, declined payment, cap) writes nothing.
  struct Authed {
    std::string device_id;
    token::Kind kind;
    token::Hash hash;
    const token::Policy* policy;
  };
  Authed authenticate(token::Kind kind, const token::Policy& policy, std::string_view text);
  void used(const Authed& a);
  [[noreturn]] void refuse(token::Kind kind, TokenOutcome outcome);
  [[noreturn]] void too_many(token::Kind kind);
  IssuedToken mint(token::Kind kind, const token::Policy& policy, const std::string& device_id,
                   TokenRow& row);
  void count(token::Kind kind, TokenEvent event);

  Store& store_;
  const Clock& clock_;
  ServiceConfig config_;
  PaymentGateway& payments_;
  Metrics* metrics_;
};

// Input checks shared with the HTTP layer (so the web form and the JSON API refuse the same things).
bool valid_device_id(std::string_view id);  // 1..64 of [A-Za-z0-9._:-]
bool valid_color(std::string_view c);       // 1..32 of [a-z0-9_]

}  // namespace tapbench::server
