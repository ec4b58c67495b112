// The logic of "read a tag from the command line", shared by `tapbench nfc read` (rig/cli/nfc_command.cpp)
// and the standalone `tapbench-nfc-read` (tools/nfc_read_main.cpp): one or more taps through NfcReader, the
// NDEF message as hex, each tap's phase timings (field_on -> target_found -> ndef_read), percentiles with
// --repeat. Exit codes follow the rig: 0 read, 2 device FAIL, 3 infrastructure ERROR, 74 output unwritable.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

namespace tapbench::nfc::tools {

struct NfcReadOptions {
  std::string spec;                              // "pn532_uart:/tmp/bench/phone", "libnfc:acr122_usb:"
  std::chrono::milliseconds wait{2000};          // how long each tap waits for a card
  std::chrono::milliseconds apdu_timeout{1000};  // per-APDU timeout
  long repeat = 1;                               // taps; every tap must read the same message
  std::string out_file;                          // write the message's bytes here (empty: no file)
  bool quiet = false;                            // no hex dump on `out`
  bool json = false;                             // one JSON document on `out` instead of text
};

// Checks the option values; returns an error text for the usage message, empty when they are fine.
std::string check_read_options(const NfcReadOptions& options);

// Runs the taps. Text mode: hex on `out`, progress and timings on `err`. JSON mode: one object on `out`
// (also on failure: {"ok":false,"error":{…}}), nothing but the reader line on `err`. `program` prefixes
// error messages ("tapbench nfc read"). Returns the exit code.
int run_nfc_read(const NfcReadOptions& options, std::ostream& out, std::ostream& err,
                 const std::string& program);

}  // namespace tapbench::nfc::tools
