#include "server/service/payment.hpp"

#include <cctype>

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
  d.reference = "sbx-" + std::to_string(next_.fetch_add(1));
  return d;
}

}  // namespace tapbench::server
