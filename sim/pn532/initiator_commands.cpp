// Initiator (reader) mode of the emulated PN532: activation, data exchange with chaining, presence checks,
// deselect/release, RF configuration, registers.
#include <algorithm>

#include "sim/pn532/chip.hpp"

namespace tapbench::sim::pn532 {
namespace {

// Largest InDataExchange answer (status excluded) per frame; longer R-APDUs are chained with MI.
constexpr std::size_t kExchangeChunk = 262;

Pn532Chip::Reply ok_reply(std::uint8_t code, std::vector<std::uint8_t> params = {}) {
  std::vector<std::uint8_t> d{static_cast<std::uint8_t>(code + 1)};
  d.insert(d.end(), params.begin(), params.end());
  return {std::move(d), {}, false};
}

Pn532Chip::Reply syntax_error() {
  return {std::nullopt, {}, true};
}

}  // namespace

void Pn532Chip::set_rf_locked(bool on) {
  if (rf_on_ == on) return;
  if (!on) drop_selection_locked();
  const bool was = rf_on_;
  rf_on_ = on;
  field_.set_field_locked(was, on);
}

void Pn532Chip::drop_selection_locked() {
  if (selected_) selected_->deactivate(selected_session_);
  selected_.reset();
  selected_session_ = 0;
  chained_command_.clear();
  pending_response_.clear();
}

bool Pn532Chip::selected_alive_locked() const {
  return selected_ && rf_on_ && field_.placed_locked(selected_.get()) &&
         selected_->session_alive(selected_session_);
}

std::vector<std::uint8_t> Pn532Chip::target_data_locked(const TargetIdentity& id, bool with_ats) const {
  std::vector<std::uint8_t> d{0x01, id.atqa[0], id.atqa[1], id.sak, static_cast<std::uint8_t>(id.uid.size())};
  d.insert(d.end(), id.uid.begin(), id.uid.end());
  if (with_ats && !id.ats.empty()) d.insert(d.end(), id.ats.begin(), id.ats.end());
  return d;
}

std::shared_ptr<FieldCard> Pn532Chip::wait_for_card_locked(std::uint8_t retries, SteadyTime deadline,
                                                           const std::vector<std::uint8_t>& uid_filter,
                                                           std::unique_lock<std::mutex>& lk,
                                                           bool& interrupted) {
  interrupted = false;
  const auto find = [&]() -> std::shared_ptr<FieldCard> {
    for (auto& card : field_.placed_cards_locked()) {
      if (card.get() == card_.get() || !card->listening()) continue;
      if (!uid_filter.empty() && card->identity().uid != uid_filter) continue;
      return card;
    }
    return nullptr;
  };
  while (true) {
    if (auto card = find()) return card;
    if (host_interrupted_locked() || stopping_) {
      interrupted = true;
      return nullptr;
    }
    if (retries == 0xFF) {
      field_.cv().wait_for(lk, std::chrono::milliseconds(200));
    } else if (field_.cv().wait_until(lk, deadline) == std::cv_status::timeout) {
      return find();
    }
  }
}

ExchangeResult Pn532Chip::exchange_with_selected_locked(const std::vector<std::uint8_t>& apdu,
                                                        std::unique_lock<std::mutex>& lk) {
  if (!selected_alive_locked()) return {};
  Waiter w{lk, field_.cv(), std::chrono::steady_clock::now() + options_.target_answer_timeout,
           [this] { return host_interrupted_locked() || stopping_.load(); }};
  auto card = selected_;
  log_.add(name_, "air", "C-APDU to " + card->name(), apdu);
  auto r = card->exchange(selected_session_, apdu, w);
  if (r.status == ExchangeResult::Status::Ok && !field_.placed_locked(card.get())) r = {};
  if (r.status == ExchangeResult::Status::Ok) {
    log_.add(name_, "air", "R-APDU from " + card->name(), r.response);
  } else if (r.status == ExchangeResult::Status::NoAnswer) {
    log_.add(name_, "air", "no answer from " + card->name());
  }
  return r;
}

Pn532Chip::Reply Pn532Chip::in_list_passive_target(const std::vector<std::uint8_t>& c,
                                                   std::unique_lock<std::mutex>& lk) {
  if (c.size() < 3 || c[1] < 1 || c[1] > 2) return syntax_error();
  const std::uint8_t brty = c[2];
  if (brty > 0x04) return syntax_error();
  drop_selection_locked();
  set_rf_locked(true);  // the PN532 switches its field on by itself to poll
  const int attempts = mx_rty_passive_ == 0xFF ? 1 : mx_rty_passive_ + 1;
  const SteadyTime deadline = std::chrono::steady_clock::now() + attempts * options_.activation_attempt;
  bool interrupted = false;
  std::shared_ptr<FieldCard> card;
  if (brty == 0x00) {
    std::vector<std::uint8_t> uid(c.begin() + 3, c.end());
    card = wait_for_card_locked(mx_rty_passive_, deadline, uid, lk, interrupted);
  } else {
    // Only ISO/IEC 14443-A cards live in this field: other modulations find nothing after their attempts.
    while (mx_rty_passive_ == 0xFF || std::chrono::steady_clock::now() < deadline) {
      if (host_interrupted_locked() || stopping_) {
        interrupted = true;
        break;
      }
      if (mx_rty_passive_ == 0xFF) {
        field_.cv().wait_for(lk, std::chrono::milliseconds(200));
      } else {
        field_.cv().wait_until(lk, deadline);
      }
    }
  }
  if (interrupted) {
    consume_abort_locked();
    return {};
  }
  if (!card) return ok_reply(c[0], {0x00});
  selected_ = card;
  selected_session_ = card->activate();
  const auto id = card->identity();
  auto data = target_data_locked(id, (id.sak & 0x20) && (parameters_ & 0x10));
  data.insert(data.begin(), 0x01);  // NbTg
  Reply r = ok_reply(c[0], std::move(data));
  r.air_time = std::chrono::microseconds(2500);  // REQA, anticollision, select, RATS at 106 kbit/s
  return r;
}

Pn532Chip::Reply Pn532Chip::in_auto_poll(const std::vector<std::uint8_t>& c,
                                         std::unique_lock<std::mutex>& lk) {
  if (c.size() < 4 || c.size() > 18 || c[1] == 0 || c[2] == 0 || c[2] > 0x0F) return syntax_error();
  const std::vector<std::uint8_t> types(c.begin() + 3, c.end());
  const auto has = [&](std::uint8_t t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  drop_selection_locked();
  set_rf_locked(true);
  const bool type_a = has(0x00) || has(0x10) || has(0x20);
  const auto period = std::chrono::milliseconds(150) * c[2];
  const SteadyTime deadline =
      std::chrono::steady_clock::now() + period * static_cast<int>(c[1]) * static_cast<int>(types.size());
  std::shared_ptr<FieldCard> card;
  bool interrupted = false;
  if (type_a) {
    card = wait_for_card_locked(c[1] == 0xFF ? 0xFF : 0x00, deadline, {}, lk, interrupted);
  } else {
    while (c[1] == 0xFF || std::chrono::steady_clock::now() < deadline) {
      if (host_interrupted_locked() || stopping_) {
        interrupted = true;
        break;
      }
      field_.cv().wait_until(
          lk, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(200)));
    }
  }
  if (interrupted) {
    consume_abort_locked();
    return {};
  }
  if (!card) return ok_reply(c[0], {0x00});
  selected_ = card;
  selected_session_ = card->activate();
  const auto id = card->identity();
  const std::uint8_t type = (id.sak & 0x20) && has(0x20) ? 0x20 : (has(0x10) ? 0x10 : 0x00);
  auto td = target_data_locked(id, type == 0x20);
  std::vector<std::uint8_t> out{0x01, type, static_cast<std::uint8_t>(td.size())};
  out.insert(out.end(), td.begin(), td.end());
  return ok_reply(c[0], std::move(out));
}

Pn532Chip::Reply Pn532Chip::in_data_exchange(const std::vector<std::uint8_t>& c,
                                             std::unique_lock<std::mutex>& lk) {
  if (c.size() < 2) return syntax_error();
  const std::uint8_t tg = c[1] & 0x3F;
  const bool more = c[1] & 0x40;
  if (!selected_ || tg != 0x01) return ok_reply(c[0], {status::kCommandNotAcceptable});
  std::vector<std::uint8_t> data(c.begin() + 2, c.end());
  if (data.empty() && !pending_response_.empty()) {  // host collects the next part of a chained answer
    const std::size_t n = std::min(kExchangeChunk, pending_response_.size());
    std::vector<std::uint8_t> out{static_cast<std::uint8_t>(n < pending_response_.size() ? 0x40 : 0x00)};
    out.insert(out.end(), pending_response_.begin(),
               pending_response_.begin() + static_cast<std::ptrdiff_t>(n));
    pending_response_.erase(pending_response_.begin(),
                            pending_response_.begin() + static_cast<std::ptrdiff_t>(n));
    return ok_reply(c[0], std::move(out));
  }
  pending_response_.clear();
  if (more) {  // host chains a long command: gather, acknowledge each part
    chained_command_.insert(chained_command_.end(), data.begin(), data.end());
    if (chained_command_.size() > 4096) {
      chained_command_.clear();
      return ok_reply(c[0], {status::kInvalidParameter});
    }
    return ok_reply(c[0], {status::kOk});
  }
  std::vector<std::uint8_t> apdu = std::move(chained_command_);
  chained_command_.clear();
  apdu.insert(apdu.end(), data.begin(), data.end());
  auto r = exchange_with_selected_locked(apdu, lk);
  if (r.status == ExchangeResult::Status::Interrupted) {
    consume_abort_locked();
    return {};
  }
  Reply reply;
  if (r.status == ExchangeResult::Status::NoAnswer) {
    reply = ok_reply(c[0], {status::kTimeout});
  } else if (r.response.size() > kExchangeChunk) {
    std::vector<std::uint8_t> out{status::kMoreInformation};
    out.insert(out.end(), r.response.begin(), r.response.begin() + kExchangeChunk);
    pending_response_.assign(r.response.begin() + kExchangeChunk, r.response.end());
    reply = ok_reply(c[0], std::move(out));
  } else {
    std::vector<std::uint8_t> out{status::kOk};
    out.insert(out.end(), r.response.begin(), r.response.end());
    reply = ok_reply(c[0], std::move(out));
  }
  reply.air_time = air_time_106(apdu.size(), r.response.size());
  return reply;
}

Pn532Chip::Reply Pn532Chip::in_communicate_thru(const std::vector<std::uint8_t>& c,
                                                std::unique_lock<std::mutex>& lk) {
  // Raw frames to the selected ISO-DEP card: presence pings (R-blocks), I-blocks, S(DESELECT).
  if (c.size() < 2 || !selected_) return ok_reply(c[0], {status::kTimeout});
  const std::uint8_t pcb = c[1];
  if ((pcb & 0xE6) == 0xA2) {  // R(ACK)/R(NAK): the card answers with an R(ACK) while it is there
    if (!selected_alive_locked()) return ok_reply(c[0], {status::kTimeout});
    Reply r = ok_reply(c[0], {status::kOk, static_cast<std::uint8_t>(0xA2 | (pcb & 0x01))});
    r.air_time = air_time_106(0, 0);
    return r;
  }
  if ((pcb & 0xE2) == 0x02 && c.size() > 2) {  // I-block carrying an APDU
    std::vector<std::uint8_t> apdu(c.begin() + 2, c.end());
    auto r = exchange_with_selected_locked(apdu, lk);
    if (r.status == ExchangeResult::Status::Interrupted) {
      consume_abort_locked();
      return {};
    }
    if (r.status != ExchangeResult::Status::Ok) return ok_reply(c[0], {status::kTimeout});
    std::vector<std::uint8_t> out{status::kOk, static_cast<std::uint8_t>(pcb & 0x03)};
    out[1] |= 0x02;
    out.insert(out.end(), r.response.begin(), r.response.end());
    Reply reply = ok_reply(c[0], std::move(out));
    reply.air_time = air_time_106(apdu.size(), r.response.size());
    return reply;
  }
  if (pcb == 0xC2) {  // S(DESELECT)
    const bool alive = selected_alive_locked();
    drop_selection_locked();
    return ok_reply(c[0], alive ? std::vector<std::uint8_t>{status::kOk, 0xC2}
                                : std::vector<std::uint8_t>{status::kTimeout});
  }
  return ok_reply(c[0], {status::kTimeout});
}

Pn532Chip::Reply Pn532Chip::in_deselect_release(const std::vector<std::uint8_t>& c, bool) {
  if (c.size() != 2) return syntax_error();
  const std::uint8_t tg = c[1];
  if (selected_ && (tg == 0 || tg == 1)) {
    drop_selection_locked();
    return ok_reply(c[0], {status::kOk});
  }
  return ok_reply(c[0], {tg == 0 ? status::kOk : status::kCommandNotAcceptable});
}

Pn532Chip::Reply Pn532Chip::diagnose(const std::vector<std::uint8_t>& c) {
  if (c.size() < 2) return syntax_error();
  switch (c[1]) {
    case 0x00:  // communication line test: echo NumTst and InParam
    case 0x05:  // echo back test
      return ok_reply(c[0], std::vector<std::uint8_t>(c.begin() + 1, c.end()));
    case 0x01:  // ROM test
    case 0x02:  // RAM test
    case 0x07:  // self antenna test
      return ok_reply(c[0], {status::kOk});
    case 0x04:  // polling test to target: number of failures
      return ok_reply(c[0], {static_cast<std::uint8_t>(selected_alive_locked() ? 0x00 : 0x80)});
    case 0x06:  // attention request / card presence detection
      return ok_reply(c[0], {selected_alive_locked() ? status::kOk : status::kTimeout});
    default:
      return syntax_error();
  }
}

Pn532Chip::Reply Pn532Chip::rf_configuration(const std::vector<std::uint8_t>& c) {
  if (c.size() < 3) return syntax_error();
  switch (c[1]) {
    case 0x01:  // RF field: bit 0 on/off, bit 1 auto RFCA
      set_rf_locked(c[2] & 0x01);
      break;
    case 0x05:  // MaxRetries: MxRtyATR, MxRtyPSL, MxRtyPassiveActivation
      if (c.size() != 5) return syntax_error();
      mx_rty_passive_ = c[4];
      break;
    default:  // timings, MaxRtyCOM, analog settings: accepted, no effect on the simulation
      break;
  }
  return ok_reply(c[0]);
}

Pn532Chip::Reply Pn532Chip::registers(const std::vector<std::uint8_t>& c) {
  if (c[0] == cmd::kReadRegister) {
    if (c.size() < 3 || (c.size() - 1) % 2 != 0) return syntax_error();
    std::vector<std::uint8_t> values;
    for (std::size_t i = 1; i + 1 < c.size(); i += 2) {
      const std::uint16_t addr = static_cast<std::uint16_t>((c[i] << 8) | c[i + 1]);
      const auto it = registers_.find(addr);
      values.push_back(it == registers_.end() ? 0x00 : it->second);
    }
    return ok_reply(c[0], std::move(values));
  }
  if (c.size() < 4 || (c.size() - 1) % 3 != 0) return syntax_error();
  for (std::size_t i = 1; i + 2 < c.size(); i += 3)
    registers_[static_cast<std::uint16_t>((c[i] << 8) | c[i + 1])] = c[i + 2];
  return ok_reply(c[0]);
}

Pn532Chip::Reply Pn532Chip::general_status() {
  const bool alive = selected_alive_locked();
  std::vector<std::uint8_t> s{0x00, static_cast<std::uint8_t>(rf_on_ ? 1 : 0),
                              static_cast<std::uint8_t>(alive)};
  if (alive) s.insert(s.end(), {0x01, 0x00, 0x00, 0x00});  // Tg, BrRx, BrTx, Type (106 kbit/s type A)
  s.push_back(0x00);                                       // SAM status
  return ok_reply(cmd::kGetGeneralStatus, std::move(s));
}

}  // namespace tapbench::sim::pn532
