#include "drivers/nfc/type4_tag.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tapbench::nfc {
namespace {

std::vector<std::uint8_t> status(std::uint16_t s) {
  return {static_cast<std::uint8_t>(s >> 8), static_cast<std::uint8_t>(s & 0xFF)};
}

// ISO 7816-4 short APDU case analysis: header CLA INS P1 P2, then [Lc data] [Le].
struct Apdu {
  std::uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
  std::span<const std::uint8_t> data;
  bool has_le = false;
  std::size_t le = 0;  // 0 encoded means 256
};

bool parse_short_apdu(std::span<const std::uint8_t> raw, Apdu& out) {
  if (raw.size() < 4) return false;
  out.cla = raw[0];
  out.ins = raw[1];
  out.p1 = raw[2];
  out.p2 = raw[3];
  const auto body = raw.subspan(4);
  if (body.empty()) return true;  // case 1
  if (body.size() == 1) {         // case 2: Le only
    out.has_le = true;
    out.le = body[0] == 0 ? 256 : body[0];
    return true;
  }
  const std::size_t lc = body[0];
  if (lc == 0) return false;  // extended length APDUs are not supported by T4T short-APDU tags
  if (body.size() == 1 + lc) {
    out.data = body.subspan(1, lc);  // case 3
    return true;
  }
  if (body.size() == 2 + lc) {  // case 4
    out.data = body.subspan(1, lc);
    out.has_le = true;
    out.le = body[1 + lc] == 0 ? 256 : body[1 + lc];
    return true;
  }
  return false;
}

}  // namespace

Type4Tag::Type4Tag(Type4TagConfig config) : config_(config) {
  if (config_.max_ndef_size < 2) throw std::invalid_argument("Type4Tag: NDEF file must hold at least NLEN");
  if (config_.mle < 0x000F) throw std::invalid_argument("Type4Tag: MLe must be at least 15 (the CC size)");
  if (config_.mle > 0x0100 || config_.mlc == 0 || config_.mlc > 0x00FF)
    throw std::invalid_argument("Type4Tag: MLe/MLc out of short-APDU range");
  ndef_file_.assign(config_.max_ndef_size, 0x00);
}

void Type4Tag::set_ndef(std::span<const std::uint8_t> message) {
  if (message.size() + 2 > config_.max_ndef_size || message.size() > 0x7FFF) {
    throw std::invalid_argument("Type4Tag: NDEF message of " + std::to_string(message.size()) +
                                " bytes does not fit the " + std::to_string(config_.max_ndef_size) +
                                "-byte NDEF file");
  }
  std::fill(ndef_file_.begin(), ndef_file_.end(), 0x00);
  ndef_file_[0] = static_cast<std::uint8_t>(message.size() >> 8);
  ndef_file_[1] = static_cast<std::uint8_t>(message.size() & 0xFF);
  std::copy(message.begin(), message.end(), ndef_file_.begin() + 2);
}

std::vector<std::uint8_t> Type4Tag::ndef() const {
  std::size_t nlen = (std::size_t{ndef_file_[0]} << 8) | ndef_file_[1];
  nlen = std::min(nlen, ndef_file_.size() - 2);
  return {ndef_file_.begin() + 2, ndef_file_.begin() + 2 + static_cast<std::ptrdiff_t>(nlen)};
}

std::vector<std::uint8_t> Type4Tag::capability_container() const {
  const auto hi = [](std::uint16_t v) { return static_cast<std::uint8_t>(v >> 8); };
  const auto lo = [](std::uint16_t v) { return static_cast<std::uint8_t>(v & 0xFF); };
  return {0x00,
          0x0F,  // CCLEN
          0x20,  // mapping version 2.0
          hi(config_.mle),
          lo(config_.mle),
          hi(config_.mlc),
          lo(config_.mlc),
          0x04,  // NDEF File Control TLV
          0x06,
          hi(kNdefFileId),
          lo(kNdefFileId),
          hi(config_.max_ndef_size),
          lo(config_.max_ndef_size),
          0x00,  // read access: granted
          static_cast<std::uint8_t>(config_.writable ? 0x00 : 0xFF)};
}

void Type4Tag::reset_session() {
  app_selected_ = false;
  file_ = File::None;
}

