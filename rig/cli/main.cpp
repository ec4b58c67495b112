// tapbench: the rig's command line. Each concern registers its subcommands; main only dispatches and maps
// errors to the documented exit codes (rig/cli/exit_codes.hpp).
#include <CLI/CLI.hpp>
#include <iostream>

#include "rig/cli/commands.hpp"
#include "rig/cli/exit_codes.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "tapbench — hardware-in-the-loop test rig for NFC tap-to-provision and tap-to-print systems.\n"
      "Run `tapbench COMMAND --help` for the options of a command.",
      "tapbench"};
  app.set_version_flag("--version", std::string("tapbench ") + TAPBENCH_VERSION);
  app.require_subcommand(1);
  app.failure_message(CLI::FailureMessage::help);

  tapbench::cli::CommandResult result;
  tapbench::cli::register_ndef_commands(app, result);
  tapbench::cli::register_rig_commands(app, result);
  tapbench::cli::register_doctor_commands(app, result);
  tapbench::cli::register_nfc_commands(app, result);
  tapbench::cli::register_usb_commands(app, result);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return tapbench::cli::kExitUsage;
  }
  return result.exit_code;
}
