// Token policies: how each kind is shaped (length, alphabet) and how long it lives (TTL, idle TTL, single
// use, attempt cap, rotation period). Every lifetime is configurable; the defaults are a product's values
// (DESIGN.md §3) and a test fixture sets seconds.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/token/kind.hpp"

namespace tapbench::token {

// RFC 8628 §6.1 user-code alphabet: 20 consonants, no vowels (no words), no look-alikes.
inline constexpr std::string_view kTypeableAlphabet = "BCDFGHJKLMNPQRSTVWXZ";

enum class Encoding {
  Typeable,   // `length` characters drawn uniformly from `alphabet` (PWT)
  Base64Url,  // `prefix_` + base64url(no padding) of `random_bytes` CSPRNG bytes (machine tokens)
  Hex,        // `prefix_` + lower-case hex of `random_bytes` CSPRNG bytes
};

struct Policy {
  Kind kind = Kind::PWT;
  Encoding encoding = Encoding::Typeable;
  // Typeable: characters in the token. Ignored for machine encodings.
  std::size_t length = 8;
  // Typeable: the alphabet (2..256 distinct characters). Ignored for machine encodings.
  std::string alphabet{kTypeableAlphabet};
  // Machine encodings: random bytes behind the token (>= 16, i.e. >= 128 bits; RFC 6749 §10.10).
  std::size_t random_bytes = 32;
  // Machine encodings: prepend "<label>_" ("svt_…") so an operator can tell a token's kind at a glance.
  bool kind_prefix = true;

  // Absolute lifetime from issue; nullopt = no absolute expiry (ST, PT).
  std::optional<std::chrono::seconds> ttl;
  // Lifetime since last successful use (or issue); nullopt = no idle expiry.
  std::optional<std::chrono::seconds> idle_ttl;
  // Deleted on its first successful redemption (SVWT, CWT).
  bool single_use = false;
  // Failed verification attempts before the token is burnt; 0 = no cap.
  std::uint32_t max_attempts = 0;
  // PWT: the token is replaced every period (S13); nullopt = no periodic rotation.
  std::optional<std::chrono::seconds> rotation_period;
};

// Product defaults per kind (DESIGN.md §3): PWT 8 typeable chars, 5 attempts, rotates hourly; PT idle 30 d;
// ST no expiry; SVWT 10 min single use; SVT idle 1 h; CWT 10 min single use.
Policy default_policy(Kind kind);

// Bits of guessing entropy of one token of this policy (8 typeable chars of 20 ≈ 34.6 bits).
double entropy_bits(const Policy& policy);

// Empty when the policy is usable, else a human-readable reason ("random_bytes must be >= 16 …").
std::string validate(const Policy& policy);

}  // namespace tapbench::token
