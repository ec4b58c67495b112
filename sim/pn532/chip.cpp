// Pn532Chip: host interface (framing, ACK/NACK, abort) and the command dispatcher. Initiator commands are in
// initiator_commands.cpp, target-mode commands in target_commands.cpp.
#include "sim/pn532/chip.hpp"

#include <algorithm>

namespace tapbench::sim::pn532 {

// The chip as a card in the field: listening while the host waits in TgInitAsTarget.
class Pn532Chip::TargetCard final : public FieldCard {
 public:
  explicit TargetCard(Pn532Chip& chip) : chip_(chip) {}
  std::string name() const override { return chip_.name_; }
  std::string kind() const override { return "pn532-target"; }
  bool listening() const override {
    return chip_.target_mode_ && !chip_.target_active_ && !chip_.target_released_;
  }
  TargetIdentity identity() const override { return chip_.target_identity_; }
  std::uint64_t activate() override {
    chip_.target_active_ = true;
    chip_.from_reader_.reset();
    chip_.to_reader_.reset();
    chip_.field_.notify();
    return ++chip_.target_session_;
  }
  bool session_alive(std::uint64_t session) const override {
    return chip_.target_active_ && !chip_.target_released_ && session == chip_.target_session_;
  }
  ExchangeResult exchange(std::uint64_t session, const std::vector<std::uint8_t>& apdu, Waiter& w) override {
    if (!session_alive(session)) return {};
    chip_.from_reader_ = apdu;
    chip_.to_reader_.reset();
    chip_.reader_waiting_ = true;
    chip_.field_.notify();
    ExchangeResult r;
    while (true) {
      if (chip_.to_reader_) {
        r = {ExchangeResult::Status::Ok, std::move(*chip_.to_reader_)};
        chip_.to_reader_.reset();
        break;
      }
      if (!session_alive(session)) break;  // released, removed, or the target's host gave up
      if (w.interrupted()) {
        r.status = ExchangeResult::Status::Interrupted;
        break;
      }
      if (w.cv.wait_until(w.lock, w.deadline) == std::cv_status::timeout && !chip_.to_reader_) break;
    }
    chip_.reader_waiting_ = false;
    chip_.from_reader_.reset();  // an APDU the target's host never fetched must not surface later
    return r;
  }
  void deactivate(std::uint64_t session) override {
    if (session != chip_.target_session_ || !chip_.target_active_) return;
    chip_.target_released_ = true;  // S(DESELECT): the target's next TgGetData reports "released"
    chip_.field_.notify();
  }
  void lost_field() override {
    if (chip_.target_active_) {
      chip_.target_released_ = true;
      chip_.field_.notify();
    }
  }

