#include "firmware-under-test/core/tokens.hpp"

#include <exception>

#include "protocol/token/generate.hpp"
#include "protocol/token/hash.hpp"

namespace tapbench::firmware::tokens {

token::Policy pwt_policy(const CoreConfig& config) {
  token::Policy p = token::default_policy(token::Kind::PWT);
  p.rotation_period = config.pwt_period;
  p.max_attempts = config.pwt_max_failures;
  return p;
}

token::Policy pt_policy(const CoreConfig& config) {
  token::Policy p = token::default_policy(token::Kind::PT);
  p.idle_ttl = config.pt_idle_timeout;
  return p;
}

std::optional<std::string> generate(const token::Policy& policy) {
  try {
    return token::generate(policy);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::string> new_wfd_passphrase() {
  token::Policy p;
  p.kind = token::Kind::PWT;  // shape only: a typeable string over base62
  p.encoding = token::Encoding::Typeable;
  p.length = 22;  // 22 × log2(62) ≈ 131 bits: no attempt cap needed
  p.alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return tokens::generate(p);
}

std::optional<std::string> canonical(const token::Policy& policy, std::string_view presented) {
  try {
    return token::canonical(policy, presented);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string hash_hex(std::string_view token) {
  try {
    return token::hash_token(token).hex();
  } catch (const std::exception&) {
    return {};
  }
}

bool equal(std::string_view a, std::string_view b) {
  return token::constant_time_equal(a, b);
}

}  // namespace tapbench::firmware::tokens
