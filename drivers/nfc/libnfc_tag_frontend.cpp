#include "drivers/nfc/libnfc_tag_frontend.hpp"

#include <chrono>
#include <cstring>

namespace tapbench::nfc {

LibnfcTagFrontend::LibnfcTagFrontend(std::string connstring, TagFrontendConfig config)
    : connstring_(std::move(connstring)),
      config_(config),
      clock_(config.clock ? *config.clock : RealClock::instance()),
      tag_(config.tag) {
  tag_.set_on_update([this](const std::vector<std::uint8_t>& message) {
    {
      std::lock_guard lock(mutex_);
      content_ = message;
      content_dirty_ = false;  // the tag already holds it
    }
    TapEvent ev;
    ev.kind = TapEvent::Kind::Updated;
    ev.ndef = message;
    emit(std::move(ev));
  });
}

LibnfcTagFrontend::~LibnfcTagFrontend() {
  stop();
}

std::string LibnfcTagFrontend::description() const {
  return device_ ? device_->name() : connstring_ + " (not started)";
}

void LibnfcTagFrontend::set_ndef(std::span<const std::uint8_t> message) {
  if (message.size() + 2 > config_.tag.max_ndef_size)
    throw NfcException(NfcError::InvalidArgument,
                       "NDEF message of " + std::to_string(message.size()) + " bytes does not fit the " +
                           std::to_string(config_.tag.max_ndef_size) + "-byte NDEF file");
  std::lock_guard lock(mutex_);
  content_.assign(message.begin(), message.end());
  content_dirty_ = true;
}

std::vector<std::uint8_t> LibnfcTagFrontend::ndef() const {
  std::lock_guard lock(mutex_);
  return content_;
}

void LibnfcTagFrontend::set_listener(std::function<void(const TapEvent&)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

std::optional<NfcError> LibnfcTagFrontend::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void LibnfcTagFrontend::emit(TapEvent ev) {
  ev.at = clock_.monotonic_now();
  if (ev.tap == 0) ev.tap = taps_;
  std::function<void(const TapEvent&)> listener;
  {
    std::lock_guard lock(mutex_);
    if (ev.kind == TapEvent::Kind::Error) last_error_ = ev.error;
    listener = listener_;
  }
  if (listener) listener(ev);
}

void LibnfcTagFrontend::start() {
  if (running_) return;
  device_ = std::make_unique<LibnfcDevice>(connstring_);
  stop_ = false;
  running_ = true;
  worker_done_ = false;
  thread_ = std::thread([this] { worker(); });
}

void LibnfcTagFrontend::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  // nfc_abort_command only interrupts a call that is blocked right now: repeat until the worker notices.
  for (int i = 0; i < 100 && !worker_done_; ++i) {
    nfc_abort_command(device_->get());
    for (int j = 0; j < 10 && !worker_done_; ++j)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  thread_.join();
  device_.reset();
  running_ = false;
}

void LibnfcTagFrontend::worker() {
  while (!stop_ && serve_one_tap()) {
  }
  if (!stop_) running_ = false;  // ended by itself (device gone); stop() clears it otherwise
  worker_done_ = true;
}

bool LibnfcTagFrontend::serve_one_tap() {
  nfc_device* dev = device_->get();
  // The tag as libnfc wants it for PN532 card emulation: UID 08 xx xx xx, SAK with the ISO-DEP bit.
  nfc_target nt{};
  nt.nm.nmt = NMT_ISO14443A;
  nt.nm.nbr = NBR_UNDEFINED;
  nt.nti.nai.abtAtqa[0] = 0x00;
  nt.nti.nai.abtAtqa[1] = 0x04;
  nt.nti.nai.abtUid[0] = 0x08;
  std::memcpy(nt.nti.nai.abtUid + 1, config_.uid_tail, 3);
  nt.nti.nai.szUidLen = 4;
  nt.nti.nai.btSak = 0x20;
  const std::uint8_t ats[] = {0x75, 0x33, 0x92, 0x03};  // T0 TA TB TC (historical bytes: none)
  std::memcpy(nt.nti.nai.abtAts, ats, sizeof ats);
  nt.nti.nai.szAtsLen = sizeof ats;

  std::uint8_t rx[264];
  const int init = nfc_target_init(dev, &nt, rx, sizeof rx, 0);
  if (stop_) return false;
  if (init < 0) {
    const NfcError e = device_->classify(init);
    TapEvent ev;
    ev.kind = TapEvent::Kind::Error;
    ev.error = e;
    ev.message = std::string("waiting for a reader on ") + connstring_ + ": " + nfc_strerror(dev);
    emit(std::move(ev));
    if (e == NfcError::DeviceMissing) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // do not spin on a sick device
    return true;
  }
  ++taps_;
  TapEvent selected;
  selected.kind = TapEvent::Kind::Selected;
  emit(std::move(selected));  // S18/S19: the firmware may set_ndef() for this very tap
  {
    std::lock_guard lock(mutex_);
    if (content_dirty_) {
      tag_.set_ndef(content_);
      content_dirty_ = false;
    }
  }
  tag_.reset_session();
  unsigned apdus = 0;
  // With PN532 ISO-DEP emulation the first frame (RATS) is handled by the chip; init returns 0 bytes.
  int n = init;
  while (!stop_) {
    if (n <= 0) {
      n = nfc_target_receive_bytes(dev, rx, sizeof rx, 0);
      if (stop_) return false;
      if (n < 0) break;
      if (n == 0) continue;
    }
    const auto response = tag_.process(std::span<const std::uint8_t>(rx, static_cast<std::size_t>(n)));
    ++apdus;
    n = 0;
    const int s = nfc_target_send_bytes(dev, response.data(), response.size(), 0);
    if (stop_) return false;
    if (s < 0) {
      n = s;
      break;
    }
  }
  const int last = nfc_device_get_last_error(dev);
  TapEvent released;
  released.kind = TapEvent::Kind::Released;
  released.apdus = apdus;
  if (last != NFC_ETGRELEASED && last != NFC_SUCCESS && last != NFC_ERFTRANS) {
    const NfcError e = device_->classify(last);
    TapEvent err;
    err.kind = TapEvent::Kind::Error;
    err.error = e;
    err.message = std::string("tap on ") + connstring_ + " ended: " + nfc_strerror(dev);
    emit(std::move(err));
    if (e == NfcError::DeviceMissing) {
      emit(std::move(released));
      return false;
    }
  }
  emit(std::move(released));
  return true;
}

}  // namespace tapbench::nfc