 private:
  Pn532Chip& chip_;
};

const char* command_name(std::uint8_t code) {
  switch (code) {
    case cmd::kDiagnose:
      return "Diagnose";
    case cmd::kGetFirmwareVersion:
      return "GetFirmwareVersion";
    case cmd::kGetGeneralStatus:
      return "GetGeneralStatus";
    case cmd::kReadRegister:
      return "ReadRegister";
    case cmd::kWriteRegister:
      return "WriteRegister";
    case cmd::kReadGpio:
      return "ReadGPIO";
    case cmd::kWriteGpio:
      return "WriteGPIO";
    case cmd::kSetSerialBaudRate:
      return "SetSerialBaudRate";
    case cmd::kSetParameters:
      return "SetParameters";
    case cmd::kSamConfiguration:
      return "SAMConfiguration";
    case cmd::kPowerDown:
      return "PowerDown";
    case cmd::kRfConfiguration:
      return "RFConfiguration";
    case cmd::kInListPassiveTarget:
      return "InListPassiveTarget";
    case cmd::kInDataExchange:
      return "InDataExchange";
    case cmd::kInCommunicateThru:
      return "InCommunicateThru";
    case cmd::kInDeselect:
      return "InDeselect";
    case cmd::kInRelease:
      return "InRelease";
    case cmd::kInSelect:
      return "InSelect";
    case cmd::kInAutoPoll:
      return "InAutoPoll";
    case cmd::kInJumpForDep:
      return "InJumpForDEP";
    case cmd::kTgInitAsTarget:
      return "TgInitAsTarget";
    case cmd::kTgGetData:
      return "TgGetData";
    case cmd::kTgSetData:
      return "TgSetData";
    case cmd::kTgGetInitiatorCommand:
      return "TgGetInitiatorCommand";
    case cmd::kTgResponseToInitiator:
      return "TgResponseToInitiator";
    case cmd::kTgGetTargetStatus:
      return "TgGetTargetStatus";
    default:
      return "unknown";
  }
}

Pn532Chip::Pn532Chip(std::string name, Field& field, FrameLog& log, ChipOptions options)
    : name_(std::move(name)), field_(field), log_(log), options_(std::move(options)) {
  if (!options_.sleeper) options_.sleeper = real_sleeper();
  card_ = std::make_shared<TargetCard>(*this);
  // Register values libnfc reads back at init (PN532 reset values where libnfc cares).
  registers_[0x6302] = 0x80;  // CIU_TxMode: TxCRCEn
  registers_[0x6303] = 0x80;  // CIU_RxMode: RxCRCEn
  registers_[0x6305] = 0x00;  // CIU_TxAuto
  registers_[0x630D] = 0x00;  // CIU_ManualRCV
  registers_[0x6338] = 0x00;  // CIU_Status2
  registers_[0x633C] = 0x10;  // CIU_Control: initiator
  registers_[0x633D] = 0x00;  // CIU_BitFraming
}

Pn532Chip::~Pn532Chip() {
  stop();
}

void Pn532Chip::attach(std::unique_ptr<FdTransport> transport) {
  transport_ = std::move(transport);
  if (options_.uart_baud) transport_->set_pacing(options_.uart_baud, options_.sleeper);
  reader_ = std::thread([this] { reader_loop(); });
  executor_ = std::thread([this] { executor_loop(); });
}

void Pn532Chip::stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(field_.mutex());
    field_.notify();
  }
  if (reader_.joinable()) reader_.join();
  if (executor_.joinable()) executor_.join();
}

void Pn532Chip::stall_after(unsigned frames) {
  std::lock_guard lock(field_.mutex());
  stall_after_ = frames;
  stalled_ = frames == 0;
}

void Pn532Chip::unstall() {
  std::lock_guard lock(field_.mutex());
  stall_after_.reset();
  stalled_ = false;
}

void Pn532Chip::inject_garbage(std::vector<std::uint8_t> bytes) {
  std::lock_guard lock(field_.mutex());
  garbage_ = std::move(bytes);
}

bool Pn532Chip::stalled() const {
  std::lock_guard lock(field_.mutex());
  return stalled_;
}

std::string Pn532Chip::describe() const {
  // Called with the world lock held by the Simulator.
  std::string mode = target_mode_ ? (target_active_ ? (target_released_ ? "target-released" : "target-active")
                                                    : "target-listening")
                                  : "initiator";
  std::string s = "chip " + name_ + " mode=" + mode + " rf=" + (rf_on_ ? "on" : "off");
  s += " selected=" + (selected_ ? selected_->name() : std::string("-"));
  if (stalled_) s += " stalled";
  return s;
}

void Pn532Chip::reader_loop() {
  std::vector<std::uint8_t> buf;
  auto last_byte = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (!transport_->read(buf, std::chrono::milliseconds(50))) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (buf.empty()) continue;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(field_.mutex());
    // A host that vanished mid-frame leaves a partial frame behind; a real PN532 drops it after a pause.
    if (parser_.mid_frame() && now - last_byte > std::chrono::milliseconds(100)) {
      parser_.reset();
      log_.add(name_, "event", "partial frame dropped (host went quiet mid-frame)");
    }
    last_byte = now;
    parser_.feed(buf);
    while (auto ev = parser_.next())
      inbox_.push_back(std::move(*ev));
    field_.notify();
  }
}

