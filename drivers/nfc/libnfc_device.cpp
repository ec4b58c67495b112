#include "drivers/nfc/libnfc_device.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace tapbench::nfc {

LibnfcDevice::LibnfcDevice(const std::string& connstring) : connstring_(connstring) {
  if (connstring.size() >= sizeof(nfc_connstring))
    throw NfcException(NfcError::InvalidArgument, "connstring too long: " + connstring);
  nfc_init(&context_);
  if (!context_) throw NfcException(NfcError::DeviceMissing, "libnfc could not be initialised (nfc_init)");
  device_ = nfc_open(context_, connstring.c_str());
  if (!device_) {
    nfc_exit(context_);
    throw NfcException(NfcError::DeviceMissing,
                       "cannot open " + connstring + " (no PN53x answering there, or the port is missing)");
  }
}

LibnfcDevice::~LibnfcDevice() {
  if (device_) nfc_close(device_);
  if (context_) nfc_exit(context_);
}

std::string LibnfcDevice::name() const {
  return connstring_ + " - " + nfc_device_get_name(device_);
}

bool LibnfcDevice::device_node_alive() const {
  // Serial connstrings name a device node: driver:path[:speed].
  const auto first = connstring_.find(':');
  if (first == std::string::npos) return true;
  std::string path = connstring_.substr(first + 1);
  const auto second = path.find(':');
  if (second != std::string::npos) path = path.substr(0, second);
  if (path.empty() || path[0] != '/') return true;  // USB bus addresses: nothing to check here
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno != EIO && errno != ENXIO && errno != ENOENT;
  ::close(fd);
  return true;
}

NfcError LibnfcDevice::classify(int r) const {
  switch (r) {
    case NFC_ETIMEOUT:
      return NfcError::Timeout;
    case NFC_ERFTRANS:
    case NFC_ETGRELEASED:
      return NfcError::CardRemoved;
    case NFC_EOPABORTED:
      return NfcError::Aborted;
    case NFC_EINVARG:
      return NfcError::InvalidArgument;
    case NFC_EDEVNOTSUPP:
    case NFC_ENOTIMPL:
      return NfcError::Unsupported;
    case NFC_ENOTSUCHDEV:
      return NfcError::DeviceMissing;
    case NFC_EIO:
      return device_node_alive() ? NfcError::Protocol : NfcError::DeviceMissing;
    default:  // NFC_EOVFLOW, NFC_ECHIP, NFC_ESOFT, NFC_EMFCAUTHFAIL
      return NfcError::Protocol;
  }
}

void LibnfcDevice::fail(const std::string& operation, int r) const {
  const NfcError e = classify(r);
  std::string detail = operation + " on " + connstring_ + " failed: " + nfc_strerror(device_) + " (libnfc " +
                       std::to_string(r) + ")";
  if (e == NfcError::DeviceMissing && r == NFC_EIO) detail += "; the device node is gone";
  throw NfcException(e, detail);
}

}  // namespace tapbench::nfc
