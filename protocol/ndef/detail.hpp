// Internal helpers of the NDEF codec (not part of the API): bounded big/little-endian access, error
// construction, UTF-8 validation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/ndef/result.hpp"

namespace tapbench::ndef::detail {

inline Error make_error(ErrorCode code, std::size_t offset, std::string reason) {
  return Error{code, offset, std::move(reason)};
}

inline std::uint16_t be16(ByteView b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
inline std::uint16_t le16(ByteView b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
inline std::uint32_t be32(ByteView b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) |
         std::uint32_t{b[at + 3]};
}
inline void put_be16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void put_le16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void put_be32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(v >> shift));
}
inline void append(Bytes& out, ByteView b) {
  out.insert(out.end(), b.begin(), b.end());
}
inline void append(Bytes& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}
inline ByteView view(std::string_view s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
inline std::string text(ByteView b) {
  return std::string(b.begin(), b.end());
}

// Offset of the first byte that makes `b` invalid UTF-8 (overlongs, surrogates, > U+10FFFF included),
// or b.size() when valid.
std::size_t utf8_invalid_at(ByteView b);

// "0x1A"
std::string hex8(std::uint8_t v);
std::string hex16(std::uint16_t v);
// Printable rendering of bytes for error texts and describe(): ASCII as is, others as \xNN.
std::string printable(ByteView b);

}  // namespace tapbench::ndef::detail
