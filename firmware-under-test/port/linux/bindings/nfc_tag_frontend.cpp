#include "firmware-under-test/port/linux/bindings/nfc_tag_frontend.hpp"

#include "drivers/nfc/nfc_factory.hpp"

namespace tapbench::firmware::port {
namespace {

hal::HalCode code_of(nfc::NfcError e) {
  switch (e) {
    case nfc::NfcError::DeviceMissing:
      return hal::HalCode::unreachable;
    case nfc::NfcError::Timeout:
      return hal::HalCode::timeout;
    case nfc::NfcError::InvalidArgument:
      return hal::HalCode::rejected;
    case nfc::NfcError::Unsupported:
      return hal::HalCode::unsupported;
    default:
      return hal::HalCode::io_error;
  }
}

}  // namespace

NfcTagFrontend::NfcTagFrontend(std::unique_ptr<nfc::TagFrontend> frontend) : frontend_(std::move(frontend)) {
  frontend_->set_listener([this](const nfc::TapEvent& e) {
    if (e.kind != nfc::TapEvent::Kind::Selected) return;
    if (hal::TapListener* l = listener_.load()) l->on_tap(hal::TapEvent{"tap " + std::to_string(e.tap)});
  });
}

std::unique_ptr<NfcTagFrontend> NfcTagFrontend::open(const std::string& spec, nfc::TagFrontendConfig config) {
  return std::make_unique<NfcTagFrontend>(nfc::make_tag_frontend(spec, std::move(config)));
}

NfcTagFrontend::~NfcTagFrontend() {
  frontend_->set_listener({});
  frontend_->stop();
}

hal::Status NfcTagFrontend::set_ndef(std::span<const std::uint8_t> message) {
  try {
    frontend_->set_ndef(message);
    return hal::Status::success();
  } catch (const nfc::NfcException& e) {
    return hal::Status::failure(code_of(e.code()), std::string("NFC tag: ") + e.what());
  } catch (const std::exception& e) {
    return hal::Status::failure(hal::HalCode::io_error, std::string("NFC tag: ") + e.what());
  }
}

void NfcTagFrontend::set_tap_listener(hal::TapListener* listener) {
  listener_.store(listener);
}

hal::Status NfcTagFrontend::start() {
  try {
    frontend_->start();
    return hal::Status::success();
  } catch (const nfc::NfcException& e) {
    return hal::Status::failure(code_of(e.code()), e.what());  // names the device already
  } catch (const std::exception& e) {
    return hal::Status::failure(hal::HalCode::io_error, std::string("NFC tag: ") + e.what());
  }
}

void NfcTagFrontend::stop() {
  frontend_->stop();
}

std::string NfcTagFrontend::last_error() const {
  const auto e = frontend_->last_error();
  return e ? std::string(nfc::to_string(*e)) : std::string();
}

}  // namespace tapbench::firmware::port
