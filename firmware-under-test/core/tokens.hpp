// The core's adapter onto protocol/token (the one token module shared with the server): policies built
// from CoreConfig, generation from the CSPRNG, storage hash, constant-time compare. protocol/token reports
// failures with exceptions; this adapter catches them, so none crosses into the core or the HAL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "firmware-under-test/core/config.hpp"
#include "protocol/token/policy.hpp"

namespace tapbench::firmware::tokens {

token::Policy pwt_policy(const CoreConfig& config);  // typeable, rotation_period + max_attempts from config
token::Policy pt_policy(const CoreConfig& config);   // machine token, idle_ttl from config

// nullopt only if the CSPRNG (or the policy) fails: the caller refuses the operation.
std::optional<std::string> generate(const token::Policy& policy);
std::optional<std::string> new_wfd_passphrase();  // 22 base62 characters (≈131 bits), a valid WPA2 passphrase

// Canonical form of a presented PWT ("bcdf-ghjk" → "BCDFGHJK"), nullopt when it cannot be one.
std::optional<std::string> canonical(const token::Policy& policy, std::string_view presented);

// What the PTB stores for a PT: 64 hex chars of SHA-256. Empty only if the digest failed.
std::string hash_hex(std::string_view token);
// Constant-time comparison of two stored hashes (or any two strings).
bool equal(std::string_view a, std::string_view b);

}  // namespace tapbench::firmware::tokens
