// Payment gateway interface for paid charges, and the sandbox implementation vendord ships with: it approves
// or declines by fixed rules, never talks to a real payment provider.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace tapbench::server {

struct PaymentRequest {
  std::string device_id;
  std::int64_t amount_cents = 0;
  std::string card_number;      // digits only; never logged
  std::string idempotency_key;  // the client's request_id: a real gateway charges a key at most once
};

enum class PaymentStatus { Approved, Declined, InvalidCard };

struct PaymentDecision {
  PaymentStatus status = PaymentStatus::Declined;
  std::string reference;  // gateway's reference when approved
  std::string reason;     // "card_declined", "amount_over_limit", "invalid_card_number"
};

class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;
  virtual PaymentDecision authorize(const PaymentRequest& request) = 0;
};

// Rules (documented in docs/API.md):
//   card not 12..19 digits or failing the Luhn check → InvalidCard "invalid_card_number"
//   card 4000000000000002 (any card ending in 0002)   → Declined "card_declined"
//   amount above limit_cents                          → Declined "amount_over_limit"
//   otherwise (e.g. 4242424242424242)                 → Approved, reference "sbx-<16 hex digits>" (random, so
//                                                        references stay unique across vendord restarts)
class SandboxGateway final : public PaymentGateway {
 public:
  explicit SandboxGateway(std::int64_t limit_cents) : limit_cents_(limit_cents) {}
  PaymentDecision authorize(const PaymentRequest& request) override;

 private:
  std::int64_t limit_cents_;
};

bool luhn_valid(const std::string& digits);

}  // namespace tapbench::server