std::vector<std::uint8_t> Type4Tag::process(std::span<const std::uint8_t> raw) {
  Apdu apdu;
  if (raw.size() < 4) return status(sw::kWrongLength);
  if (raw[0] != 0x00) return status(sw::kClaNotSupported);
  if (!parse_short_apdu(raw, apdu)) return status(sw::kWrongLength);
  switch (apdu.ins) {
    case 0xA4:
      return select(raw);
    case 0xB0:
      return read_binary(raw);
    case 0xD6:
      return update_binary(raw);
    default:
      return status(sw::kInsNotSupported);
  }
}

std::vector<std::uint8_t> Type4Tag::select(std::span<const std::uint8_t> raw) {
  Apdu apdu;
  parse_short_apdu(raw, apdu);
  if (apdu.p1 == 0x04) {  // select by DF name
    if (apdu.p2 != 0x00 && apdu.p2 != 0x0C) return status(sw::kWrongP1P2Params);
    if (std::equal(apdu.data.begin(), apdu.data.end(), std::begin(kNdefAid), std::end(kNdefAid))) {
      app_selected_ = true;
      file_ = File::None;
      return status(sw::kOk);
    }
    app_selected_ = false;
    file_ = File::None;
    return status(sw::kNotFound);
  }
  if (apdu.p1 == 0x00) {  // select by file identifier
    if (apdu.p2 != 0x0C && apdu.p2 != 0x00) return status(sw::kWrongP1P2Params);
    if (apdu.data.size() != 2) return status(sw::kWrongLength);
    if (!app_selected_) return status(sw::kNotFound);
    const std::uint16_t fid = static_cast<std::uint16_t>((apdu.data[0] << 8) | apdu.data[1]);
    if (fid == kCcFileId) {
      file_ = File::Cc;
    } else if (fid == kNdefFileId) {
      file_ = File::Ndef;
    } else {
      return status(sw::kNotFound);
    }
    return status(sw::kOk);
  }
  return status(sw::kWrongP1P2Params);
}

std::vector<std::uint8_t> Type4Tag::read_binary(std::span<const std::uint8_t> raw) {
  Apdu apdu;
  parse_short_apdu(raw, apdu);
  if (file_ == File::None) return status(sw::kNoFileSelected);
  if (!apdu.data.empty() || !apdu.has_le) return status(sw::kWrongLength);
  if (apdu.p1 & 0x80) return status(sw::kWrongP1P2);  // short EF id addressing: not supported
  const std::size_t offset = (std::size_t{apdu.p1} << 8) | apdu.p2;
  const std::vector<std::uint8_t> cc =
      file_ == File::Cc ? capability_container() : std::vector<std::uint8_t>{};
  const std::vector<std::uint8_t>& file = file_ == File::Cc ? cc : ndef_file_;
  if (offset >= file.size()) return status(sw::kWrongP1P2);
  const std::size_t n = std::min({apdu.le, std::size_t{config_.mle}, file.size() - offset});
  std::vector<std::uint8_t> out(file.begin() + static_cast<std::ptrdiff_t>(offset),
                                file.begin() + static_cast<std::ptrdiff_t>(offset + n));
  out.push_back(0x90);
  out.push_back(0x00);
  return out;
}

std::vector<std::uint8_t> Type4Tag::update_binary(std::span<const std::uint8_t> raw) {
  Apdu apdu;
  parse_short_apdu(raw, apdu);
  if (file_ == File::None) return status(sw::kNoFileSelected);
  if (file_ == File::Cc || !config_.writable) return status(sw::kSecurityNotSatisfied);
  if (apdu.p1 & 0x80) return status(sw::kWrongP1P2);
  if (apdu.data.empty() || apdu.has_le || apdu.data.size() > config_.mlc) return status(sw::kWrongLength);
  const std::size_t offset = (std::size_t{apdu.p1} << 8) | apdu.p2;
  if (offset + apdu.data.size() > ndef_file_.size()) return status(sw::kWrongP1P2);
  std::copy(apdu.data.begin(), apdu.data.end(), ndef_file_.begin() + static_cast<std::ptrdiff_t>(offset));
  const std::size_t nlen = (std::size_t{ndef_file_[0]} << 8) | ndef_file_[1];
  if (nlen + 2 > ndef_file_.size()) {  // a writer that announces more than the file holds: refuse it
    ndef_file_[0] = ndef_file_[1] = 0;
    return status(sw::kWrongData);
  }
  // T4T write procedure: NLEN=0, write the message, then write NLEN. Report once NLEN is final.
  if (nlen != 0 && offset < 2 && on_update_) on_update_(ndef());
  return status(sw::kOk);
}

}  // namespace tapbench::nfc
