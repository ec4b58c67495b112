// The rig's commands (rig/cli/run_command.cpp, rig/cli/validate_commands.cpp), registered together by
// register_rig_commands (commands.hpp).
#pragma once

#include <CLI/CLI.hpp>

#include "rig/cli/commands.hpp"

namespace tapbench::cli {

// `tapbench run`, `tapbench list`, `tapbench report`.
void register_run_commands(CLI::App& app, CommandResult& result);
// `tapbench bench validate|show`, `tapbench suite validate|show`.
void register_validate_commands(CLI::App& app, CommandResult& result);

}  // namespace tapbench::cli
