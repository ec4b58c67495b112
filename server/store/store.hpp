// The vendor server's persistent state behind one interface. Every method is one atomic transaction: it
// either happens completely or not at all (a crash at any instant loses or doubles nothing). SQLite is the
// embedded default (sqlite_store.hpp); a PostgreSQL backend implements the same methods with the same
// statements (DELETE … RETURNING, SELECT … FOR UPDATE instead of BEGIN IMMEDIATE).
//
// Tokens are stored as SHA-256 hashes only (protocol/token/hash.hpp). Time is always passed in (`now`,
// from the service's injected Clock); the store never reads a clock. Expiry rules come from the token
// policies and protocol/token/expiry.hpp, evaluated inside the transaction.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/clock/clock.hpp"
#include "protocol/token/expiry.hpp"
#include "protocol/token/hash.hpp"
#include "protocol/token/policy.hpp"

namespace tapbench::server {

using InkLevels = std::map<std::string, int>;  // colour → percent remaining (0..100)

struct Device {
  std::string device_id;
  std::int64_t pages = 0;  // the printer's count as last reported (S59 registration, S111 sync)
  InkLevels ink;
  bool active = true;              // activation on/off, visible to the printer at sync
  bool free_charge_used = false;   // the one free charge of this device has been granted (S87)
  std::int64_t pending_pages = 0;  // credit charged but not yet acknowledged by the printer at sync
  SystemTime registered_at{};
  std::optional<SystemTime> last_sync_at;
};

// A live token row. The token itself is never stored.
struct TokenRow {
  token::Hash hash;
  token::Kind kind = token::Kind::ST;
  std::string device_id;
  SystemTime issued_at{};
  std::optional<SystemTime> last_used_at;
  std::optional<SystemTime> expires_at;  // token::deadline() of its policy; purge() removes rows past it
  std::int64_t pages = 0;                // CWT: pages it grants
  std::string purpose;                   // CWT: "free" or "paid"
  std::string terminal_id;               // SVT: the terminal it was issued to (optional)
};

enum class TokenOutcome {
  Ok,
  Unknown,      // no such live token (never issued, revoked, or purged)
  AlreadyUsed,  // a single-use token that was redeemed before (replay, or a lost race)
  Expired,      // ttl passed (the row is deleted in the same transaction)
  IdleExpired,  // idle ttl passed (deleted likewise)
  WrongKind,    // the hash belongs to a token of another kind
};
const char* to_string(TokenOutcome o);

struct Authenticated {
  TokenOutcome outcome = TokenOutcome::Unknown;
  std::string device_id;
  std::string terminal_id;
};

struct Redeemed {
  TokenOutcome outcome = TokenOutcome::Unknown;
  bool race_lost = false;  // the token was live when we looked, and another redeemer won it
  TokenRow row;            // valid when outcome == Ok
};

struct ChargeApplied {
  Redeemed redeemed;
  std::int64_t pages_granted = 0;  // 0 for a free CWT whose device already had its free charge
  std::int64_t credit_id = 0;      // ledger row (0 when nothing was credited)
};

struct SyncReport {
  std::int64_t pages = 0;  // the printer's count, including every credit up to applied_credit_id
  InkLevels ink;
  std::int64_t applied_credit_id = 0;  // highest credit id the printer has durably added to its count
};

struct SyncResult {
  std::int64_t add_pages = 0;       // credit the printer must add now (S105)
  std::int64_t credit_through = 0;  // and then acknowledge with applied_credit_id = this id
  bool active = true;
  std::vector<std::string> ink_low;  // colours with an open replacement notice
};

struct Notice {
  std::int64_t id = 0;
  std::string color;
  int level = 0;
  SystemTime created_at{};
};

struct Payment {
  std::int64_t id = 0;
  std::int64_t amount_cents = 0;
  std::int64_t pages = 0;
  std::string reference;
};

// Whole-database figures, for tests and the crash checks.
struct Totals {
  std::int64_t devices = 0;
  std::int64_t credits = 0;         // ledger rows
  std::int64_t credited_pages = 0;  // sum over the ledger
  std::int64_t applied_pages = 0;   // acknowledged by printers
  std::int64_t live_tokens = 0;
  std::int64_t spent_tokens = 0;
  std::int64_t payments = 0;
};

// Errors that are the caller's fault map to stable API codes in the service.
class StoreConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class StoreNotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class StoreInvalid : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  virtual ~Store() = default;

  // S55–S59: a new device and its ST in one transaction. StoreConflict if the device exists.
  virtual void register_device(const Device& device, const TokenRow& st) = 0;
  virtual std::optional<Device> device(const std::string& device_id) = 0;
  // Revokes every live token of `kind` the device holds (the operator's `vendord revoke-st`): deleted in one
  // transaction, so the next request with one is refused as unknown. Returns how many were revoked.
  virtual std::int64_t revoke_tokens(const std::string& device_id, token::Kind kind) = 0;

