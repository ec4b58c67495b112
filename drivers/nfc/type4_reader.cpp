#include "drivers/nfc/type4_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/type4_tag.hpp"

namespace tapbench::nfc {
namespace {

std::string hex16(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04X", v & 0xFFFF);
  return buf;
}

// Exchanges one APDU and checks SW 90 00; returns the data part.
std::vector<std::uint8_t> expect_ok(const ApduChannel& ch, std::span<const std::uint8_t> capdu,
                                    const char* step, unsigned& count) {
  std::vector<std::uint8_t> r = ch(capdu);
  ++count;
  if (r.size() < 2)
    throw NfcException(NfcError::Protocol, std::string(step) + ": R-APDU shorter than SW1 SW2");
  const unsigned status = (unsigned{r[r.size() - 2]} << 8) | r[r.size() - 1];
  if (status != 0x9000)
    throw NfcException(NfcError::Protocol, std::string(step) + ": status word " + hex16(status));
  r.resize(r.size() - 2);
  return r;
}

std::vector<std::uint8_t> select_file(std::uint16_t fid) {
  return {0x00, 0xA4, 0x00, 0x0C, 0x02, static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)};
}

std::vector<std::uint8_t> read_binary(std::size_t offset, std::size_t le) {
  return {0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8), static_cast<std::uint8_t>(offset),
          static_cast<std::uint8_t>(le == 256 ? 0 : le)};
}

void select_ndef_application(const ApduChannel& channel, unsigned& count) {
  std::vector<std::uint8_t> sel{0x00, 0xA4, 0x04, 0x00, sizeof kNdefAid};
  sel.insert(sel.end(), std::begin(kNdefAid), std::end(kNdefAid));
  sel.push_back(0x00);
  expect_ok(channel, sel, "SELECT NDEF application", count);
}

// Reads [offset, offset+n) of the selected file in chunks of at most mle bytes.
std::vector<std::uint8_t> read_range(const ApduChannel& channel, std::size_t offset, std::size_t n,
                                     std::size_t mle, unsigned& count) {
  std::vector<std::uint8_t> out;
  out.reserve(n);
  while (out.size() < n) {
    const std::size_t want = std::min(mle, n - out.size());
    auto chunk = expect_ok(channel, read_binary(offset + out.size(), want), "READ BINARY", count);
    if (chunk.empty()) throw NfcException(NfcError::Protocol, "READ BINARY returned no data");
    if (chunk.size() > want) throw NfcException(NfcError::Protocol, "READ BINARY returned more than Le");
    out.insert(out.end(), chunk.begin(), chunk.end());
  }
  return out;
}

}  // namespace

CapabilityContainer parse_capability_container(std::span<const std::uint8_t> cc) {
  if (cc.size() < 15) throw NfcException(NfcError::Protocol, "CC shorter than 15 bytes");
  CapabilityContainer c;
  const unsigned cclen = (unsigned{cc[0]} << 8) | cc[1];
  if (cclen < 15) throw NfcException(NfcError::Protocol, "CCLEN " + std::to_string(cclen) + " below 15");
  c.version = cc[2];
  if ((c.version >> 4) != 2 && (c.version >> 4) != 3)
    throw NfcException(NfcError::Protocol, "unsupported T4T mapping version " + hex16(c.version));
  c.mle = static_cast<std::uint16_t>((cc[3] << 8) | cc[4]);
  c.mlc = static_cast<std::uint16_t>((cc[5] << 8) | cc[6]);
  if (c.mle < 0x000F) throw NfcException(NfcError::Protocol, "MLe " + std::to_string(c.mle) + " below 15");
  if (c.mlc == 0) throw NfcException(NfcError::Protocol, "MLc is 0");
  if (cc[7] != 0x04 || cc[8] < 6) throw NfcException(NfcError::Protocol, "CC lacks an NDEF File Control TLV");
  c.ndef_file_id = static_cast<std::uint16_t>((cc[9] << 8) | cc[10]);
  c.ndef_max_size = static_cast<std::uint16_t>((cc[11] << 8) | cc[12]);
  c.read_access = cc[13];
  c.write_access = cc[14];
  if (c.ndef_file_id == 0x0000 || c.ndef_file_id == 0xE102 || c.ndef_file_id == 0xE103 ||
      c.ndef_file_id == 0x3F00 || c.ndef_file_id == 0x3FFF || c.ndef_file_id == 0xFFFF)
    throw NfcException(NfcError::Protocol, "reserved NDEF file id " + hex16(c.ndef_file_id));
  if (c.ndef_max_size < 5 || c.ndef_max_size > 0xFFFE)
    throw NfcException(NfcError::Protocol,
                       "NDEF file size " + std::to_string(c.ndef_max_size) + " out of range");
  if (c.read_access != 0x00)
    throw NfcException(NfcError::Protocol, "NDEF file is not readable without security");
  return c;
}