bool Pn532Chip::consume_abort_locked() {
  if (!inbox_.empty() && inbox_.front().kind == FrameEvent::Kind::Ack) {
    inbox_.pop_front();
    return true;
  }
  return false;
}

void Pn532Chip::send_bytes(const std::vector<std::uint8_t>& bytes, const char* what) {
  log_.add(name_, "C>H", what, bytes);
  transport_->write(bytes);
}

void Pn532Chip::executor_loop() {
  std::unique_lock lk(field_.mutex());
  while (!stopping_) {
    if (inbox_.empty()) {
      field_.cv().wait_for(lk, std::chrono::milliseconds(200));
      // A scripted card removal requested by a card (remove-after) is applied here too.
      for (auto& [card, placed] : field_.all_cards_locked())
        if (placed && card->take_removal_due()) field_.remove_locked(card->name());
      continue;
    }
    FrameEvent ev = std::move(inbox_.front());
    inbox_.pop_front();
    switch (ev.kind) {
      case FrameEvent::Kind::Ack:
        log_.add(name_, "H>C", "ACK (nothing to abort)");
        continue;
      case FrameEvent::Kind::Nack: {
        log_.add(name_, "H>C", "NACK");
        auto again = last_response_;
        lk.unlock();
        if (!again.empty()) send_bytes(again, "resend");
        lk.lock();
        continue;
      }
      case FrameEvent::Kind::BadLengthSum:
        log_.add(name_, "H>C", "bad LCS: frame ignored");
        continue;
      case FrameEvent::Kind::BadDataSum:
        log_.add(name_, "H>C", "bad DCS: frame ignored");
        continue;
      case FrameEvent::Kind::Oversized:
        log_.add(name_, "H>C", "oversized frame ignored");
        continue;
      case FrameEvent::Kind::Information:
        break;
    }
    std::vector<std::uint8_t> logged{ev.tfi};
    logged.insert(logged.end(), ev.data.begin(), ev.data.end());
    const char* what = ev.tfi == kTfiHostToChip && !ev.data.empty() ? command_name(ev.data[0]) : "bad TFI";
    log_.add(name_, "H>C", what, logged);
    if (stalled_) {
      log_.add(name_, "event", "stalled: frame not answered");
      continue;
    }
    if (stall_after_) {
      if (*stall_after_ == 0) {
        stalled_ = true;
        log_.add(name_, "event", "stalled: frame not answered");
        continue;
      }
      --*stall_after_;
    }
    const std::size_t wire_bytes = ev.data.size() + 8;
    lk.unlock();
    transport_->pace_received(wire_bytes);
    send_bytes(ack_frame(), "ACK");
    lk.lock();
    Reply reply;
    if (ev.tfi != kTfiHostToChip || ev.data.empty()) {
      reply.syntax_error = true;
    } else {
      powered_down_ = false;  // any valid frame wakes the chip (the host sent 0x55 first)
      reply = dispatch_locked(ev.data, lk);
    }
    for (auto& [card, placed] : field_.all_cards_locked())
      if (placed && card->take_removal_due()) {
        field_.remove_locked(card->name());
        log_.add(name_, "event", "card " + card->name() + " left the field (scripted)");
      }
    std::vector<std::uint8_t> out;
    const char* out_what = "response";
    if (reply.syntax_error) {
      out = error_frame();
      out_what = "error frame";
    } else if (reply.data) {
      out = encode_frame(kTfiChipToHost, *reply.data);
    } else {
      log_.add(name_, "event",
               ev.data[0] == cmd::kRfRegulationTest ? "RFRegulationTest: test mode, no answer (as the chip)"
                                                    : "command aborted by host");
      continue;
    }
    if (!garbage_.empty()) {
      out = std::move(garbage_);
      garbage_.clear();
      out_what = "garbage (injected)";
    }
    last_response_ = out;
    lk.unlock();
    if (options_.air_pacing && reply.air_time.count() > 0) options_.sleeper(reply.air_time);
    send_bytes(out, out_what);
    lk.lock();
  }
}