  // Inserts a live token. With max_live > 0 this is capped: if the device already holds max_live live
  // (unexpired at `now`) tokens of row.kind, nothing is written and false is returned (checked and inserted
  // in one transaction, so concurrent issuers cannot overshoot the cap).
  virtual bool insert_token(const TokenRow& row, std::int64_t max_live = 0, SystemTime now = {}) = 0;

  // A long-lived token (ST, SVT, PT): checks kind and policy at `now`; a dead token is deleted (the only
  // write). It does not refresh the idle timer: the caller calls touch() once the request has succeeded, so
  // a refused request writes nothing.
  virtual Authenticated authenticate(token::Kind kind, const token::Hash& hash, const token::Policy& policy,
                                     SystemTime now) = 0;
  // A successful use of a live token: restarts its idle timer (no-op without idle_ttl or if it is gone).
  virtual void touch(token::Kind kind, const token::Hash& hash, const token::Policy& policy,
                     SystemTime now) = 0;

  // S77–S81: atomic compare-and-delete of the SVWT and insertion of the SVT bound to the same device.
  // svt.device_id is filled in from the SVWT.
  virtual Redeemed exchange_svwt_for_svt(const token::Hash& svwt, const token::Policy& svwt_policy,
                                         TokenRow svt, SystemTime now) = 0;
  // The same exchange without blocking the caller: `done` is called exactly once, on any thread (possibly
  // before this returns), with the result or the exception exchange_svwt_for_svt would have thrown. A
  // backend with group commit calls it once the exchange's batch is durable. svwt_policy must outlive the
  // call. The default runs the blocking version.
  using ExchangeDone = std::function<void(Redeemed, std::exception_ptr)>;
  virtual void exchange_svwt_for_svt_async(const token::Hash& svwt, const token::Policy& svwt_policy,
                                           TokenRow svt, SystemTime now, ExchangeDone done) {
    Redeemed r;
    std::exception_ptr error;
    try {
      r = exchange_svwt_for_svt(svwt, svwt_policy, std::move(svt), now);
    } catch (...) {
      error = std::current_exception();
    }
    done(std::move(r), error);
  }

  // S93–S97: atomic compare-and-delete of the CWT and its credit to the device ledger. A free CWT grants
  // its pages only if the device's free charge is still unused (checked and set in the same transaction).
  virtual ChargeApplied redeem_cwt(const token::Hash& cwt, const token::Policy& cwt_policy,
                                   SystemTime now) = 0;

  // S101–S111: acknowledges credits up to report.applied_credit_id, overwrites the printer's count and ink,
  // opens/closes replacement notices (one per colour and low-ink episode), returns the outstanding credit.
  // StoreInvalid if applied_credit_id names a credit this device was never given.
  virtual SyncResult sync(const std::string& device_id, const SyncReport& report, int ink_low_percent,
                          SystemTime now) = 0;

  virtual void set_active(const std::string& device_id, bool active) = 0;
  virtual std::vector<Notice> open_notices(const std::string& device_id) = 0;
  // Records the request and closes the notices of those colours; returns the request id.
  virtual std::int64_t record_exchange_request(const std::string& device_id,
                                               const std::vector<std::string>& colors, SystemTime now) = 0;
  // A paid charge: the payment record and the CWT in one transaction; returns the payment id.
  // request_id (may be empty) is the client's idempotency key: StoreConflict if this device already has a
  // payment with it.
  virtual std::int64_t record_payment_and_cwt(const std::string& device_id, std::int64_t amount_cents,
                                              const std::string& reference, const std::string& request_id,
                                              const TokenRow& cwt) = 0;
  virtual std::optional<Payment> find_payment(const std::string& device_id,
                                              const std::string& request_id) = 0;
  // A retried paid charge whose answer was lost: atomically replaces the payment's unredeemed CWT with `cwt`.
  // Returns false (and writes nothing) if the payment's CWT was already redeemed.
  virtual bool reissue_payment_cwt(std::int64_t payment_id, const TokenRow& cwt) = 0;

  // Deletes dead single-use tokens and old spent-token records.
  struct Purged {
    std::map<token::Kind, std::int64_t> expired;  // token rows past their deadline, by kind
    std::int64_t spent_records = 0;               // spent_tokens rows older than keep_spent
    std::int64_t total() const;
  };
  virtual Purged purge(SystemTime now, std::chrono::seconds keep_spent) = 0;
  virtual Totals totals() = 0;
};

}  // namespace tapbench::server
