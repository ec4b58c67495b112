#include "drivers/nfc/nfc_factory.hpp"

#include "drivers/nfc/libnfc_reader.hpp"
#include "drivers/nfc/libnfc_tag_frontend.hpp"

namespace tapbench::nfc {
namespace {

// libnfc drivers built into Debian's libnfc 1.8.0.
bool is_libnfc_driver(const std::string& name) {
  for (const char* d :
       {"pn532_uart", "pn532_spi", "pn532_i2c", "pn53x_usb", "acr122_usb", "acr122s", "arygon"})
    if (name == d) return true;
  return false;
}

std::string libnfc_connstring(const std::string& spec) {
  std::string rest = spec;
  if (rest.rfind("libnfc:", 0) == 0) rest = rest.substr(7);
  const std::string driver = rest.substr(0, rest.find(':'));
  if (!is_libnfc_driver(driver))
    throw NfcException(
        NfcError::InvalidArgument,
        "unknown NFC backend or libnfc driver in '" + spec +
            "' (expected libnfc:<driver>:<port>, driver one of pn532_uart, pn532_spi, pn532_i2c, "
            "pn53x_usb, acr122_usb, acr122s, arygon)");
  return rest;
}

}  // namespace

std::unique_ptr<NfcReader> make_nfc_reader(const std::string& spec, ReaderOptions options) {
  return std::make_unique<LibnfcReader>(libnfc_connstring(spec), options);
}

std::unique_ptr<TagFrontend> make_tag_frontend(const std::string& spec, TagFrontendConfig config) {
  return std::make_unique<LibnfcTagFrontend>(libnfc_connstring(spec), config);
}

}  // namespace tapbench::nfc