Pn532Chip::Reply Pn532Chip::dispatch_locked(const std::vector<std::uint8_t>& c,
                                            std::unique_lock<std::mutex>& lk) {
  const std::uint8_t code = c[0];
  const auto ok = [code](std::vector<std::uint8_t> params = {}) {
    Reply r;
    r.data = std::vector<std::uint8_t>{static_cast<std::uint8_t>(code + 1)};
    r.data->insert(r.data->end(), params.begin(), params.end());
    return r;
  };
  // Commands that only make sense in initiator mode take the chip out of target mode.
  const bool initiator_cmd = code == cmd::kInListPassiveTarget || code == cmd::kInAutoPoll ||
                             code == cmd::kInDataExchange || code == cmd::kInJumpForDep;
  if (initiator_cmd && target_mode_) leave_target_mode_locked();

  switch (code) {
    case cmd::kDiagnose:
      return diagnose(c);
    case cmd::kGetFirmwareVersion:
      return ok(options_.firmware);
    case cmd::kGetGeneralStatus:
      return general_status();
    case cmd::kReadRegister:
    case cmd::kWriteRegister:
      return registers(c);
    case cmd::kReadGpio:
      return ok({0xFF, 0xFF, 0x00});
    case cmd::kWriteGpio:
      return ok();
    case cmd::kSetSerialBaudRate:
      return c.size() == 2 ? ok() : Reply{std::nullopt, {}, true};
    case cmd::kSetParameters:
      if (c.size() != 2) return Reply{std::nullopt, {}, true};
      parameters_ = c[1];
      return ok();
    case cmd::kSamConfiguration:
      if (c.size() < 2 || c[1] < 1 || c[1] > 4) return Reply{std::nullopt, {}, true};
      sam_mode_ = c[1];
      return ok();
    case cmd::kPowerDown:
      if (c.size() < 2) return Reply{std::nullopt, {}, true};
      powered_down_ = true;
      return ok({status::kOk});
    case cmd::kRfConfiguration:
      return rf_configuration(c);
    case cmd::kInListPassiveTarget:
      return in_list_passive_target(c, lk);
    case cmd::kInAutoPoll:
      return in_auto_poll(c, lk);
    case cmd::kInDataExchange:
      return in_data_exchange(c, lk);
    case cmd::kInCommunicateThru:
      return in_communicate_thru(c, lk);
    case cmd::kInDeselect:
      return in_deselect_release(c, false);
    case cmd::kInRelease:
      if (target_mode_) {  // libnfc's idle() in target mode: stop emulating
        leave_target_mode_locked();
        return ok({status::kOk});
      }
      return in_deselect_release(c, true);
    case cmd::kInSelect:
      if (c.size() != 2) return Reply{std::nullopt, {}, true};
      return ok({selected_alive_locked() ? status::kOk : status::kTimeout});
    case cmd::kInJumpForDep:
    case cmd::kInAtr:
    case cmd::kInPsl:
    case cmd::kInJumpForPsl:
      // No NFC-DEP peers in this field: activation times out like a real chip with nobody to talk to.
      return ok({status::kTimeout});
    case cmd::kTgInitAsTarget:
      return tg_init_as_target(c, lk);
    case cmd::kTgGetData:
    case cmd::kTgGetInitiatorCommand:
      return tg_get_data(lk);
    case cmd::kTgSetData:
    case cmd::kTgResponseToInitiator:
      return tg_set_data(c);
    case cmd::kTgGetTargetStatus:
      return tg_get_target_status();
    case cmd::kTgSetGeneralBytes:
    case cmd::kTgSetMetaData:
      return ok({status::kOk});
    case cmd::kRfRegulationTest:
      return Reply{};  // the real chip never answers this one (test mode until the next command)
    default:
      return Reply{std::nullopt, {}, true};  // unknown command: application-level error frame
  }
}

}  // namespace tapbench::sim::pn532
