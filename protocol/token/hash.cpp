#include "protocol/token/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace tapbench::token {

namespace {
constexpr std::string_view kHex = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string Hash::hex() const {
  std::string out;
  out.reserve(64);
  for (std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::optional<Hash> Hash::from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Hash h;
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    h.bytes[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return h;
}

bool operator==(const Hash& a, const Hash& b) {
  return constant_time_equal(a, b);
}

Hash hash_token(std::string_view token) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  Hash h;
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), token.data(), token.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), h.bytes.data(), &len) != 1 || len != h.bytes.size()) {
    throw std::runtime_error("SHA-256 (OpenSSL EVP) failed");
  }
  return h;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(const Hash& a, const Hash& b) {
  return CRYPTO_memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size()) == 0;
}

std::string redacted(Kind kind, const Hash& hash) {
  return std::string{name(kind)} + "#" + hash.hex().substr(0, 4);
}

std::string redacted(Kind kind, std::string_view token) {
  return redacted(kind, hash_token(token));
}

}  // namespace tapbench::token
