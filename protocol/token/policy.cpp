#include "protocol/token/policy.hpp"

#include <cmath>
#include <set>

namespace tapbench::token {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

Policy default_policy(Kind kind) {
  Policy p;
  p.kind = kind;
  if (kind == Kind::PWT) {
    p.encoding = Encoding::Typeable;
    p.length = 8;
    p.alphabet = std::string{kTypeableAlphabet};
    p.max_attempts = 5;
    p.rotation_period = seconds{hours{1}};
    p.ttl = seconds{hours{1}};
    return p;
  }
  p.encoding = Encoding::Base64Url;
  p.random_bytes = 32;
  switch (kind) {
    case Kind::PT:
      p.idle_ttl = seconds{hours{24 * 30}};
      break;
    case Kind::ST:
      break;
    case Kind::SVWT:
      p.ttl = seconds{minutes{10}};
      p.single_use = true;
      p.max_attempts = 0;
      break;
    case Kind::SVT:
      p.idle_ttl = seconds{hours{1}};
      break;
    case Kind::CWT:
      p.ttl = seconds{minutes{10}};
      p.single_use = true;
      break;
    case Kind::PWT:
      break;
  }
  return p;
}

double entropy_bits(const Policy& policy) {
  if (policy.encoding == Encoding::Typeable) {
    return static_cast<double>(policy.length) * std::log2(static_cast<double>(policy.alphabet.size()));
  }
  return 8.0 * static_cast<double>(policy.random_bytes);
}

std::string validate(const Policy& policy) {
  if (policy.encoding == Encoding::Typeable) {
    if (policy.length == 0 || policy.length > 64) return "length must be 1..64 characters";
    if (policy.alphabet.size() < 2 || policy.alphabet.size() > 256)
      return "alphabet must have 2..256 characters";
    if (std::set<char>(policy.alphabet.begin(), policy.alphabet.end()).size() != policy.alphabet.size()) {
      return "alphabet characters must be distinct";
    }
    // A short code is only safe with a bounded number of guesses (notes/tokens.md, RFC 8628 §5.1).
    if (entropy_bits(policy) < 128.0 && policy.max_attempts == 0) {
      return "a token below 128 bits of entropy needs an attempt cap (max_attempts > 0)";
    }
  } else {
    if (policy.random_bytes < 16) return "random_bytes must be >= 16 (128 bits, RFC 6749 section 10.10)";
    if (policy.random_bytes > 1024) return "random_bytes must be <= 1024";
  }
  const auto positive = [](const std::optional<seconds>& d) { return !d || d->count() > 0; };
  if (!positive(policy.ttl)) return "ttl must be > 0 seconds";
  if (!positive(policy.idle_ttl)) return "idle_ttl must be > 0 seconds";
  if (!positive(policy.rotation_period)) return "rotation_period must be > 0 seconds";
  return {};
}

}  // namespace tapbench::token
