// What stores keep instead of a token: SHA-256 of its canonical form (OpenSSL EVP). Comparison is constant
// time (CRYPTO_memcmp); the only loggable form of a token is redacted(): kind + first 4 hex chars of its
// hash.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/token/kind.hpp"

namespace tapbench::token {

struct Hash {
  std::array<std::uint8_t, 32> bytes{};

  // 64 lower-case hex characters (what a database column holds).
  std::string hex() const;
  static std::optional<Hash> from_hex(std::string_view hex);
  // Constant time: operator== is deliberately the same as constant_time_equal().
  friend bool operator==(const Hash& a, const Hash& b);
};

// SHA-256 of the token text. Throws std::runtime_error only if OpenSSL's digest fails.
Hash hash_token(std::string_view token);

// CRYPTO_memcmp over equal-length inputs; different lengths compare unequal (the length is not secret).
bool constant_time_equal(std::string_view a, std::string_view b);
bool constant_time_equal(const Hash& a, const Hash& b);

// "SVT#3fa9": safe for logs and reports. Never pass the token itself to a logger.
std::string redacted(Kind kind, const Hash& hash);
std::string redacted(Kind kind, std::string_view token);

}  // namespace tapbench::token
