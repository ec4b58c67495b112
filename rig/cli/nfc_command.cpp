// `tapbench nfc read` and `tapbench nfc tag`: read a Type 4 Tag / present one from the command line. The
// logic is drivers/nfc/tools (shared with the standalone tapbench-nfc-read / tapbench-nfc-tag).
#include <iostream>
#include <memory>
#include <string>

#include "drivers/nfc/tools/nfc_read_tool.hpp"
#include "drivers/nfc/tools/nfc_tag_tool.hpp"
#include "rig/cli/commands.hpp"
#include "rig/cli/exit_codes.hpp"

namespace tapbench::cli {
namespace {

struct ReadArgs {
  nfc::tools::NfcReadOptions options;
  long wait_ms = 2000;
  long apdu_ms = 1000;
};

}  // namespace

void register_nfc_commands(CLI::App& app, CommandResult& result) {
  auto* nfc_cmd =
      app.add_subcommand("nfc", "Read or present NFC Forum Type 4 Tags through libnfc (docs/DRIVERS-NFC.md)");
  nfc_cmd->require_subcommand(1);

  auto read_args = std::make_shared<ReadArgs>();
  auto& r = *read_args;
  auto* read = nfc_cmd->add_subcommand(
      "read",
      "Tap a tag: field on, wait for a card, read its NDEF message (hex on stdout) and print each tap's\n"
      "phase timings (field_on -> target_found -> ndef_read) on stderr.\n"
      "Exit 0 read, 2 device FAIL (no card, protocol error, card removed), 3 infrastructure ERROR (reader\n"
      "missing), 64 usage, 74 --out unwritable.");
  read->add_option("SPEC", r.options.spec,
                   "libnfc connstring or bench spec: pn532_uart:/tmp/bench/phone, acr122_usb:001:005, "
                   "libnfc:pn53x_usb:")
      ->required();
  read->add_option("--wait", r.wait_ms, "How long each tap waits for a card, in ms")
      ->default_val(2000)
      ->check(CLI::NonNegativeNumber);
  read->add_option("--apdu-timeout", r.apdu_ms, "Per-APDU timeout, in ms")
      ->default_val(1000)
      ->check(CLI::Range(1L, 600000L));
  read->add_option("--repeat", r.options.repeat,
                   "Tap N times (every tap must read the same message); prints p50/p90/max")
      ->default_val(1)
      ->check(CLI::Range(1L, 1000000L));
  read->add_option("--out", r.options.out_file, "Also write the message's bytes to FILE");
  read->add_flag("--quiet", r.options.quiet, "No hex dump on stdout");
  read->add_flag("--json", r.options.json,
                 "One JSON object on stdout: reader, ndef (hex), taps with timings, error {code, class, "
                 "message} on failure");
  read->callback([read_args, &result] {
    auto& a = *read_args;
    a.options.wait = std::chrono::milliseconds(a.wait_ms);
    a.options.apdu_timeout = std::chrono::milliseconds(a.apdu_ms);
    if (const auto problem = nfc::tools::check_read_options(a.options); !problem.empty()) {
      std::cerr << "tapbench nfc read: " << problem << "\n";
      result.exit_code = kExitUsage;
      return;
    }
    result.exit_code = nfc::tools::run_nfc_read(a.options, std::cout, std::cerr, "tapbench nfc read");
  });

  auto tag_args = std::make_shared<nfc::tools::NfcTagOptions>();
  auto& t = *tag_args;
  auto* tag = nfc_cmd->add_subcommand(
      "tag",
      "Present an NDEF message as a Type 4 Tag on a libnfc device in card-emulation mode (a PN532) until\n"
      "Ctrl-C or --taps taps; each tap is logged on stderr.\n"
      "Exit 0 done, 3 device error (missing or gone), 64 usage, 66 --ndef file unreadable.");
  tag->add_option("SPEC", t.spec, "libnfc connstring of a PN532, e.g. pn532_uart:/tmp/bench/printer")
      ->required();
  tag->add_option("--ndef", t.ndef_file,
                  "The NDEF message to present (raw bytes, e.g. from `tapbench ndef "
                  "encode -o FILE`)")
      ->required();
  tag->add_flag("--writable", t.writable, "Accept UPDATE BINARY (a reader may write the tag)");
  tag->add_option("--taps", t.taps, "Stop after N taps (0: until Ctrl-C)")
      ->default_val(0)
      ->check(CLI::NonNegativeNumber);
  tag->add_option("--out", t.out_file, "With --writable: store each message a reader writes in FILE");
  tag->callback([tag_args, &result] {
    const auto& stop = nfc::tools::install_stop_signals();
    result.exit_code = nfc::tools::run_nfc_tag(*tag_args, std::cerr, stop, "tapbench nfc tag");
  });
}

}  // namespace tapbench::cli
