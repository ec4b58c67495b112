// Target (card emulation) mode of the emulated PN532, the way libnfc drives it for an ISO/IEC 14443-4A
// PICC: TgInitAsTarget blocks until a reader in the field activates us (the chip answers RATS itself), then
// TgGetData/TgSetData carry APDUs; after the reader deselects, TgGetData reports "released" (0x29).
#include "sim/pn532/chip.hpp"

namespace tapbench::sim::pn532 {
namespace {

Pn532Chip::Reply ok_reply(std::uint8_t code, std::vector<std::uint8_t> params = {}) {
  std::vector<std::uint8_t> d{static_cast<std::uint8_t>(code + 1)};
  d.insert(d.end(), params.begin(), params.end());
  return {std::move(d), {}, false};
}

}  // namespace

void Pn532Chip::leave_target_mode_locked() {
  target_mode_ = false;
  target_active_ = false;
  target_released_ = false;
  from_reader_.reset();
  to_reader_.reset();
  field_.notify();
}

Pn532Chip::Reply Pn532Chip::tg_init_as_target(const std::vector<std::uint8_t>& c,
                                              std::unique_lock<std::mutex>& lk) {
  // Mode, MifareParams[6], FeliCaParams[18], NFCID3t[10], LEN Gt, Gt[], LEN Tk, Tk[]
  if (c.size() < 37) return Reply{std::nullopt, {}, true};
  std::size_t pos = 36;
  const std::size_t gt_len = c[pos];
  pos += 1 + gt_len;
  std::vector<std::uint8_t> historical;
  if (pos < c.size()) {
    const std::size_t tk_len = c[pos];
    if (pos + 1 + tk_len > c.size() || tk_len > 48) return Reply{std::nullopt, {}, true};
    historical.assign(c.begin() + static_cast<std::ptrdiff_t>(pos + 1),
                      c.begin() + static_cast<std::ptrdiff_t>(pos + 1 + tk_len));
  } else if (pos > c.size() || gt_len > 47) {
    return Reply{std::nullopt, {}, true};
  }
  const std::uint8_t mode = c[1];
  drop_selection_locked();
  set_rf_locked(false);  // a target does not emit a field

  TargetIdentity id;
  id.atqa[0] = c[3];  // libnfc sends SENS_RES low byte first; an initiator reports it high byte first
  id.atqa[1] = c[2];
  id.uid = {0x08, c[4], c[5], c[6]};  // NFCID1t: the first byte is hard-wired to 08 (random UID)
  id.sak = static_cast<std::uint8_t>(c[7] | ((mode & 0x04) ? 0x20 : 0x00));
  if (id.sak & 0x20) {
    // ATS built by the chip: TL, T0 (TA TB TC present, FSCI 8), TA, TB (FWI 7), TC (CID), historical bytes.
    id.ats = {static_cast<std::uint8_t>(5 + historical.size()), 0x78, 0x80, 0x70, 0x02};
    id.ats.insert(id.ats.end(), historical.begin(), historical.end());
  }
  target_identity_ = id;
  target_mode_ = (mode & 0x02) == 0;  // DEP-only targets never meet a DEP initiator here: never activated
  target_active_ = false;
  target_released_ = false;
  from_reader_.reset();
  to_reader_.reset();
  field_.notify();
  log_.add(name_, "event", "listening as ISO14443-4A target uid " + hex(id.uid));

  while (!(target_mode_ && target_active_)) {
    if (host_interrupted_locked() || stopping_) {
      consume_abort_locked();
      leave_target_mode_locked();
      return {};
    }
    field_.cv().wait_for(lk, std::chrono::milliseconds(200));
  }
  log_.add(name_, "event", "activated by a reader");
  // Mode byte: 106 kbit/s, ISO/IEC 14443-4 PICC, type A framing; InitiatorCommand: the RATS it answered.
  return ok_reply(c[0], {0x08, 0xE0, 0x80});
}

Pn532Chip::Reply Pn532Chip::tg_get_data(std::unique_lock<std::mutex>& lk) {
  const std::uint8_t code = cmd::kTgGetData;
  if (!target_mode_ || !target_active_) return ok_reply(code, {status::kInvalidState});
  while (true) {
    if (from_reader_) {
      std::vector<std::uint8_t> out{status::kOk};
      out.insert(out.end(), from_reader_->begin(), from_reader_->end());
      from_reader_.reset();
      return ok_reply(code, std::move(out));
    }
    if (target_released_) {
      leave_target_mode_locked();
      return ok_reply(code, {status::kReleased});
    }
    if (host_interrupted_locked() || stopping_) {
      consume_abort_locked();
      return {};
    }
    field_.cv().wait_for(lk, std::chrono::milliseconds(200));
  }
}

Pn532Chip::Reply Pn532Chip::tg_set_data(const std::vector<std::uint8_t>& c) {
  if (!target_mode_ || !target_active_) return ok_reply(c[0], {status::kInvalidState});
  if (target_released_) {
    leave_target_mode_locked();
    return ok_reply(c[0], {status::kReleased});
  }
  if (!reader_waiting_) return ok_reply(c[0], {status::kInvalidState});
  to_reader_ = std::vector<std::uint8_t>(c.begin() + 1, c.end());
  field_.notify();
  return ok_reply(c[0], {status::kOk});
}

Pn532Chip::Reply Pn532Chip::tg_get_target_status() {
  std::uint8_t state = 0x00;  // free
  if (target_mode_ && target_active_) state = target_released_ ? 0x02 : 0x01;
  return ok_reply(cmd::kTgGetTargetStatus, {state, 0x00});
}

}  // namespace tapbench::sim::pn532
