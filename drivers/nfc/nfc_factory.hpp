// Backend choice by name, as the bench YAML gives it:
//   "libnfc:pn532_uart:/tmp/bench/phone"   libnfc backend with that connstring
//   "pn532_uart:/tmp/bench/phone"          the same (a bare libnfc connstring)
// Simulated benches use the same libnfc backend against pn532-sim's ptys (simulation below the driver).
#pragma once

#include <memory>
#include <string>

#include "drivers/nfc/nfc_reader.hpp"
#include "drivers/nfc/tag_frontend.hpp"

namespace tapbench::nfc {

std::unique_ptr<NfcReader> make_nfc_reader(const std::string& spec, ReaderOptions options = {});
std::unique_ptr<TagFrontend> make_tag_frontend(const std::string& spec, TagFrontendConfig config = {});

}  // namespace tapbench::nfc
