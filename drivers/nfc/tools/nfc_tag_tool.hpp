// The logic of "present a tag from the command line", shared by `tapbench nfc tag` (rig/cli/nfc_command.cpp)
// and the standalone `tapbench-nfc-tag` (tools/nfc_tag_main.cpp): an NDEF message served as a Type 4 Tag
// through TagFrontend (card emulation on a libnfc device), each tap logged, until interrupted or N taps.
// Exit codes: 0 done, 3 infrastructure error (device missing), 66 the NDEF file cannot be read.
#pragma once

#include <atomic>
#include <iosfwd>
#include <string>

namespace tapbench::nfc::tools {

struct NfcTagOptions {
  std::string spec;       // "pn532_uart:/tmp/bench/printer"
  std::string ndef_file;  // the message to present (raw NDEF bytes)
  bool writable = false;  // accept UPDATE BINARY
  long taps = 0;          // stop after this many released taps; 0: until stopped
  std::string out_file;   // with writable: each message a reader writes is stored here
};

// Installs SIGINT/SIGTERM handlers that set the returned flag (and nothing else), and clears the flag:
// each command run starts unstopped.
const std::atomic<bool>& install_stop_signals();

// Serves the tag until `stop` turns true, `taps` taps were released, or the device goes away. Log lines go
// to `err`. Returns the exit code.
int run_nfc_tag(const NfcTagOptions& options, std::ostream& err, const std::atomic<bool>& stop,
                const std::string& program);

}  // namespace tapbench::nfc::tools
