// Token generation from OpenSSL's CSPRNG (RAND_bytes), and the canonical form of presented tokens.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "protocol/token/policy.hpp"

namespace tapbench::token {

// Fills the span with random bytes; returns false on failure. The default is OpenSSL's RAND_bytes; tests
// inject a scripted source to check the rejection sampling byte by byte.
using RandomSource = std::function<bool(std::span<std::uint8_t>)>;

// OpenSSL's CSPRNG (RAND_bytes).
bool openssl_random(std::span<std::uint8_t> out);

// Thrown when the random source fails (or, for a scripted source, keeps producing only rejected bytes).
class RandomFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A fresh token of the policy's shape. Typeable tokens use rejection sampling: a byte b is used only when
// b < 256 - (256 mod |alphabet|), so every character is exactly equally likely (no modulo bias).
// Throws RandomFailure, or std::invalid_argument when validate(policy) is not empty.
std::string generate(const Policy& policy, const RandomSource& random = openssl_random);

// The canonical form of a token as presented by a client, or nullopt when it cannot be a token of this
// policy (cheap rejection before any store lookup). Typeable tokens are matched the RFC 8628 way: case is
// ignored and '-' and ' ' separators are dropped ("bcdf-ghjk" → "BCDFGHJK"). Machine tokens must match
// exactly (prefix, length, character set).
std::optional<std::string> canonical(const Policy& policy, std::string_view presented);

// For display to a person: "BCDF-GHJK" (a dash in the middle of an even-length typeable code).
std::string display_form(const Policy& policy, std::string_view token);

}  // namespace tapbench::token