Type4ReadResult read_type4_ndef(const ApduChannel& channel) {
  Type4ReadResult result;
  select_ndef_application(channel, result.apdus);
  expect_ok(channel, select_file(kCcFileId), "SELECT CC", result.apdus);
  const auto cc_bytes = read_range(channel, 0, 15, 15, result.apdus);
  result.cc = parse_capability_container(cc_bytes);
  const std::size_t mle = std::min<std::size_t>(result.cc.mle, 256);
  expect_ok(channel, select_file(result.cc.ndef_file_id), "SELECT NDEF file", result.apdus);
  const auto nlen_bytes = read_range(channel, 0, 2, mle, result.apdus);
  const std::size_t nlen = (std::size_t{nlen_bytes[0]} << 8) | nlen_bytes[1];
  if (nlen == 0) throw NfcException(NfcError::Protocol, "NDEF file is empty (NLEN 0)");
  if (nlen + 2 > result.cc.ndef_max_size)
    throw NfcException(NfcError::Protocol, "NLEN " + std::to_string(nlen) + " exceeds the NDEF file size " +
                                               std::to_string(result.cc.ndef_max_size));
  result.ndef = read_range(channel, 2, nlen, mle, result.apdus);
  return result;
}

void write_type4_ndef(const ApduChannel& channel, std::span<const std::uint8_t> message) {
  unsigned count = 0;
  select_ndef_application(channel, count);
  expect_ok(channel, select_file(kCcFileId), "SELECT CC", count);
  const auto cc = parse_capability_container(read_range(channel, 0, 15, 15, count));
  if (cc.write_access != 0x00) throw NfcException(NfcError::Protocol, "tag is read-only");
  if (message.size() + 2 > cc.ndef_max_size)
    throw NfcException(NfcError::InvalidArgument, "message does not fit the tag's NDEF file");
  expect_ok(channel, select_file(cc.ndef_file_id), "SELECT NDEF file", count);
  const auto update = [&](std::size_t offset, std::span<const std::uint8_t> data) {
    std::vector<std::uint8_t> c{0x00, 0xD6, static_cast<std::uint8_t>(offset >> 8),
                                static_cast<std::uint8_t>(offset), static_cast<std::uint8_t>(data.size())};
    c.insert(c.end(), data.begin(), data.end());
    expect_ok(channel, c, "UPDATE BINARY", count);
  };
  const std::uint8_t zero[2] = {0, 0};
  update(0, zero);
  const std::size_t chunk = std::min<std::size_t>(cc.mlc, 255);
  for (std::size_t off = 0; off < message.size(); off += chunk)
    update(2 + off, message.subspan(off, std::min(chunk, message.size() - off)));
  const std::uint8_t nlen[2] = {static_cast<std::uint8_t>(message.size() >> 8),
                                static_cast<std::uint8_t>(message.size())};
  update(0, nlen);
}

}  // namespace tapbench::nfc
