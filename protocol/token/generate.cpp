#include "protocol/token/generate.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <climits>
#include <vector>

namespace tapbench::token {

namespace {

constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kHex = "0123456789abcdef";

// Consecutive draws that yielded nothing usable before we call the source broken. With a real CSPRNG and
// the worst alphabet (129 symbols, rejection 127/256) the chance of 64 empty rounds is < 2^-64.
constexpr int kMaxEmptyRounds = 64;

std::size_t base64url_length(std::size_t bytes) {
  return (bytes * 8 + 5) / 6;
}

std::string encode_base64url(std::span<const std::uint8_t> in) {
  std::string out;
  out.reserve(base64url_length(in.size()));
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : in) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64Url[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kBase64Url[(acc << (6 - bits)) & 0x3f]);
  return out;
}

std::string encode_hex(std::span<const std::uint8_t> in) {
  std::string out;
  out.reserve(in.size() * 2);
  for (std::uint8_t b : in) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::string prefix_of(const Policy& policy) {
  if (!policy.kind_prefix) return {};
  return std::string{label(policy.kind)} + "_";
}

std::string generate_typeable(const Policy& policy, const RandomSource& random) {
  const std::size_t n = policy.alphabet.size();
  // Largest multiple of n not above 256: bytes at or above it are rejected.
  const unsigned limit = 256U - (256U % static_cast<unsigned>(n));
  std::string out;
  out.reserve(policy.length);
  std::vector<std::uint8_t> buf(policy.length * 2);
  int empty_rounds = 0;
  while (out.size() < policy.length) {
    if (!random(buf)) throw RandomFailure("random source failed (RAND_bytes)");
    const std::size_t before = out.size();
    for (std::uint8_t b : buf) {
      if (b >= limit) continue;  // rejected: keeps every symbol equally likely
      out.push_back(policy.alphabet[b % n]);
      if (out.size() == policy.length) break;
    }
    if (out.size() == before && ++empty_rounds >= kMaxEmptyRounds) {
      throw RandomFailure("random source produced only rejected bytes");
    }
  }
  return out;
}

}  // namespace

bool openssl_random(std::span<std::uint8_t> out) {
  if (out.size() > static_cast<std::size_t>(INT_MAX)) return false;
  return RAND_bytes(out.data(), static_cast<int>(out.size())) == 1;
}

std::string generate(const Policy& policy, const RandomSource& random) {
  if (const std::string why = validate(policy); !why.empty()) {
    throw std::invalid_argument("token policy for " + std::string{name(policy.kind)} + ": " + why);
  }
  if (policy.encoding == Encoding::Typeable) return generate_typeable(policy, random);
  std::vector<std::uint8_t> bytes(policy.random_bytes);
  if (!random(bytes)) throw RandomFailure("random source failed (RAND_bytes)");
  std::string body = policy.encoding == Encoding::Hex ? encode_hex(bytes) : encode_base64url(bytes);
  return prefix_of(policy) + body;
}

std::optional<std::string> canonical(const Policy& policy, std::string_view presented) {
  if (presented.size() > 4096) return std::nullopt;
  if (policy.encoding == Encoding::Typeable) {
    std::string out;
    for (char c : presented) {
      if (c == '-' || c == ' ') continue;
      const char up = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (policy.alphabet.find(c) != std::string::npos) {
        out.push_back(c);  // as typed (also covers custom alphabets with lower-case characters)
      } else if (policy.alphabet.find(up) != std::string::npos) {
        out.push_back(up);
      } else {
        return std::nullopt;
      }
      if (out.size() > policy.length) return std::nullopt;
    }
    if (out.size() != policy.length) return std::nullopt;
    return out;
  }
  const std::string prefix = prefix_of(policy);
  if (presented.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view body = presented.substr(prefix.size());
  const std::string_view charset = policy.encoding == Encoding::Hex ? kHex : kBase64Url;
  const std::size_t want =
      policy.encoding == Encoding::Hex ? policy.random_bytes * 2 : base64url_length(policy.random_bytes);
  if (body.size() != want) return std::nullopt;
  for (char c : body) {
    if (charset.find(c) == std::string_view::npos) return std::nullopt;
  }
  return std::string{presented};
}

std::string display_form(const Policy& policy, std::string_view token) {
  if (policy.encoding != Encoding::Typeable || token.size() < 6 || token.size() % 2 != 0) {
    return std::string{token};
  }
  const std::size_t half = token.size() / 2;
  return std::string{token.substr(0, half)} + "-" + std::string{token.substr(half)};
}

}  // namespace tapbench::token
