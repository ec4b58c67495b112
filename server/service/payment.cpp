#include "server/service/payment.hpp"

#include <cctype>
#include <cstdio>
#include <random>

namespace tapbench::server {

bool luhn_valid(const std::string& digits) {
  if (digits.size() < 12 || digits.size() > 19) return false;
  int sum = 0;
  bool dbl = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!std::isdigit(static_cast<unsigned char>(*it))) return false;
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

PaymentDecision SandboxGateway::authorize(const PaymentRequest& request) {
  PaymentDecision d;
  if (!luhn_valid(request.card_number)) {
    d.status = PaymentStatus::InvalidCard;
    d.reason = "invalid_card_number";
    return d;
  }
  if (request.card_number.size() >= 4 &&
      request.card_number.substr(request.card_number.size() - 4) == "0002") {
    d.reason = "card_declined";
    return d;
  }
  if (request.amount_cents > limit_cents_) {
    d.reason = "amount_over_limit";
    return d;
  }
  d.status = PaymentStatus::Approved;
  // Random rather than a counter: an in-memory counter would hand out sbx-1 again after a restart.
  std::random_device rd;  // getrandom(2) on Linux; a reference is an identifier, not a secret
  const std::uint64_t r = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r));
  d.reference = std::string{"sbx-"} + hex;
  return d;
}

}  // namespace tapbench::server
