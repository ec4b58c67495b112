// Registration of tapbench's subcommands. A command's callback stores its exit code in CommandResult.
#pragma once

#include <CLI/CLI.hpp>

namespace tapbench::cli {

struct CommandResult {
  int exit_code = 0;
};

// `tapbench ndef decode|encode` (rig/cli/ndef_command.cpp).
void register_ndef_commands(CLI::App& app, CommandResult& result);
// `tapbench run|list|report`, `tapbench bench|suite validate|show` (rig/cli/run_command.cpp).
void register_rig_commands(CLI::App& app, CommandResult& result);
// `tapbench doctor` (rig/cli/doctor_command.cpp).
void register_doctor_commands(CLI::App& app, CommandResult& result);
// `tapbench nfc read|tag` (rig/cli/nfc_command.cpp).
void register_nfc_commands(CLI::App& app, CommandResult& result);
// `tapbench usb list|hubs|power-cycle|watch` (rig/cli/usb_command.cpp).
void register_usb_commands(CLI::App& app, CommandResult& result);

}  // namespace tapbench::cli
