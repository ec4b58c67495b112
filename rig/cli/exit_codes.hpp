// Exit codes of every tapbench command (docs/ARCHITECTURE.md, "Failures and exit codes"):
// run outcomes 0–3, usage and input errors from sysexits.h (64+).
#pragma once

namespace tapbench::cli {

enum ExitCode : int {
  kExitOk = 0,              // everything passed
  kExitPassedOnRetry = 1,   // passed, but only after retrying an infrastructure error
  kExitFailures = 2,        // the system under test did wrong (FAIL)
  kExitInfrastructure = 3,  // the rig or bench failed (ERROR)
  kExitUsage = 64,          // EX_USAGE: bad command line
  kExitDataError = 65,      // EX_DATAERR: malformed input (NDEF, YAML, hex)
  kExitNoInput = 66,        // EX_NOINPUT: an input file is missing or unreadable
  kExitIoError = 74,        // EX_IOERR: an output could not be written
};

}  // namespace tapbench::cli
