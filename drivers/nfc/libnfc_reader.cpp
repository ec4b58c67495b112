#include "drivers/nfc/libnfc_reader.hpp"

#include <algorithm>
#include <thread>

namespace tapbench::nfc {

LibnfcReader::LibnfcReader(const std::string& connstring, ReaderOptions options)
    : NfcReader(options.clock ? *options.clock : RealClock::instance()),
      device_(connstring),
      options_(options) {
  if (const int r = nfc_initiator_init(device_.get()); r < 0) device_.fail("nfc_initiator_init", r);
  // Poll with bounded activation attempts (we loop until our own deadline) instead of the chip's endless one.
  if (const int r = nfc_device_set_property_bool(device_.get(), NP_INFINITE_SELECT, false); r < 0)
    device_.fail("disable infinite select", r);
  field_ = true;  // nfc_initiator_init leaves the field on
  times_.field_on = clock_.monotonic_now();
}

LibnfcReader::~LibnfcReader() {
  if (selected_) nfc_initiator_deselect_target(device_.get());
}

void LibnfcReader::field_on() {
  if (const int r = nfc_device_set_property_bool(device_.get(), NP_ACTIVATE_FIELD, true); r < 0)
    device_.fail("RF field on", r);
  field_ = true;
  times_.field_on = clock_.monotonic_now();
}

void LibnfcReader::field_off() {
  selected_ = false;
  field_ = false;
  if (const int r = nfc_device_set_property_bool(device_.get(), NP_ACTIVATE_FIELD, false); r < 0)
    device_.fail("RF field off", r);
}

TargetInfo LibnfcReader::wait_for_target(std::chrono::milliseconds timeout) {
  if (selected_) {  // the selected card would stay HALTed after a deselect: start from a fresh field
    release();
    field_off();
  }
  if (!field_) field_on();
  const nfc_modulation nm{NMT_ISO14443A, NBR_106};
  const auto deadline = clock_.monotonic_now() + timeout;
  while (true) {
    nfc_target nt{};
    const int r = nfc_initiator_select_passive_target(device_.get(), nm, nullptr, 0, &nt);
    if (r < 0) device_.fail("select passive target", r);
    if (r > 0) {
      target_ = nt;
      selected_ = true;
      times_.target_found = clock_.monotonic_now();
      TargetInfo info;
      info.uid.assign(nt.nti.nai.abtUid, nt.nti.nai.abtUid + nt.nti.nai.szUidLen);
      info.atqa[0] = nt.nti.nai.abtAtqa[0];
      info.atqa[1] = nt.nti.nai.abtAtqa[1];
      info.sak = nt.nti.nai.btSak;
      info.ats.assign(nt.nti.nai.abtAts, nt.nti.nai.abtAts + nt.nti.nai.szAtsLen);
      return info;
    }
    if (clock_.monotonic_now() >= deadline)
      throw NfcException(NfcError::Timeout, "no ISO/IEC 14443-A target in the field of " +
                                                device_.connstring() + " within " +
                                                std::to_string(timeout.count()) + " ms");
    if (options_.sleeper) {
      options_.sleeper(options_.poll_interval);
    } else {
      std::this_thread::sleep_for(options_.poll_interval);
    }
  }
}

std::vector<std::uint8_t> LibnfcReader::transceive(std::span<const std::uint8_t> apdu) {
  // A short APDU is at most 4 + 1 + 255 + 1 bytes; the PN53x frame carries no more than that anyway.
  if (apdu.size() < 4 || apdu.size() > 261)
    throw NfcException(NfcError::InvalidArgument,
                       "APDU of " + std::to_string(apdu.size()) + " bytes (a short C-APDU has 4..261)");
  if (!selected_)
    throw NfcException(NfcError::InvalidArgument, "no target selected (call wait_for_target first)");
  std::uint8_t rx[264];
  const int r = nfc_initiator_transceive_bytes(device_.get(), apdu.data(), apdu.size(), rx, sizeof rx,
                                               static_cast<int>(options_.apdu_timeout.count()));
  if (r < 0) {
    if (r == NFC_ERFTRANS || r == NFC_ETGRELEASED) selected_ = false;
    device_.fail("APDU exchange", r);
  }
  if (r < 2)
    throw NfcException(NfcError::Protocol, "R-APDU of " + std::to_string(r) + " bytes (no status word)");
  return {rx, rx + r};
}

bool LibnfcReader::target_present() {
  if (!selected_) return false;
  const int r = nfc_initiator_target_is_present(device_.get(), &target_);
  if (r == NFC_SUCCESS) return true;
  if (r == NFC_ETGRELEASED || r == NFC_ERFTRANS || r == NFC_ETIMEOUT) {
    selected_ = false;
    return false;
  }
  device_.fail("presence check", r);
}

void LibnfcReader::release() {
  if (!selected_) return;
  selected_ = false;
  if (const int r = nfc_initiator_deselect_target(device_.get()); r < 0) device_.fail("deselect", r);
}

}  // namespace tapbench::nfc
