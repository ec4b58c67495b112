#include "sim/pn532/type4_card.hpp"

#include <stdexcept>
#include <string>

namespace tapbench::sim::pn532 {

BuiltinType4Card::BuiltinType4Card(std::string name, std::vector<std::uint8_t> uid,
                                   nfc::Type4TagConfig config)
    : name_(std::move(name)), tag_(config) {
  if (uid.size() != 4 && uid.size() != 7 && uid.size() != 10)
    throw std::invalid_argument("tag UID must be 4, 7 or 10 bytes");
  identity_.atqa[0] = 0x03;  // SENS_RES 0344: double-size UID, like a DESFire/NTAG4xx Type 4 tag
  identity_.atqa[1] = 0x44;
  if (uid.size() == 4) identity_.atqa[1] = 0x04;
  identity_.sak = 0x20;
  identity_.uid = std::move(uid);
  identity_.ats = {0x06, 0x75, 0x77, 0x81, 0x02, 0x80};  // FSCI 5 (64 bytes), TA TB TC, one historical byte
}

void BuiltinType4Card::set_ndef(const std::vector<std::uint8_t>& message) {
  if (message.size() + 2 > tag_.config().max_ndef_size)
    throw std::invalid_argument("NDEF message of " + std::to_string(message.size()) +
                                " bytes does not fit the " + std::to_string(tag_.config().max_ndef_size) +
                                "-byte NDEF file");
  if (active_) {
    pending_ = message;
  } else {
    tag_.set_ndef(message);
    pending_.reset();
  }
}

void BuiltinType4Card::apply_pending() {
  if (!pending_) return;
  tag_.set_ndef(*pending_);
  pending_.reset();
}

void BuiltinType4Card::lost_field() {
  active_ = false;
  halted_ = false;
  apply_pending();
}

std::uint64_t BuiltinType4Card::activate() {
  apply_pending();
  active_ = true;
  tag_.reset_session();
  return ++session_;
}

ExchangeResult BuiltinType4Card::exchange(std::uint64_t session, const std::vector<std::uint8_t>& apdu,
                                          Waiter&) {
  if (!session_alive(session)) return {};
  ExchangeResult r{ExchangeResult::Status::Ok, tag_.process(apdu)};
  ++answered_;
  if (remove_after_ > 0 && --remove_after_ == 0) removal_due_ = true;
  return r;
}

void BuiltinType4Card::deactivate(std::uint64_t session) {
  if (session != session_) return;
  active_ = false;
  halted_ = true;
  apply_pending();
}

}  // namespace tapbench::sim::pn532
